#pragma once
// The strategy's smoops::Clock: time from the engine's Clock (simulated in a backtest, the wall
// clock live) and the strategy's timers. It only keeps the timers; the bot decides when they fire
// (by an event's time, or by the wall clock through Bot::fire_due_timers).

#include <map>
#include <optional>
#include <utility>

#include "engine/clock.hpp"
#include "smoops/clock.hpp"

namespace smoops::engine {

/// A timer that came due: its id and the time it was due at.
struct DueTimer {
  TimerId id = 0;
  Timestamp at;
};

/// Time and timers as a strategy sees them. Used on the bot's thread only.
class StrategyClock final : public smoops::Clock {
 public:
  /// `time` must outlive the clock.
  explicit StrategyClock(const engine::Clock& time) : time_(time) {}

  Timestamp now() const override { return time_.now(); }
  TimerId set_timer(Timestamp at, Duration every) override;
  void cancel_timer(TimerId id) override;

  /// When the earliest timer is due; nullopt when none is set.
  std::optional<Timestamp> next_timer_at() const;
  /// Takes the earliest timer due at or before `until` (a repeating one is set again one period
  /// later); nullopt when none is due. Timers due at the same time come in the order they were set.
  std::optional<DueTimer> take_due(Timestamp until);

 private:
  const engine::Clock& time_;
  std::map<std::pair<Timestamp, TimerId>, Duration> timers_;  // by due time, then id
  TimerId next_id_ = 1;
};

}  // namespace smoops::engine
