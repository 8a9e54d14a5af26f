#pragma once
// The logger a plugin writes through; the host routes it to its own log with the bot's name.

#include <cstdint>
#include <string_view>

namespace smoops {

/// Severity of a log line.
enum class LogLevel : std::uint8_t { Trace, Debug, Info, Warn, Error };

/// A sink for a plugin's log lines. Implemented by the host.
class Logger {
 public:
  virtual ~Logger() = default;
  /// Writes one line at `level`.
  virtual void log(LogLevel level, std::string_view message) = 0;
  /// True when a line at `level` would be written (skip building expensive messages otherwise).
  virtual bool enabled(LogLevel level) const = 0;

  /// Shorthands for log(level, message).
  void debug(std::string_view message) { log(LogLevel::Debug, message); }
  void info(std::string_view message) { log(LogLevel::Info, message); }
  void warn(std::string_view message) { log(LogLevel::Warn, message); }
  void error(std::string_view message) { log(LogLevel::Error, message); }
};

}  // namespace smoops
