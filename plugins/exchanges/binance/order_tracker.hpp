#pragma once
// What the connector has told the host about each order, so that what it learns from several
// places (the answer to a request, the user data stream, queries after a lost answer or a stream
// gap) reaches the host once and in a legal order: the acknowledgement before fills, fills
// before a final cancel or expiry, each trade id once. The venue may report in any order (the
// stream may even overtake the REST answer); the tracker turns each report into only what the
// host has not heard yet.
//
// Threads: the track_* calls and queries take a short internal lock and may come from any thread
// (the bot's included). The report_* calls come from the connector's own threads only; they are
// serialised by a second lock held while the events go out, so that two threads never interleave
// their events. No lock the bot's thread can wait for is held while calling ExchangeEvents
// (which may block while the bot's queue is full).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "binance_types.hpp"
#include "smoops/exchange.hpp"

namespace smoops::binance {

/// Every trade of a venue order id (myTrades), used to fill gaps; may throw.
using TradeFetcher = std::function<std::vector<VenueTrade>(std::int64_t order_id)>;

/// The orders of this session and what the host knows of them.
class OrderTracker {
 public:
  OrderTracker(ExchangeEvents& events, Logger& log, Instrument instrument, TradeFetcher fetch_trades);

  /// An order about to be sent: the host has it as submitted.
  void track_submitted(const Order& order);
  /// An order of an earlier session the host asked about (query_order / order_fills): events
  /// about it are forwarded from now on. `venue` is what the venue says now.
  void track_recovered(const VenueOrder& venue);
  /// Trades the host booked from order_fills: never reported again.
  void note_booked(const std::string& client_order_id, const std::vector<VenueTrade>& trades);

  /// The venue's view of one order (an answer, a query): acknowledgement, missing fills (from
  /// `venue.fills`, else fetched when the venue counts more filled quantity than the host has),
  /// then a final cancel, expiry or rejection.
  void report_venue_order(const VenueOrder& venue);
  /// An executionReport of the user data stream.
  void report_execution(const ExecutionReport& report);
  /// Trades found while closing a gap (myTrades): those of tracked orders the host lacks.
  void report_trades(const std::vector<VenueTrade>& trades);
  /// The order did not get to the venue, or the venue refused it: rejected with `reason`.
  void report_rejected(const std::string& client_order_id, const std::string& reason);
  /// A cancel the venue refused while the order still works: the host takes it back from pending cancel.
  void report_cancel_refused(const VenueOrder& venue, const std::string& reason);

  /// Client order ids of tracked orders that have not ended (as far as the host knows).
  std::vector<std::string> unfinished() const;
  /// The highest venue trade id reported or booked, if any.
  std::optional<std::int64_t> last_trade_id() const;
  /// True when the order is tracked.
  bool tracks(const std::string& client_order_id) const;

 private:
  struct Tracked {
    std::string client_order_id;
    std::int64_t order_id = 0;
    Side side = Side::Buy;
    Quantity quantity;
    Quantity filled;
    OrderStatus reported = OrderStatus::Submitted;
    std::set<std::int64_t> trade_ids;
  };

  // Under state_mutex_: a copy of the tracked order, or nullopt.
  std::optional<Tracked> snapshot(const std::string& client_order_id) const;
  std::optional<std::string> client_for(std::int64_t order_id) const;
  // The reporting steps; emit_mutex_ held by the caller.
  void accept(const std::string& client_order_id, std::int64_t order_id, Timestamp ts);
  void fill(const std::string& client_order_id, const VenueTrade& trade);
  void fill_missing(const std::string& client_order_id, std::int64_t order_id, Quantity venue_filled,
                    const std::vector<VenueTrade>& known);
  void finish(const std::string& client_order_id, OrderStatus status, const std::string& reason, Timestamp ts);

  ExchangeEvents& events_;
  Logger& log_;
  Instrument instrument_;
  TradeFetcher fetch_trades_;
  std::mutex emit_mutex_;
  mutable std::mutex state_mutex_;
  std::unordered_map<std::string, Tracked> orders_;
  std::map<std::int64_t, std::string> by_order_id_;
  std::optional<std::int64_t> last_trade_id_;
};

}  // namespace smoops::binance
