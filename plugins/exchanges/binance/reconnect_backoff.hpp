#pragma once
// The wait before reconnecting a dropped stream: 250 ms doubling up to 30 s, back to the start
// after a connection that worked.

#include <algorithm>
#include <chrono>

namespace smoops::binance {

/// Exponential reconnect delays.
class ReconnectBackoff {
 public:
  /// The next delay (and doubles the one after it).
  std::chrono::milliseconds next() {
    const auto delay = delay_;
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(30'000));
    return delay;
  }
  /// A connection worked: start again from the shortest delay.
  void reset() { delay_ = std::chrono::milliseconds(250); }

 private:
  std::chrono::milliseconds delay_{250};
};

}  // namespace smoops::binance
