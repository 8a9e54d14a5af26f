#pragma once
// Write-ahead journaling of orders and what a bot recovers from it after a restart. The store
// implements OrderJournal; the engine only knows this interface.

#include <cstdint>
#include <string>
#include <vector>

#include "smoops/order.hpp"
#include "smoops/position.hpp"

namespace smoops::engine {

/// Makes an order's intent durable before the order leaves the host.
class OrderJournal {
 public:
  virtual ~OrderJournal() = default;
  /// Called with the order about to be handed to the exchange (status Submitted) and the bot's
  /// position. Returns "" once the intent is durable; otherwise why the order must not be sent
  /// (the bot then denies it with that reason and nothing leaves).
  virtual std::string write_ahead(const Order& order, const Position& position) = 0;
};

/// A working order as the store last knew it, with the trade ids of the fills already booked.
struct RecoveredOrder {
  Order order;
  std::vector<std::string> trade_ids;
};

/// A bot's books as the store last knew them.
struct RecoveredState {
  Money cash;
  Position position;                    ///< quantity, cost basis, realized PnL, fees
  std::uint64_t next_order_sequence = 1;
  std::vector<RecoveredOrder> open_orders;
};

/// What reconciliation with the exchange did after a restart.
struct ReconcileReport {
  std::size_t orders_checked = 0;
  std::size_t fills_applied = 0;     ///< fills the venue had that the store had not
  std::size_t orders_failed = 0;     ///< journaled but never received by the venue: marked rejected
  std::size_t status_updates = 0;    ///< other status changes taken from the venue
  std::size_t cancels_resent = 0;    ///< cancel requests that had not reached the venue
};

}  // namespace smoops::engine
