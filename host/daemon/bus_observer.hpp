#pragma once
// Turns one bot's events into published messages (docs/messages.md): every order change, fill,
// position change, state change and log line, and the equity at each bar (in backtest mode at
// most one bar in kBacktestEquityEvery, so a fast backtest does not flood subscribers). Runs on
// the bot's thread. Messages are collected while the bot handles one event and handed to the
// publisher's queue together by flush() (one lock, one wake-up); it never blocks.

#include <cstdint>
#include <string>
#include <vector>

#include "bus/publisher.hpp"
#include "config/bot_config.hpp"
#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"

namespace smoops::daemon {

class BusObserver final : public engine::BotObserver, public engine::LogTap {
 public:
  /// Equity is published for one bar in this many in backtest mode (and for the last one).
  static constexpr std::uint64_t kBacktestEquityEvery = 1000;

  BusObserver(const config::BotConfig& bot, bus::Publisher& publisher);
  /// The bot whose pause flag and portfolio status messages report; set before it starts.
  void attach(const engine::Bot* bot) { bot_ = bot; }

  void on_order(const Order& order) override;
  void on_fill(const Fill& fill, const Order& order, const engine::Portfolio& portfolio) override;
  void on_bar_processed(const Bar& bar, const engine::Portfolio& portfolio) override;
  void on_state(engine::BotState state, std::string_view reason) override;
  void on_log(LogLevel level, std::string_view message) override;
  void on_signal(const Signal& signal, Timestamp ts) override;

  /// Publishes the current status again (after a command, at the end of the data).
  void publish_status(std::string_view note = {});
  /// Publishes the equity of the last bar processed, if it was skipped by the sampling.
  void publish_last_equity();
  std::uint64_t bars() const { return bars_; }
  /// Hands what the last event produced to the publisher; call after every call into the bot.
  void flush();

 private:
  void send(const char* kind, std::string payload, bus::StateEffect effect, std::string key = {});
  void publish_equity(const Bar& bar, const engine::Portfolio& portfolio);

  std::string name_;
  std::string mode_;
  std::string topic_prefix_;
  bool sample_equity_;
  bus::Publisher& publisher_;
  const engine::Bot* bot_ = nullptr;
  std::uint64_t bars_ = 0;
  Timestamp last_bar_ts_;
  bool last_equity_published_ = true;
  std::vector<bus::BusMessage> pending_;
};

}  // namespace smoops::daemon
