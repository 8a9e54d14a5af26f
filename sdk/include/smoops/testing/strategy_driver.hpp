#pragma once
// Runs a strategy as the host would, without the host: bars in order, the clock at each bar's
// time (timers due by then fire first), order changes delivered after the callback that caused
// them, optional warm-up bars first. What the strategy did is in the RecordingContext.
// Header-only, standard library only.

#include <cstddef>
#include <span>
#include <string>
#include <utility>

#include "smoops/strategy.hpp"
#include "smoops/testing/recording_context.hpp"
#include "smoops/testing/test_clock.hpp"

namespace smoops::testing {

/// Feeds a Strategy; see the file comment. The strategy must outlive the driver.
///
///   MyStrategy strategy(params);
///   smoops::testing::StrategyDriver driver(strategy);
///   driver.run(bars);
///   EXPECT_EQ(driver.context().accepted_submits().size(), 2u);
class StrategyDriver {
 public:
  /// A driver for `strategy` as bot `bot_name` (client order ids "<bot_name>-<n>").
  explicit StrategyDriver(Strategy& strategy, std::string bot_name = "test")
      : strategy_(strategy), context_(clock_, std::move(bot_name)) {
    clock_.on_timer([this](TimerId id, Timestamp at) {
      strategy_.on_timer(context_, id, at);
      deliver_order_events();
    });
  }
  StrategyDriver(const StrategyDriver&) = delete;
  StrategyDriver& operator=(const StrategyDriver&) = delete;

  /// The clock (set its start before start(), or move it between bars).
  TestClock& clock() { return clock_; }
  /// The context: set the account, params and model before start(); read what happened after.
  RecordingContext& context() { return context_; }

  /// Calls on_start once (later calls do nothing).
  void start() {
    if (started_) return;
    started_ = true;
    strategy_.on_start(context_);
    deliver_order_events();
  }
  /// After start(): Strategy::warmup_bars.
  std::size_t warmup_bars() const { return strategy_.warmup_bars(context_); }
  /// Starts if needed, then feeds `bars` as the host's warm-up does: the clock moves to each bar
  /// without firing timers, warming_up() is true, and every submit is denied with "warm-up".
  void warm_up(std::span<const Bar> bars) {
    start();
    context_.set_warming_up(true);
    for (const Bar& bar : bars) {
      clock_.move_to(bar.ts);
      context_.set_mark_price(bar.close);
      strategy_.on_bar(context_, bar);
      deliver_order_events();
    }
    context_.set_warming_up(false);
  }
  /// Starts if needed, then one bar: timers due by its time, the mark at its close, on_bar, and
  /// the order changes on_bar caused.
  void bar(const Bar& bar) {
    start();
    clock_.advance_to(bar.ts);
    context_.set_mark_price(bar.close);
    strategy_.on_bar(context_, bar);
    deliver_order_events();
  }
  /// bar() for each of `bars`, in order.
  void run(std::span<const Bar> bars) {
    for (const Bar& b : bars) bar(b);
  }
  /// Calls on_stop once.
  void stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    strategy_.on_stop(context_);
  }
  /// Calls on_fill and on_order_update for each order change the context made since the last
  /// call (bar() and the timers do this themselves; call it after RecordingContext::fill).
  void deliver_order_events() {
    // A callback may cause more changes: deliver until none is left.
    for (auto events = context_.take_order_events(); !events.empty(); events = context_.take_order_events()) {
      for (const OrderEvent& event : events) {
        if (event.fill) strategy_.on_fill(context_, *event.fill, event.order);
        strategy_.on_order_update(context_, event.order);
      }
    }
  }

 private:
  Strategy& strategy_;
  TestClock clock_;
  RecordingContext context_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace smoops::testing
