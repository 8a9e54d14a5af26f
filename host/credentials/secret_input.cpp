#include "credentials/secret_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "credentials/credential_error.hpp"

namespace smoops::credentials {
namespace {

/// Turns the terminal's echo off for its lifetime.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the user still sees that Enter was taken
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a prompt that cannot be shown does not stop the input
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

SecretInput::SecretInput(int input_fd, int prompt_fd)
    : input_fd_(input_fd), prompt_fd_(prompt_fd), interactive_(::isatty(input_fd) == 1) {}

bool SecretInput::read_raw_line(SecretString& line) {
  bool any = false;
  for (;;) {
    char byte = 0;
    const ssize_t n = ::read(input_fd_, &byte, 1);  // one byte at a time: nothing is read ahead
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw CredentialError(CredentialError::Kind::BadInput, std::string("cannot read stdin: ") + std::strerror(errno));
    if (n == 0) return any;
    any = true;
    if (byte == '\n') break;
    line.push_back(byte);
  }
  if (!line.empty() && line.reveal().back() == '\r') line.pop_back();
  return true;
}

SecretString SecretInput::read_line(const std::string& prompt) {
  SecretString line;
  bool got = false;
  if (interactive_) {
    write_all(prompt_fd_, prompt);
    const EchoOff quiet(input_fd_);
    got = read_raw_line(line);
  } else {
    got = read_raw_line(line);
  }
  if (!got)
    throw CredentialError(CredentialError::Kind::BadInput,
                          "the input ended before the " + prompt.substr(0, prompt.find(':')) + " was given");
  return line;
}

SecretString SecretInput::read_until(const std::string& prompt, const std::string& last_line_prefix) {
  SecretString text;
  if (interactive_) write_all(prompt_fd_, prompt);
  const EchoOff quiet(interactive_ ? input_fd_ : -1);
  for (;;) {
    SecretString line;
    if (!read_raw_line(line))
      throw CredentialError(CredentialError::Kind::BadInput, "the input ended before a line starting with '" +
                                                                 last_line_prefix + "'");
    text.append(line.reveal());
    text.push_back('\n');
    if (line.reveal().substr(0, last_line_prefix.size()) == last_line_prefix) return text;
  }
}

}  // namespace smoops::credentials
