#pragma once
// A Clock for tests, moved by the test: time stands still until advance_to, which fires the
// timers due on the way, in time order, each at its own time. Header-only, standard library only.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "smoops/clock.hpp"

namespace smoops::testing {

/// A Clock the test advances; due timers are handed to a callback (StrategyDriver calls the
/// strategy's on_timer from it).
class TestClock final : public Clock {
 public:
  /// Called for each timer that comes due: its id and the time it was due at (also now()).
  using TimerCallback = std::function<void(TimerId, Timestamp)>;

  /// A clock standing at `start`.
  explicit TestClock(Timestamp start = {}) : now_(start) {}

  /// The time the test moved the clock to.
  Timestamp now() const override { return now_; }
  /// Sets a timer due at `at`, then every `every` after that when `every` is positive.
  TimerId set_timer(Timestamp at, Duration every = {}) override {
    const TimerId id = next_id_++;
    timers_.emplace(std::make_pair(at, id), every);
    return id;
  }
  /// Cancels a timer; unknown ids are ignored.
  void cancel_timer(TimerId id) override {
    std::erase_if(timers_, [id](const auto& entry) { return entry.first.second == id; });
  }

  /// Where due timers go; without one they are taken and dropped.
  void on_timer(TimerCallback callback) { callback_ = std::move(callback); }

  /// Moves time forward to `to` (never back), firing every timer due by then in time order (ties
  /// in the order they were set) with now() at the timer's time; returns how many fired. A timer
  /// the callback sets or cancels counts from then on.
  std::size_t advance_to(Timestamp to) {
    std::size_t fired = 0;
    while (!timers_.empty() && timers_.begin()->first.first <= to) {
      auto node = timers_.extract(timers_.begin());
      const auto [at, id] = node.key();
      const Duration every = node.mapped();
      if (at > now_) now_ = at;
      if (every.nanos > 0) timers_.emplace(std::make_pair(at + every, id), every);
      ++fired;
      if (callback_) callback_(id, at);
    }
    if (to > now_) now_ = to;
    return fired;
  }
  /// advance_to(now() + by).
  std::size_t advance_by(Duration by) { return advance_to(now_ + by); }
  /// Moves time forward to `to` without firing anything (as the host's warm-up does); timers that
  /// came due fire at the next advance_to.
  void move_to(Timestamp to) {
    if (to > now_) now_ = to;
  }

  /// When the earliest timer is due; nullopt when none is set.
  std::optional<Timestamp> next_timer_at() const {
    if (timers_.empty()) return std::nullopt;
    return timers_.begin()->first.first;
  }
  /// How many timers are set.
  std::size_t timer_count() const { return timers_.size(); }

 private:
  Timestamp now_;
  std::map<std::pair<Timestamp, TimerId>, Duration> timers_;  // by due time, then id
  TimerId next_id_ = 1;
  TimerCallback callback_;
};

}  // namespace smoops::testing
