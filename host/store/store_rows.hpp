#pragma once
// What the writer writes: rows already rendered as SQL literals on the bot's thread, grouped so
// that the events of one bot step (an order's change, its fill and the position after it) are
// committed together or not at all. Every statement is idempotent: fills and order events are
// keyed and written once, orders and positions only ever move forward (their version or fill
// count), so writing a group twice (a retry, a replayed spill file) changes nothing.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/fixed_point.hpp"
#include "smoops/order.hpp"
#include "smoops/position.hpp"
#include "smoops/time.hpp"

namespace smoops::store {

/// The tables a row goes to, in the order a batch writes them (parents before children).
enum class Table : std::uint8_t { Orders, OrderEvents, Fills, Positions, Equity, Cursor, RunEnd };

/// One row to write. `key` identifies rows of which only the last of a batch matters (orders,
/// positions, cursors); it is empty for the others. `values` is the parenthesized SQL tuple.
struct PendingRow {
  Table table = Table::Orders;
  std::string key;
  std::string values;
};

/// Rows committed in one transaction, never split.
using RowGroup = std::vector<PendingRow>;

/// A SQL string literal: 'text' with quotes doubled (the connection uses
/// standard_conforming_strings). Throws std::invalid_argument on a NUL byte.
std::string sql_text(std::string_view text);

PendingRow order_row(const std::string& bot, std::int64_t run_id, std::uint64_t seq, const Order& order, int version);
PendingRow order_event_row(const Order& order, int version);
PendingRow fill_row(const std::string& bot, std::int64_t run_id, const Fill& fill);
PendingRow position_row(const std::string& bot, const std::string& symbol, const Position& position, Money cash,
                        std::uint64_t fill_count, Timestamp ts);
PendingRow equity_row(std::int64_t run_id, Timestamp ts, Money equity, Money cash, Quantity position);
PendingRow cursor_row(const std::string& bot, Timestamp last_bar);
PendingRow run_end_row(std::int64_t run_id, std::string_view status, std::string_view reason, Money final_equity,
                       std::uint64_t bars);

/// The sequence number of a client order id "<bot>-<n>" (0 when it has no numeric suffix).
std::uint64_t order_sequence(std::string_view client_order_id);

/// The statements that write `rows`: one multi-row statement per table, in Table order, keeping
/// only the last row of each key.
std::vector<std::string> batch_statements(const std::vector<const PendingRow*>& rows);

/// One line of the spill file (JSON, no newline) and back; from_spill_line throws
/// std::invalid_argument on a malformed line.
std::string to_spill_line(const RowGroup& group);
RowGroup from_spill_line(std::string_view line);

}  // namespace smoops::store
