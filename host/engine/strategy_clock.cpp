#include "engine/strategy_clock.hpp"

#include <algorithm>

namespace smoops::engine {

TimerId StrategyClock::set_timer(Timestamp at, Duration every) {
  const TimerId id = next_id_++;
  timers_.emplace(std::make_pair(at, id), every);
  return id;
}

void StrategyClock::cancel_timer(TimerId id) {
  std::erase_if(timers_, [id](const auto& entry) { return entry.first.second == id; });
}

std::optional<Timestamp> StrategyClock::next_timer_at() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

std::optional<DueTimer> StrategyClock::take_due(Timestamp until) {
  if (timers_.empty() || timers_.begin()->first.first > until) return std::nullopt;
  auto node = timers_.extract(timers_.begin());
  const auto [at, id] = node.key();
  const Duration every = node.mapped();
  if (every.nanos > 0) timers_.emplace(std::make_pair(at + every, id), every);
  return DueTimer{id, at};
}

}  // namespace smoops::engine
