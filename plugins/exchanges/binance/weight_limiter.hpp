#pragma once
// Keeps the connector under the venue's REQUEST_WEIGHT limit (rest-api.md, "LIMITS"): it counts
// the weight of each request in the current minute, takes the venue's own count from the
// X-MBX-USED-WEIGHT-1M header of every answer, and holds every request while a 429/418
// Retry-After is in force. It never sleeps itself: it says how long to wait, so that it can be
// tested without a clock. Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>

namespace smoops::binance {

/// A request weight budget per minute.
class WeightLimiter {
 public:
  /// `limit_per_minute` until exchangeInfo says otherwise (Binance documents 6000).
  explicit WeightLimiter(int limit_per_minute = 6000) : limit_(limit_per_minute) {}

  /// The REQUEST_WEIGHT limit per minute from exchangeInfo (ignored when not positive).
  void set_limit(int limit_per_minute);
  int limit() const;

  /// Milliseconds to wait before a request of `weight` may go at `now_ms` (epoch milliseconds of
  /// the venue's clock); 0 when it may go now, in which case its weight is counted.
  std::int64_t reserve(int weight, std::int64_t now_ms);
  /// The venue's count for the current minute (X-MBX-USED-WEIGHT-1M), seen at `now_ms`.
  void on_used_weight(int used, std::int64_t now_ms);
  /// A 429/418 with Retry-After `seconds` at `now_ms`: no request until it has passed.
  void on_retry_after(std::int64_t seconds, std::int64_t now_ms);
  /// When requests may go again after a Retry-After, if one is in force at `now_ms`.
  std::optional<std::int64_t> blocked_until(std::int64_t now_ms) const;
  /// The weight counted in the minute of `now_ms`.
  int used(std::int64_t now_ms) const;

 private:
  void roll(std::int64_t now_ms);

  mutable std::mutex mutex_;
  int limit_;
  std::int64_t minute_ = -1;  // epoch minute of the window being counted
  int used_ = 0;
  std::int64_t blocked_until_ms_ = 0;
};

}  // namespace smoops::binance
