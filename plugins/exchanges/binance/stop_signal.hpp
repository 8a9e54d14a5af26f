#pragma once
// A stop request that interrupts the connector's waits (backoff, rate-limit pauses) so that
// disconnect() never waits for a sleeping thread.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace smoops::binance {

/// Thrown out of a wait that a stop interrupted.
class Stopped : public std::runtime_error {
 public:
  Stopped() : std::runtime_error("binance: the exchange is disconnecting") {}
};

/// Set once, seen by every waiting thread.
class StopSignal {
 public:
  void request_stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  bool stop_requested() const {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  /// Waits `duration` unless a stop comes first; false when stopped.
  bool sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, duration, [&] { return stopped_; });
  }
  /// Like sleep_for, but throws Stopped when stopped.
  void sleep_or_throw(std::chrono::milliseconds duration) {
    if (!sleep_for(duration)) throw Stopped();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
};

}  // namespace smoops::binance
