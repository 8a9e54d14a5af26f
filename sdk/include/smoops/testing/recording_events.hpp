#pragma once
// An ExchangeEvents for testing an exchange plugin: it records everything the exchange reports,
// from any thread, and lets the test wait for what it expects. Header-only, standard library only.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/exchange.hpp"

namespace smoops::testing {

/// What an exchange reported, in order of arrival per kind.
struct RecordedEvents {
  std::vector<OrderUpdate> updates;
  std::vector<Fill> fills;
  std::vector<Bar> bars;
  std::vector<Trade> trades;
  std::vector<std::string> errors;
};

/// Records every event (thread-safe: a connector reports from its own threads).
class RecordingEvents final : public ExchangeEvents {
 public:
  void on_order_update(const OrderUpdate& update) override {
    record([&](RecordedEvents& r) { r.updates.push_back(update); });
  }
  void on_fill(const Fill& fill) override {
    record([&](RecordedEvents& r) { r.fills.push_back(fill); });
  }
  void on_bar(const Bar& bar) override {
    record([&](RecordedEvents& r) { r.bars.push_back(bar); });
  }
  void on_trade(const Trade& trade) override {
    record([&](RecordedEvents& r) { r.trades.push_back(trade); });
  }
  void on_error(std::string_view message) override {
    record([&](RecordedEvents& r) { r.errors.emplace_back(message); });
  }

  /// A copy of everything recorded so far.
  RecordedEvents snapshot() const {
    std::lock_guard lock(mutex_);
    return recorded_;
  }
  /// Waits until `condition` holds for what was recorded, or `timeout` passes; true when it holds.
  /// `condition` runs under the recorder's lock: it must not call back into it.
  bool wait_until(const std::function<bool(const RecordedEvents&)>& condition,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return condition(recorded_); });
  }

 private:
  template <class Change>
  void record(Change&& change) {
    {
      std::lock_guard lock(mutex_);
      change(recorded_);
    }
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  RecordedEvents recorded_;
};

}  // namespace smoops::testing
