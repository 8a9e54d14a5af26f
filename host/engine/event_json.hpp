#pragma once
// The JSON form of orders, fills and positions, shared by the backtest report and the messages
// the daemon publishes (docs/backtest-output.md, docs/messages.md). Money, prices and quantities
// are exact decimal strings; timestamps are integer milliseconds since the epoch (UTC).

#include <nlohmann/json.hpp>

#include "engine/portfolio.hpp"
#include "smoops/order.hpp"

namespace smoops::engine {

/// An order with its status, fills so far and average fill price (null before any fill).
nlohmann::ordered_json order_json(const Order& order);
/// A fill.
nlohmann::ordered_json fill_json(const Fill& fill);
/// The position and account: quantity, average entry, realized/unrealized PnL, fees, cash, equity.
nlohmann::ordered_json position_json(const Portfolio& portfolio);

}  // namespace smoops::engine
