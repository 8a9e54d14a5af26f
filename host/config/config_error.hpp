#pragma once
// The one error type of host/config: what() is "FILE:LINE:COL: message" (or "FILE: message"
// when there is no position, e.g. a file that cannot be read).

#include <stdexcept>
#include <string>

#include "smoops/params.hpp"

namespace smoops::config {

/// A configuration problem with where it is and what was expected.
class ConfigError : public std::runtime_error {
 public:
  /// An error at a position in a file.
  ConfigError(SourceMark mark, const std::string& message)
      : std::runtime_error(mark.to_string() + ": " + message), mark_(std::move(mark)), message_(message) {}
  /// An error about a whole file.
  ConfigError(const std::string& file, const std::string& message)
      : std::runtime_error(file + ": " + message), mark_{file, 0, 0}, message_(message) {}
  /// A plugin's ParamError, kept as it was.
  explicit ConfigError(const ParamError& e) : ConfigError(e.mark(), e.message()) {}

  const SourceMark& mark() const { return mark_; }
  const std::string& message() const { return message_; }

 private:
  SourceMark mark_;
  std::string message_;
};

}  // namespace smoops::config
