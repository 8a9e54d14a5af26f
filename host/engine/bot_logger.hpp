#pragma once
// The SDK Logger a bot's plugins write through, routed to spdlog with the bot's name.

#include <memory>
#include <string>

#include "smoops/logger.hpp"

namespace spdlog { class logger; }

namespace smoops::engine {

/// Also receives a bot's log lines (the daemon publishes them as bot.NAME.log).
class LogTap {
 public:
  virtual ~LogTap() = default;
  virtual void on_log(LogLevel level, std::string_view message) = 0;
};

/// Writes a bot's log lines as "[bot NAME] message" to a spdlog logger (the default one unless
/// given), and to a tap when one is set (lines at info and above).
class BotLogger final : public Logger {
 public:
  explicit BotLogger(std::string bot_name, std::shared_ptr<spdlog::logger> sink = nullptr);
  void log(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel level) const override;
  /// Sets (or clears, with nullptr) the tap; it must outlive its use.
  void set_tap(LogTap* tap) { tap_ = tap; }

 private:
  std::string prefix_;
  std::shared_ptr<spdlog::logger> sink_;
  LogTap* tap_ = nullptr;
};

}  // namespace smoops::engine
