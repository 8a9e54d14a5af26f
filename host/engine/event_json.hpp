#pragma once
// The JSON form of orders, fills and positions, shared by the backtest report and the messages
// the daemon publishes (docs/backtest-output.md, docs/messages.md). Money, prices and quantities
// are exact decimal strings; timestamps are integer milliseconds since the epoch (UTC). Written
// with JsonObjectWriter: these run on a bot's hot path.

#include "engine/json_writer.hpp"
#include "engine/portfolio.hpp"
#include "smoops/order.hpp"
#include "smoops/signal.hpp"

namespace smoops::engine {

/// An order with its status, fills so far and average fill price (null before any fill).
void write_order(JsonObjectWriter& out, const Order& order);
/// A fill.
void write_fill(JsonObjectWriter& out, const Fill& fill);
/// The position and account: quantity, average entry, realized/unrealized PnL, fees, cash, equity, mark.
void write_position(JsonObjectWriter& out, const Portfolio& portfolio);
/// A strategy's decision with its checks (an array of objects under "checks").
void write_signal(JsonObjectWriter& out, const Signal& signal);
/// The decision as one log line: "signal up 0.71: buy 0.1 (all checks passed) | confidence ...".
std::string describe_signal(const Signal& signal);

}  // namespace smoops::engine
