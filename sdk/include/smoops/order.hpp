#pragma once
// Orders, their lifecycle states, and the fills and updates an exchange reports for them.

#include <cstdint>
#include <string>
#include <string_view>

#include "smoops/fixed_point.hpp"
#include "smoops/time.hpp"

namespace smoops {

/// Buy or sell.
enum class Side : std::uint8_t { Buy, Sell };

/// How an order is priced.
enum class OrderType : std::uint8_t {
  Market,     ///< at the best available price
  Limit,      ///< at limit_price or better
  StopMarket, ///< becomes a market order once the price reaches stop_price
  StopLimit,  ///< becomes a limit order at limit_price once the price reaches stop_price
};

/// How long an order stays working.
enum class TimeInForce : std::uint8_t {
  GTC,      ///< good till canceled
  IOC,      ///< immediate or cancel: fill what can be filled now, cancel the rest
  FOK,      ///< fill or kill: fill all now or nothing
  PostOnly, ///< limit order that must rest on the book (maker only); rejected if it would take
};

/// Where an order is in its lifecycle. The host enforces the legal transitions
/// (see docs/architecture.md, "Order state machine").
enum class OrderStatus : std::uint8_t {
  Initialized,     ///< created by the strategy, not yet checked
  Denied,          ///< refused by a pre-trade check; never left the host (terminal)
  Submitted,       ///< handed to the exchange, not yet acknowledged
  Accepted,        ///< working on the exchange
  Triggered,       ///< a stop order whose stop price was reached
  PartiallyFilled, ///< some quantity filled, the rest still working
  PendingCancel,   ///< cancel requested, not yet confirmed
  Canceled,        ///< canceled (terminal)
  Rejected,        ///< refused by the exchange (terminal)
  Expired,         ///< ended by its time in force (terminal)
  Filled,          ///< completely filled (terminal)
};

/// True for Denied, Canceled, Rejected, Expired and Filled: no event may follow.
constexpr bool is_terminal(OrderStatus s) {
  return s == OrderStatus::Denied || s == OrderStatus::Canceled || s == OrderStatus::Rejected ||
         s == OrderStatus::Expired || s == OrderStatus::Filled;
}

/// Whether a fill added liquidity to the book or took it.
enum class Liquidity : std::uint8_t { Maker, Taker };

/// What a strategy asks for; the host turns it into an Order with a client order id.
struct OrderRequest {
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  Quantity quantity;                  ///< positive, a multiple of the instrument's lot size
  Price limit_price;                  ///< Limit and StopLimit only
  Price stop_price;                   ///< StopMarket and StopLimit only
  TimeInForce time_in_force = TimeInForce::GTC;
  std::string tag;                    ///< free text the strategy may use to recognise the order
};

/// An order as the host tracks it.
struct Order {
  std::string client_order_id;    ///< deterministic, unique per bot: "<bot>-<sequence>"
  std::string exchange_order_id;  ///< the exchange's id, once it has one
  std::string symbol;
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  TimeInForce time_in_force = TimeInForce::GTC;
  Quantity quantity;
  Quantity filled_quantity;
  Price limit_price;
  Price stop_price;
  Money filled_notional;          ///< sum of price × quantity over its fills
  OrderStatus status = OrderStatus::Initialized;
  Timestamp created_ts;
  Timestamp updated_ts;
  std::string reason;             ///< why it was denied, rejected, canceled or expired
  std::string tag;

  /// Quantity still working.
  Quantity remaining() const { return quantity - filled_quantity; }
};

/// One execution of (part of) an order.
struct Fill {
  std::string client_order_id;
  std::string trade_id;           ///< the exchange's trade id; a fill is stored once per trade id
  Side side = Side::Buy;
  Price price;
  Quantity quantity;              ///< positive
  Money fee;                      ///< in the quote asset; positive is a cost
  Liquidity liquidity = Liquidity::Taker;
  Timestamp ts;
};

/// A change of an order's status reported by the exchange (anything but a fill).
struct OrderUpdate {
  std::string client_order_id;
  std::string exchange_order_id;
  OrderStatus status = OrderStatus::Accepted;
  std::string reason;
  Timestamp ts;
};

/// "buy" / "sell".
constexpr std::string_view to_string(Side s) { return s == Side::Buy ? "buy" : "sell"; }
/// "market", "limit", "stop_market", "stop_limit".
constexpr std::string_view to_string(OrderType t) {
  switch (t) {
    case OrderType::Market: return "market";
    case OrderType::Limit: return "limit";
    case OrderType::StopMarket: return "stop_market";
    case OrderType::StopLimit: return "stop_limit";
  }
  return "?";
}
/// "gtc", "ioc", "fok", "post_only".
constexpr std::string_view to_string(TimeInForce t) {
  switch (t) {
    case TimeInForce::GTC: return "gtc";
    case TimeInForce::IOC: return "ioc";
    case TimeInForce::FOK: return "fok";
    case TimeInForce::PostOnly: return "post_only";
  }
  return "?";
}
/// Lower-case status name, e.g. "partially_filled".
constexpr std::string_view to_string(OrderStatus s) {
  switch (s) {
    case OrderStatus::Initialized: return "initialized";
    case OrderStatus::Denied: return "denied";
    case OrderStatus::Submitted: return "submitted";
    case OrderStatus::Accepted: return "accepted";
    case OrderStatus::Triggered: return "triggered";
    case OrderStatus::PartiallyFilled: return "partially_filled";
    case OrderStatus::PendingCancel: return "pending_cancel";
    case OrderStatus::Canceled: return "canceled";
    case OrderStatus::Rejected: return "rejected";
    case OrderStatus::Expired: return "expired";
    case OrderStatus::Filled: return "filled";
  }
  return "?";
}
/// "maker" / "taker".
constexpr std::string_view to_string(Liquidity l) { return l == Liquidity::Maker ? "maker" : "taker"; }

}  // namespace smoops
