#include "order_worker.hpp"

#include <algorithm>

#include "order_mapping.hpp"

namespace smoops::binance {
namespace {

constexpr int kResolveAttempts = 8;
constexpr int kCancelAttempts = 4;

std::chrono::milliseconds backoff(int attempt) {
  return std::chrono::milliseconds(std::min<std::int64_t>(250LL << attempt, 8000));
}

bool working(const VenueOrder& v) {
  const auto status = order_status(v.status);
  return status && !is_terminal(*status);
}

}  // namespace

OrderWorker::OrderWorker(BinanceRest& rest, OrderTracker& tracker, ExchangeEvents& events, Logger& log,
                         StopSignal& stop, std::string venue_symbol, std::chrono::milliseconds recv_window)
    : rest_(rest),
      tracker_(tracker),
      events_(events),
      log_(log),
      stop_(stop),
      venue_symbol_(std::move(venue_symbol)),
      recv_window_(recv_window),
      thread_([this] { run(); }) {}

OrderWorker::~OrderWorker() { stop(); }

void OrderWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OrderWorker::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void OrderWorker::submit(const Order& order) {
  post([this, order] { place(order); });
}

void OrderWorker::cancel(const Order& order) {
  post([this, order] { cancel_now(order); });
}

void OrderWorker::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    try {
      task();
    } catch (const Stopped&) {
      return;
    } catch (const std::exception& e) {
      events_.on_error(std::string("binance: ") + e.what());
    }
  }
}

void OrderWorker::place(const Order& order) {
  const std::string& id = order.client_order_id;
  QueryString params;
  try {
    params = new_order_params(order, venue_symbol_);
  } catch (const std::invalid_argument& e) {
    tracker_.track_submitted(order);
    tracker_.report_rejected(id, e.what());
    return;
  }
  tracker_.track_submitted(order);
  const std::int64_t sent_at = rest_.clock().now_ms();
  try {
    tracker_.report_venue_order(rest_.new_order(params));
  } catch (const VenueError& e) {
    // The venue already has an order with this id: ours, sent before (the answer was lost then).
    if (e.venue_message().find("Duplicate order") != std::string::npos) return resolve_submit(order, sent_at, e.what());
    tracker_.report_rejected(id, "binance: " + e.venue_message() + " (" + std::to_string(e.code()) + ")");
  } catch (const RateLimited& e) {
    tracker_.report_rejected(id, e.what());
  } catch (const UnknownOutcome& e) {
    resolve_submit(order, sent_at, e.what());
  } catch (const TransportError& e) {
    if (e.maybe_delivered()) return resolve_submit(order, sent_at, e.what());
    tracker_.report_rejected(id, std::string("binance: never reached the venue: ") + e.what());
  } catch (const Stopped&) {
    throw;
  } catch (const std::exception& e) {
    resolve_submit(order, sent_at, e.what());  // an answer came but could not be read
  }
}

void OrderWorker::resolve_submit(const Order& order, std::int64_t sent_at_ms, const std::string& why) {
  const std::string& id = order.client_order_id;
  log_.warn("binance: order " + id + ": " + why + "; asking the venue what became of it (it is not sent again)");
  // Until then the request may still reach the matching engine; after it the venue refuses it.
  const std::int64_t deadline = sent_at_ms + recv_window_.count() + 1000;
  for (int attempt = 0; attempt < kResolveAttempts; ++attempt) {
    if (attempt > 0) stop_.sleep_or_throw(backoff(attempt - 1));
    try {
      if (auto venue = rest_.query_order(venue_symbol_, id)) {
        tracker_.report_venue_order(*venue);
        return;
      }
      const std::int64_t now = rest_.clock().now_ms();
      if (now < deadline) {
        stop_.sleep_or_throw(std::chrono::milliseconds(deadline - now));
        continue;
      }
      tracker_.report_rejected(id, "binance: lost before it reached the venue (" + why + ")");
      return;
    } catch (const Stopped&) {
      throw;
    } catch (const std::exception& e) {
      log_.warn("binance: order " + id + ": query failed: " + e.what());
    }
  }
  events_.on_error("binance: order " + id + ": its answer was lost and the venue could not be asked what became of it; "
                   "it stays submitted until the venue reports it");
}

void OrderWorker::cancel_now(const Order& order) {
  const std::string& id = order.client_order_id;
  for (int attempt = 0; attempt < kCancelAttempts; ++attempt) {
    if (attempt > 0) stop_.sleep_or_throw(backoff(attempt - 1));
    try {
      tracker_.report_venue_order(rest_.cancel_order(venue_symbol_, id));
      return;
    } catch (const VenueError& e) {
      // Refused: the order has ended (-2011 "Unknown order sent.") or may not be canceled; the
      // venue's record says which.
      try {
        const auto venue = rest_.query_order(venue_symbol_, id);
        if (!venue) {
          events_.on_error("binance: cancel of " + id + " refused (" + e.venue_message() + ") and the venue does not know the order");
        } else if (working(*venue)) {
          tracker_.report_cancel_refused(*venue, "binance: " + e.venue_message());
        } else {
          tracker_.report_venue_order(*venue);
        }
        return;
      } catch (const Stopped&) {
        throw;
      } catch (const std::exception& query_error) {
        log_.warn("binance: cancel of " + id + ": query failed: " + query_error.what());
      }
    } catch (const Stopped&) {
      throw;
    } catch (const std::exception& e) {
      // Unknown outcome: ask; cancel again only while the order still works.
      log_.warn("binance: cancel of " + id + ": " + e.what() + "; asking the venue");
      try {
        stop_.sleep_or_throw(backoff(attempt));
        const auto venue = rest_.query_order(venue_symbol_, id);
        if (venue && !working(*venue)) {
          tracker_.report_venue_order(*venue);
          return;
        }
      } catch (const Stopped&) {
        throw;
      } catch (const std::exception& query_error) {
        log_.warn("binance: cancel of " + id + ": query failed: " + query_error.what());
      }
    }
  }
  events_.on_error("binance: cancel of " + id + " could not be confirmed after " + std::to_string(kCancelAttempts) +
                   " attempts");
}

}  // namespace smoops::binance
