#pragma once
// What a bot reports as it runs. The backtest recorder listens here; later, the store and the
// ZeroMQ publisher will too. Called on the bot's own thread; must not call back into the bot.

#include <string_view>
#include <vector>

#include "engine/portfolio.hpp"
#include "smoops/market_data.hpp"
#include "smoops/order.hpp"
#include "smoops/signal.hpp"

namespace smoops::engine {

/// A bot's lifecycle state.
enum class BotState { Created, Running, Halted, Stopped };

/// "created", "running", "halted", "stopped".
std::string_view to_string(BotState state);

/// Receives a bot's events. Every method has an empty default.
class BotObserver {
 public:
  virtual ~BotObserver() = default;
  /// An order was created or changed (status, fill). For a live order the Submitted call comes
  /// before the order is handed to the exchange: it is the journaling point.
  virtual void on_order(const Order&) {}
  /// A fill was booked; `portfolio` already includes it.
  virtual void on_fill(const Fill&, const Order&, const Portfolio&) {}
  /// A bar was fully processed (exchange matching, strategy); `portfolio` is marked at its close.
  virtual void on_bar_processed(const Bar&, const Portfolio&) {}
  /// The bot changed state; `reason` says why it halted.
  virtual void on_state(BotState, std::string_view /*reason*/) {}
  /// The strategy reported a decision (Context::signal) at `ts`.
  virtual void on_signal(const Signal&, Timestamp /*ts*/) {}
};

/// Passes every event to several observers, in order.
class ObserverFanout final : public BotObserver {
 public:
  explicit ObserverFanout(std::vector<BotObserver*> observers) : observers_(std::move(observers)) {}
  void on_order(const Order& order) override {
    for (BotObserver* o : observers_) o->on_order(order);
  }
  void on_fill(const Fill& fill, const Order& order, const Portfolio& portfolio) override {
    for (BotObserver* o : observers_) o->on_fill(fill, order, portfolio);
  }
  void on_bar_processed(const Bar& bar, const Portfolio& portfolio) override {
    for (BotObserver* o : observers_) o->on_bar_processed(bar, portfolio);
  }
  void on_state(BotState state, std::string_view reason) override {
    for (BotObserver* o : observers_) o->on_state(state, reason);
  }
  void on_signal(const Signal& signal, Timestamp ts) override {
    for (BotObserver* o : observers_) o->on_signal(signal, ts);
  }

 private:
  std::vector<BotObserver*> observers_;
};

}  // namespace smoops::engine
