#pragma once
// Time and timers, as a strategy sees them. The same interface behaves the same in a backtest
// (a simulated clock the engine moves to each event's time) and live (the UTC wall clock), so a
// strategy never reads the system time and decides identically in both.

#include <cstdint>

#include "smoops/time.hpp"

namespace smoops {

/// Identifies a timer set with Clock::set_timer.
using TimerId = std::uint64_t;

/// The bot's clock. Implemented by the host (and by smoops/testing/test_clock.hpp for tests).
class Clock {
 public:
  virtual ~Clock() = default;
  /// Current time: simulated in a backtest (during on_bar it is the bar's ts), UTC wall clock live.
  virtual Timestamp now() const = 0;
  /// Calls the strategy's on_timer at `at`, then every `every` after that when `every` is positive.
  virtual TimerId set_timer(Timestamp at, Duration every = {}) = 0;
  /// Cancels a timer; unknown ids are ignored.
  virtual void cancel_timer(TimerId id) = 0;
};

}  // namespace smoops
