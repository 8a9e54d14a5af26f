#pragma once
// The SDK Logger a bot's plugins write through, routed to spdlog with the bot's name.

#include <memory>
#include <string>

#include "smoops/logger.hpp"

namespace spdlog { class logger; }

namespace smoops::engine {

/// Writes a bot's log lines as "[bot NAME] message" to a spdlog logger (the default one unless given).
class BotLogger final : public Logger {
 public:
  explicit BotLogger(std::string bot_name, std::shared_ptr<spdlog::logger> sink = nullptr);
  void log(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel level) const override;

 private:
  std::string prefix_;
  std::shared_ptr<spdlog::logger> sink_;
};

}  // namespace smoops::engine
