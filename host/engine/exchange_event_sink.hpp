#pragma once
// Where a bot's exchanges report (smoops::ExchangeEvents, thread-safe). A call on the bot's own
// thread (a simulated exchange answering inside submit, or matching a bar) is handed straight to
// the bot, which applies it after the current strategy callback; a call from any other thread (a
// connector's network I/O) waits in the bounded EventQueue until the bot's thread takes it
// (Bot::process_queued_events).

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

#include "engine/event_queue.hpp"
#include "smoops/exchange.hpp"

namespace smoops::engine {

/// The smoops::ExchangeEvents of one bot: its own exchange's and a separate market data feed's.
class ExchangeEventSink final : public ExchangeEvents {
 public:
  /// Receives an event reported on the bot's thread, on that thread.
  using Deliver = std::function<void(QueuedEvent&&)>;

  /// `on_bot_thread` gets the events reported on the bot's thread; the others wait in a queue of
  /// `capacity` events.
  explicit ExchangeEventSink(Deliver on_bot_thread, std::size_t capacity = kQueueCapacity);

  /// Makes the calling thread the bot's thread (Bot::start).
  void bind_to_current_thread();
  /// True on the bot's thread.
  bool on_bot_thread() const;
  /// The queue of events from other threads.
  EventQueue& queue() { return queue_; }
  const EventQueue& queue() const { return queue_; }

  void on_order_update(const OrderUpdate& update) override { route(update); }
  void on_fill(const Fill& fill) override { route(fill); }
  void on_bar(const Bar& bar) override { route(bar); }
  void on_trade(const Trade& trade) override { route(trade); }
  void on_error(std::string_view message) override { route(ExchangeError{std::string(message)}); }

 private:
  void route(QueuedEvent event);

  Deliver on_bot_thread_;
  EventQueue queue_;
  std::atomic<std::thread::id> bot_thread_{};
};

}  // namespace smoops::engine
