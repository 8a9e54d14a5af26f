#include "engine/bot_logger.hpp"

#include <spdlog/spdlog.h>

namespace smoops::engine {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return spdlog::level::trace;
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

BotLogger::BotLogger(std::string bot_name, std::shared_ptr<spdlog::logger> sink)
    : prefix_("[bot " + bot_name + "] "), sink_(sink ? std::move(sink) : spdlog::default_logger()) {}

void BotLogger::log(LogLevel level, std::string_view message) {
  const auto spdlog_level = to_spdlog(level);
  if (sink_->should_log(spdlog_level)) sink_->log(spdlog_level, "{}{}", prefix_, message);
  if (tap_ && level >= LogLevel::Info) tap_->on_log(level, message);
}

bool BotLogger::enabled(LogLevel level) const {
  return sink_->should_log(to_spdlog(level)) || (tap_ && level >= LogLevel::Info);
}

}  // namespace smoops::engine
