#pragma once
// Where a bot's time comes from. The engine never reads the OS clock except through WallClock,
// so a backtest and its replay see the same times.

#include <chrono>

#include "smoops/time.hpp"

namespace smoops::engine {

/// A source of the current time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

/// Time that moves only when the engine sets it (backtests); never goes backwards.
class SimulatedClock final : public Clock {
 public:
  Timestamp now() const override { return now_; }
  /// Moves time forward to `ts` (a call with an earlier time is ignored).
  void advance_to(Timestamp ts) {
    if (ts > now_) now_ = ts;
  }

 private:
  Timestamp now_{};
};

/// The system's UTC wall clock (paper and live bots).
class WallClock final : public Clock {
 public:
  Timestamp now() const override {
    return Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()};
  }
};

}  // namespace smoops::engine
