#include "weight_limiter.hpp"

#include <algorithm>

namespace smoops::binance {
namespace {
constexpr std::int64_t kMinuteMs = 60'000;
}

void WeightLimiter::set_limit(int limit_per_minute) {
  std::lock_guard lock(mutex_);
  if (limit_per_minute > 0) limit_ = limit_per_minute;
}

int WeightLimiter::limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

void WeightLimiter::roll(std::int64_t now_ms) {
  const std::int64_t minute = now_ms / kMinuteMs;
  if (minute != minute_) {
    minute_ = minute;
    used_ = 0;
  }
}

std::int64_t WeightLimiter::reserve(int weight, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (now_ms < blocked_until_ms_) return blocked_until_ms_ - now_ms;
  roll(now_ms);
  // A request heavier than the whole budget can only go into an empty minute.
  if (used_ > 0 && used_ + weight > limit_) return (minute_ + 1) * kMinuteMs - now_ms;
  used_ += weight;
  return 0;
}

void WeightLimiter::on_used_weight(int used, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  roll(now_ms);
  // The venue's count is authoritative but may not include requests still in flight.
  used_ = std::max(used_, used);
}

void WeightLimiter::on_retry_after(std::int64_t seconds, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  blocked_until_ms_ = std::max(blocked_until_ms_, now_ms + std::max<std::int64_t>(seconds, 0) * 1000);
}

std::optional<std::int64_t> WeightLimiter::blocked_until(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  if (now_ms < blocked_until_ms_) return blocked_until_ms_;
  return std::nullopt;
}

int WeightLimiter::used(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  return now_ms / kMinuteMs == minute_ ? used_ : 0;
}

}  // namespace smoops::binance
