#pragma once
// A strategy plugin: handlers named after the events the engine delivers, all on the bot's own
// single thread, in a deterministic order.

#include <cstddef>

#include "smoops/context.hpp"
#include "smoops/market_data.hpp"
#include "smoops/order.hpp"

namespace smoops {

/// Base class of every strategy. Override what you need; the defaults do nothing.
/// Construct from `const Params&` and validate parameters in the constructor (throw ParamError).
class Strategy {
 public:
  virtual ~Strategy() = default;
  /// Once, before the first event.
  virtual void on_start(Context&) {}
  /// How many bars before the first live one the strategy needs to decide as if it had been
  /// running all along (e.g. the slow average's length); asked after on_start. On every start of
  /// a paper or live bot the host first feeds it that many of the latest closed bars through
  /// on_bar with Context::warming_up() true and every order denied.
  virtual std::size_t warmup_bars(const Context&) const { return 0; }
  /// At a bar's close (after the exchange has matched working orders against it).
  virtual void on_bar(Context&, const Bar&) {}
  /// For each public trade the bot subscribes to.
  virtual void on_trade(Context&, const Trade&) {}
  /// After one of the bot's orders changed status (fills included).
  virtual void on_order_update(Context&, const Order&) {}
  /// After a fill; `order` already includes it.
  virtual void on_fill(Context&, const Fill&, const Order&) {}
  /// When a timer set with Clock::set_timer comes due.
  virtual void on_timer(Context&, TimerId, Timestamp) {}
  /// Once, after the last event.
  virtual void on_stop(Context&) {}
};

}  // namespace smoops
