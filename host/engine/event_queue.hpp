#pragma once
// The hand-over from an exchange's own threads (a connector's network I/O) to the bot's thread:
// a bounded first-in-first-out queue. A full queue makes the producer wait (an order update, a
// fill or a bar is never dropped), and the wait is counted; once closed, new events are ignored.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <variant>

#include "smoops/market_data.hpp"
#include "smoops/order.hpp"

namespace smoops::engine {

/// An error an exchange reported from another thread (ExchangeEvents::on_error), logged on the
/// bot's thread.
struct ExchangeError {
  std::string message;
};

/// One event an exchange reported, as it waits for the bot's thread.
using QueuedEvent = std::variant<OrderUpdate, Fill, Bar, Trade, ExchangeError>;

/// Counters of a bot's event queue; read from any thread.
struct EventQueueStats {
  std::uint64_t pushed = 0;              ///< events taken in from other threads
  std::size_t max_depth = 0;             ///< the most events that ever waited at once
  std::uint64_t producer_waits = 0;      ///< pushes that found the queue full and waited
  std::uint64_t stale_bars_dropped = 0;  ///< bars no newer than the bot's last bar (filled in by the bot)
};

/// A bounded multi-producer, single-consumer queue of QueuedEvent. Thread-safe.
class EventQueue {
 public:
  /// `capacity` > 0: how many events wait at most.
  explicit EventQueue(std::size_t capacity);

  /// Appends an event, waiting while the queue is full; false (the event ignored) once closed.
  bool push(QueuedEvent event);
  /// Moves every waiting event, oldest first, to the end of `out`; returns how many.
  std::size_t take_all(std::deque<QueuedEvent>& out);
  /// Waits until an event waits, `deadline` passes or wake() was called (a wake() before the wait
  /// ends the next wait at once, so none is lost); true when events wait.
  bool wait(std::chrono::steady_clock::time_point deadline);
  /// Ends the current or next wait().
  void wake();
  /// From now on push() ignores its event and returns at once; producers waiting for room are
  /// released. Events already queued stay until taken.
  void close();
  /// True once close() was called.
  bool closed() const;
  /// Events waiting now.
  std::size_t size() const;
  /// The counters (stale_bars_dropped is 0 here).
  EventQueueStats stats() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<QueuedEvent> events_;
  bool closed_ = false;
  bool woken_ = false;
  EventQueueStats stats_;
};

}  // namespace smoops::engine
