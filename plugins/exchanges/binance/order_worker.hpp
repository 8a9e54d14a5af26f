#pragma once
// Sends the host's orders and cancels to the venue from a thread of its own, one at a time in the
// order they came (a cancel never overtakes its order), and resolves every request whose answer
// was lost by asking the venue (docs/binance.md, "Lost answers"):
//  - a submit is NEVER sent again: GET /api/v3/order?origClientOrderId=... with backoff, a bounded
//    number of times; known -> its status and fills; unknown (-2013) once the request can no
//    longer arrive (its timestamp + recvWindow has passed on the venue's clock) -> rejected,
//    "lost before it reached the venue";
//  - a cancel is asked about the same way and sent again only while the order still works
//    (canceling twice is harmless).

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "binance_rest.hpp"
#include "order_tracker.hpp"
#include "smoops/exchange.hpp"

namespace smoops::binance {

/// The order-sending thread.
class OrderWorker {
 public:
  OrderWorker(BinanceRest& rest, OrderTracker& tracker, ExchangeEvents& events, Logger& log, StopSignal& stop,
              std::string venue_symbol, std::chrono::milliseconds recv_window);
  ~OrderWorker();
  OrderWorker(const OrderWorker&) = delete;
  OrderWorker& operator=(const OrderWorker&) = delete;

  /// Queues the placement of `order` (returns at once).
  void submit(const Order& order);
  /// Queues a cancel of `order`.
  void cancel(const Order& order);
  /// Ends the thread after the task in progress (which a stop interrupts); queued tasks are dropped.
  void stop();

 private:
  void run();
  void post(std::function<void()> task);
  void place(const Order& order);
  void resolve_submit(const Order& order, std::int64_t sent_at_ms, const std::string& why);
  void cancel_now(const Order& order);

  BinanceRest& rest_;
  OrderTracker& tracker_;
  ExchangeEvents& events_;
  Logger& log_;
  StopSignal& stop_;
  std::string venue_symbol_;
  std::chrono::milliseconds recv_window_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace smoops::binance
