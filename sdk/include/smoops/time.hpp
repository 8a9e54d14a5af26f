#pragma once
// UTC time as integer nanoseconds. The engine never reads the OS clock directly: strategies see
// time only through Context::now(), which a backtest advances and a live bot reads from the wall.

#include <compare>
#include <cstdint>

namespace smoops {

/// A span of time in nanoseconds.
struct Duration {
  std::int64_t nanos = 0;

  /// A duration of `n` milliseconds.
  static constexpr Duration from_millis(std::int64_t n) { return {n * 1'000'000}; }
  /// A duration of `n` seconds.
  static constexpr Duration from_seconds(std::int64_t n) { return {n * 1'000'000'000}; }
  /// Whole milliseconds, truncated toward zero.
  constexpr std::int64_t millis() const { return nanos / 1'000'000; }
  friend constexpr auto operator<=>(Duration, Duration) = default;
  friend constexpr Duration operator+(Duration a, Duration b) { return {a.nanos + b.nanos}; }
};

/// A point in time: nanoseconds since the Unix epoch, UTC.
struct Timestamp {
  std::int64_t nanos = 0;

  /// The instant `ms` milliseconds after the epoch (the unit of our CSV files and most exchanges).
  static constexpr Timestamp from_millis(std::int64_t ms) { return {ms * 1'000'000}; }
  /// Milliseconds since the epoch, floored.
  constexpr std::int64_t millis() const {
    return nanos >= 0 ? nanos / 1'000'000 : -((-nanos + 999'999) / 1'000'000);
  }
  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
  friend constexpr Timestamp operator+(Timestamp t, Duration d) { return {t.nanos + d.nanos}; }
  friend constexpr Duration operator-(Timestamp a, Timestamp b) { return {a.nanos - b.nanos}; }
};

}  // namespace smoops
