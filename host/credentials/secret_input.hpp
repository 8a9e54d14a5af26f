#pragma once
// Reading secrets from the user: a prompt on the terminal with echo off, or lines of stdin when
// it is not a terminal (a pipe or a file). Never from the command line.

#include <functional>
#include <string>

#include "credentials/secret_string.hpp"

namespace smoops::credentials {

/// Reads secrets from a file descriptor (stdin by default), prompting on `prompt_fd` when it is a
/// terminal.
class SecretInput {
 public:
  explicit SecretInput(int input_fd = 0, int prompt_fd = 2);

  /// True when the input is a terminal (prompts are shown, echo is turned off while reading).
  bool interactive() const { return interactive_; }
  /// One line (without its end of line), read without echo on a terminal after showing
  /// `prompt`. Throws CredentialError(BadInput) at the end of the input before any byte.
  SecretString read_line(const std::string& prompt);
  /// Lines up to and including the first one that starts with `last_line_prefix` (a PEM block's
  /// "-----END"), joined with '\n' and ending with one.
  SecretString read_until(const std::string& prompt, const std::string& last_line_prefix);

 private:
  /// Reads one line into `line`; false at the end of the input with nothing read.
  bool read_raw_line(SecretString& line);

  int input_fd_;
  int prompt_fd_;
  bool interactive_;
};

}  // namespace smoops::credentials
