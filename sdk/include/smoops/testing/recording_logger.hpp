#pragma once
// A Logger for tests that keeps every line. Header-only, standard library only.

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/logger.hpp"

namespace smoops::testing {

/// One line a plugin logged.
struct LogLine {
  LogLevel level = LogLevel::Info;
  std::string message;
};

/// A Logger that keeps every line at or above `min_level` (all by default). Thread-safe, as the
/// host's logger is.
class RecordingLogger final : public Logger {
 public:
  /// Keeps the lines at `min_level` and above.
  explicit RecordingLogger(LogLevel min_level = LogLevel::Trace) : min_level_(min_level) {}

  /// Keeps the line when enabled(level).
  void log(LogLevel level, std::string_view message) override {
    if (!enabled(level)) return;
    std::lock_guard lock(mutex_);
    lines_.push_back({level, std::string(message)});
  }
  /// True for `min_level` and above.
  bool enabled(LogLevel level) const override { return level >= min_level_; }

  /// Every line kept, oldest first.
  std::vector<LogLine> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  /// How many kept lines contain `text` (at `level` or above).
  std::size_t count(std::string_view text, LogLevel level = LogLevel::Trace) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const LogLine& line : lines_) n += line.level >= level && line.message.find(text) != std::string::npos;
    return n;
  }
  /// True when a kept line contains `text` (at `level` or above).
  bool contains(std::string_view text, LogLevel level = LogLevel::Trace) const { return count(text, level) > 0; }

 private:
  LogLevel min_level_;
  mutable std::mutex mutex_;
  std::vector<LogLine> lines_;
};

}  // namespace smoops::testing
