#include "sim_journal.hpp"

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace smoops::sim {
namespace {

constexpr std::size_t kMaxQuotedChars = 80;

[[noreturn]] void fail(const std::filesystem::path& path, std::string_view what, int error) {
  throw std::runtime_error("sim exchange: cannot " + std::string(what) + " " + path.string() + ": " +
                           std::strerror(error));
}

std::string read_all(int fd, const std::filesystem::path& path) {
  std::string content;
  char buffer[65536];
  for (off_t offset = 0;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "read", errno);
    if (n == 0) return content;
    content.append(buffer, static_cast<std::size_t>(n));
    offset += n;
  }
}

// Makes the file's directory entry durable: a file that was just created is otherwise only
// guaranteed to exist after the folder itself is synced.
void sync_directory(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(folder, "open folder", errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) fail(folder, "sync folder", error);
}

}  // namespace

SimJournal::SimJournal(std::filesystem::path path, Logger* log) : path_(std::move(path)) {
  const std::filesystem::path folder = path_.parent_path().empty() ? "." : path_.parent_path();
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error)
    throw std::runtime_error("sim exchange: cannot create the state folder " + folder.string() + ": " +
                             error.message());
  const bool existed = std::filesystem::exists(path_, error);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path_, "open", errno);
  try {
    if (!existed) sync_directory(folder);
    const std::string content = read_all(fd_, path_);
    std::size_t start = 0;
    std::size_t number = 1;
    for (std::size_t end; (end = content.find('\n', start)) != std::string::npos; start = end + 1, ++number)
      existing_lines_.push_back({number, content.substr(start, end - start)});
    if (start < content.size()) {
      // The write of this line never completed, so the event it records was never reported:
      // for the venue it did not happen.
      if (log != nullptr)
        log->warn("sim exchange: " + where(number) + ": ignoring a torn last line (the process stopped while " +
                  "writing it): " + content.substr(start, kMaxQuotedChars));
      if (::ftruncate(fd_, static_cast<off_t>(start)) != 0) fail(path_, "cut the torn last line off", errno);
      if (::fdatasync(fd_) != 0) fail(path_, "sync", errno);
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

SimJournal::~SimJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void SimJournal::append(std::string_view line) {
  std::string text;
  text.reserve(line.size() + 1);
  text.append(line);
  text.push_back('\n');
  const off_t size_before = ::lseek(fd_, 0, SEEK_END);
  if (size_before < 0) fail(path_, "append to", errno);
  for (std::size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      // Leave no half line behind for the next append to glue onto.
      if (::ftruncate(fd_, size_before) != 0) {
        // Nothing more can be done here; the next open drops a torn last line.
      }
      fail(path_, "append to", error);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd_) != 0) fail(path_, "sync", errno);
}

std::string SimJournal::where(std::size_t line_number) const {
  return path_.string() + ":" + std::to_string(line_number);
}

}  // namespace smoops::sim
