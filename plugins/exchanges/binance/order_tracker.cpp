#include "order_tracker.hpp"

#include <algorithm>

#include "order_mapping.hpp"
#include "server_clock.hpp"

namespace smoops::binance {

OrderTracker::OrderTracker(ExchangeEvents& events, Logger& log, Instrument instrument, TradeFetcher fetch_trades)
    : events_(events), log_(log), instrument_(std::move(instrument)), fetch_trades_(std::move(fetch_trades)) {}

void OrderTracker::track_submitted(const Order& order) {
  std::lock_guard lock(state_mutex_);
  Tracked t;
  t.client_order_id = order.client_order_id;
  t.side = order.side;
  t.quantity = order.quantity;
  orders_[order.client_order_id] = std::move(t);
}

void OrderTracker::track_recovered(const VenueOrder& venue) {
  std::lock_guard lock(state_mutex_);
  if (orders_.count(venue.client_order_id)) return;
  Tracked t;
  t.client_order_id = venue.client_order_id;
  t.order_id = venue.order_id;
  t.side = order_side(venue.side).value_or(Side::Buy);
  t.quantity = venue.quantity;
  t.filled = venue.executed_quantity;
  // The host reconciles the status itself; from here on only news is forwarded.
  const OrderStatus status = order_status(venue.status).value_or(OrderStatus::Accepted);
  t.reported = status == OrderStatus::Filled || is_terminal(status) ? status : OrderStatus::Accepted;
  orders_[venue.client_order_id] = t;
  by_order_id_[venue.order_id] = venue.client_order_id;
}

void OrderTracker::note_booked(const std::string& client_order_id, const std::vector<VenueTrade>& trades) {
  std::lock_guard lock(state_mutex_);
  auto it = orders_.find(client_order_id);
  if (it == orders_.end()) return;
  for (const VenueTrade& trade : trades) {
    it->second.trade_ids.insert(trade.id);
    if (!last_trade_id_ || trade.id > *last_trade_id_) last_trade_id_ = trade.id;
  }
}

std::optional<OrderTracker::Tracked> OrderTracker::snapshot(const std::string& client_order_id) const {
  std::lock_guard lock(state_mutex_);
  auto it = orders_.find(client_order_id);
  if (it == orders_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> OrderTracker::client_for(std::int64_t order_id) const {
  std::lock_guard lock(state_mutex_);
  auto it = by_order_id_.find(order_id);
  if (it == by_order_id_.end()) return std::nullopt;
  return it->second;
}

bool OrderTracker::tracks(const std::string& client_order_id) const {
  std::lock_guard lock(state_mutex_);
  return orders_.count(client_order_id) > 0;
}

std::vector<std::string> OrderTracker::unfinished() const {
  std::lock_guard lock(state_mutex_);
  std::vector<std::string> out;
  for (const auto& [id, t] : orders_)
    if (!is_terminal(t.reported)) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::int64_t> OrderTracker::last_trade_id() const {
  std::lock_guard lock(state_mutex_);
  return last_trade_id_;
}

void OrderTracker::accept(const std::string& client_order_id, std::int64_t order_id, Timestamp ts) {
  {
    std::lock_guard lock(state_mutex_);
    auto it = orders_.find(client_order_id);
    if (it == orders_.end()) return;
    if (order_id != 0 && it->second.order_id == 0) {
      it->second.order_id = order_id;
      by_order_id_[order_id] = client_order_id;
    }
    if (it->second.reported != OrderStatus::Submitted) return;
    it->second.reported = OrderStatus::Accepted;
  }
  events_.on_order_update(OrderUpdate{client_order_id, order_id ? std::to_string(order_id) : std::string(),
                                      OrderStatus::Accepted, {}, ts});
}

void OrderTracker::fill(const std::string& client_order_id, const VenueTrade& trade) {
  std::string fee_note;
  Fill f;
  {
    std::lock_guard lock(state_mutex_);
    auto it = orders_.find(client_order_id);
    if (it == orders_.end()) return;
    Tracked& t = it->second;
    if (t.trade_ids.count(trade.id)) return;  // the host has it already
    if (is_terminal(t.reported) || !trade.quantity.is_positive() || trade.quantity > t.quantity - t.filled) {
      log_.error("binance: order " + client_order_id + ": trade " + std::to_string(trade.id) + " of " +
                 trade.quantity.to_string() + " does not fit what the order has left (" +
                 (t.quantity - t.filled).to_string() + ", status " + std::string(to_string(t.reported)) + "); not reported");
      return;
    }
    t.trade_ids.insert(trade.id);
    t.filled += trade.quantity;
    t.reported = t.filled == t.quantity ? OrderStatus::Filled : OrderStatus::PartiallyFilled;
    if (!last_trade_id_ || trade.id > *last_trade_id_) last_trade_id_ = trade.id;
    f = to_fill(trade, client_order_id, t.side, instrument_, &fee_note);
  }
  if (!fee_note.empty()) log_.warn("binance: " + fee_note);
  events_.on_fill(f);
}

void OrderTracker::fill_missing(const std::string& client_order_id, std::int64_t order_id, Quantity venue_filled,
                                const std::vector<VenueTrade>& known) {
  for (const VenueTrade& trade : known) fill(client_order_id, trade);
  const auto t = snapshot(client_order_id);
  if (!t || t->filled >= venue_filled || order_id == 0) return;
  std::vector<VenueTrade> trades = fetch_trades_(order_id);
  std::sort(trades.begin(), trades.end(), [](const VenueTrade& a, const VenueTrade& b) { return a.id < b.id; });
  for (const VenueTrade& trade : trades)
    if (trade.order_id == order_id || trade.order_id == 0) fill(client_order_id, trade);
}

void OrderTracker::finish(const std::string& client_order_id, OrderStatus status, const std::string& reason,
                          Timestamp ts) {
  std::string exchange_order_id;
  {
    std::lock_guard lock(state_mutex_);
    auto it = orders_.find(client_order_id);
    if (it == orders_.end() || is_terminal(it->second.reported)) return;
    if (status == OrderStatus::Rejected && it->second.filled.is_positive()) status = OrderStatus::Canceled;
    it->second.reported = status;
    if (it->second.order_id) exchange_order_id = std::to_string(it->second.order_id);
  }
  events_.on_order_update(OrderUpdate{client_order_id, exchange_order_id, status, reason, ts});
}

void OrderTracker::report_venue_order(const VenueOrder& venue) {
  std::lock_guard emit(emit_mutex_);
  if (!snapshot(venue.client_order_id)) return;
  const std::optional<OrderStatus> status = order_status(venue.status);
  if (!status) {
    log_.warn("binance: order " + venue.client_order_id + " has status " + venue.status + ", which the connector does not know");
    return;
  }
  if (*status == OrderStatus::Rejected) {
    finish(venue.client_order_id, OrderStatus::Rejected, "binance: rejected", venue.updated);
    return;
  }
  accept(venue.client_order_id, venue.order_id, venue.created);
  try {
    fill_missing(venue.client_order_id, venue.order_id, venue.executed_quantity, venue.fills);
  } catch (const std::exception& e) {
    // Its end waits for the fills: a cancel or expiry reported first would make the host refuse them.
    events_.on_error(std::string("binance: order ") + venue.client_order_id + ": could not fetch its trades: " + e.what());
    return;
  }
  if (*status == OrderStatus::Canceled || *status == OrderStatus::Expired)
    finish(venue.client_order_id, *status, "binance: " + venue.status, venue.updated);
}

void OrderTracker::report_execution(const ExecutionReport& report) {
  std::lock_guard emit(emit_mutex_);
  const std::string& id = report.order_client_id();
  if (!snapshot(id)) {
    if (log_.enabled(LogLevel::Debug))
      log_.debug("binance: executionReport for order " + id + ", which this bot did not send; ignored");
    return;
  }
  const std::string& x = report.execution_type;
  if (x == "NEW") {
    accept(id, report.order_id, report.transaction_time);
  } else if (x == "TRADE") {
    accept(id, report.order_id, report.transaction_time);
    if (report.trade) fill(id, *report.trade);
  } else if (x == "CANCELED" || x == "EXPIRED" || x == "TRADE_PREVENTION" || x == "REJECTED") {
    if (x != "REJECTED") accept(id, report.order_id, report.transaction_time);
    try {
      fill_missing(id, report.order_id, report.cumulative_quantity, {});
    } catch (const std::exception& e) {
      events_.on_error("binance: order " + id + ": could not fetch its trades: " + e.what());
      return;
    }
    const OrderStatus status = x == "CANCELED" ? OrderStatus::Canceled
                               : x == "REJECTED" ? OrderStatus::Rejected
                                                 : OrderStatus::Expired;
    std::string reason = "binance: " + x;
    if (!report.reject_reason.empty() && report.reject_reason != "NONE") reason += " (" + report.reject_reason + ")";
    finish(id, status, reason, report.transaction_time);
  } else if (log_.enabled(LogLevel::Debug)) {
    log_.debug("binance: order " + id + ": execution type " + x + " needs no report");
  }
}

void OrderTracker::report_trades(const std::vector<VenueTrade>& trades) {
  std::lock_guard emit(emit_mutex_);
  for (const VenueTrade& trade : trades) {
    const auto id = client_for(trade.order_id);
    if (!id) continue;  // another order on the account
    accept(*id, trade.order_id, trade.ts);
    fill(*id, trade);
  }
}

void OrderTracker::report_rejected(const std::string& client_order_id, const std::string& reason) {
  std::lock_guard emit(emit_mutex_);
  finish(client_order_id, OrderStatus::Rejected, reason, Timestamp::from_millis(ServerClock::local_ms()));
}

void OrderTracker::report_cancel_refused(const VenueOrder& venue, const std::string& reason) {
  std::lock_guard emit(emit_mutex_);
  const auto t = snapshot(venue.client_order_id);
  if (!t || is_terminal(t->reported)) return;
  log_.warn("binance: cancel of " + venue.client_order_id + " refused: " + reason);
  // An acknowledgement takes a pending cancel back (the host makes it partially filled when it has fills).
  events_.on_order_update(OrderUpdate{venue.client_order_id, std::to_string(venue.order_id), OrderStatus::Accepted,
                                      reason, venue.updated});
}

}  // namespace smoops::binance
