#include "store/store_rows.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace smoops::store {
namespace {

template <class Tag>
std::string sql_number(Fixed<Tag> value) {
  return "'" + value.to_string() + "'::numeric";
}

std::string sql_int(std::int64_t value) { return std::to_string(value) + "::bigint"; }

std::string tuple(std::initializer_list<std::string> values) {
  std::string out = "(";
  bool first = true;
  for (const std::string& value : values) {
    if (!first) out += ", ";
    out += value;
    first = false;
  }
  return out + ")";
}

struct TableSql {
  const char* head;  // up to VALUES
  const char* tail;  // after the tuples
};

// Indexed by Table.
constexpr std::array<TableSql, 7> kTableSql{{
    {"INSERT INTO orders (client_order_id, bot, run_id, seq, exchange_order_id, symbol, side, type, time_in_force, "
     "quantity, limit_price, stop_price, tag, status, reason, filled_quantity, filled_notional, created_ts, "
     "updated_ts, version) VALUES ",
     " ON CONFLICT (client_order_id) DO UPDATE SET exchange_order_id = EXCLUDED.exchange_order_id, "
     "status = EXCLUDED.status, reason = EXCLUDED.reason, filled_quantity = EXCLUDED.filled_quantity, "
     "filled_notional = EXCLUDED.filled_notional, updated_ts = EXCLUDED.updated_ts, version = EXCLUDED.version "
     "WHERE orders.version < EXCLUDED.version"},
    {"INSERT INTO order_events (client_order_id, version, status, reason, filled_quantity, ts) VALUES ",
     " ON CONFLICT DO NOTHING"},
    {"INSERT INTO fills (bot, trade_id, client_order_id, run_id, side, price, quantity, fee, liquidity, ts) VALUES ",
     " ON CONFLICT DO NOTHING"},
    {"INSERT INTO positions (bot, symbol, quantity, average_entry_price, cost_basis, realized_pnl, fees, cash, "
     "fill_count, ts) VALUES ",
     " ON CONFLICT (bot, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, "
     "average_entry_price = EXCLUDED.average_entry_price, cost_basis = EXCLUDED.cost_basis, "
     "realized_pnl = EXCLUDED.realized_pnl, fees = EXCLUDED.fees, cash = EXCLUDED.cash, "
     "fill_count = EXCLUDED.fill_count, ts = EXCLUDED.ts, updated_at = now() "
     "WHERE positions.fill_count <= EXCLUDED.fill_count"},
    {"INSERT INTO equity (run_id, ts, equity, cash, position) VALUES ", " ON CONFLICT DO NOTHING"},
    {"UPDATE bots SET last_bar_ts = v.ts FROM (VALUES ",
     ") AS v(name, ts) WHERE bots.name = v.name AND (bots.last_bar_ts IS NULL OR bots.last_bar_ts < v.ts)"},
    {"UPDATE runs SET ended_at = now(), status = v.status, end_reason = v.reason, final_equity = v.equity, "
     "bars = v.bars FROM (VALUES ",
     ") AS v(id, status, reason, equity, bars) WHERE runs.id = v.id"},
}};

}  // namespace

std::string sql_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  for (char c : text) {
    if (c == '\0') throw std::invalid_argument("text for the database contains a NUL byte");
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

PendingRow order_row(const std::string& bot, std::int64_t run_id, std::uint64_t seq, const Order& order, int version) {
  return {Table::Orders, order.client_order_id,
          tuple({sql_text(order.client_order_id), sql_text(bot), sql_int(run_id),
                 sql_int(static_cast<std::int64_t>(seq)), sql_text(order.exchange_order_id), sql_text(order.symbol),
                 sql_text(to_string(order.side)), sql_text(to_string(order.type)),
                 sql_text(to_string(order.time_in_force)), sql_number(order.quantity), sql_number(order.limit_price),
                 sql_number(order.stop_price), sql_text(order.tag), sql_text(to_string(order.status)),
                 sql_text(order.reason), sql_number(order.filled_quantity), sql_number(order.filled_notional),
                 sql_int(order.created_ts.nanos), sql_int(order.updated_ts.nanos), std::to_string(version)})};
}

PendingRow order_event_row(const Order& order, int version) {
  return {Table::OrderEvents, {},
          tuple({sql_text(order.client_order_id), std::to_string(version), sql_text(to_string(order.status)),
                 sql_text(order.reason), sql_number(order.filled_quantity), sql_int(order.updated_ts.nanos)})};
}

PendingRow fill_row(const std::string& bot, std::int64_t run_id, const Fill& fill) {
  return {Table::Fills, {},
          tuple({sql_text(bot), sql_text(fill.trade_id), sql_text(fill.client_order_id), sql_int(run_id),
                 sql_text(to_string(fill.side)), sql_number(fill.price), sql_number(fill.quantity),
                 sql_number(fill.fee), sql_text(fill.liquidity == Liquidity::Maker ? "maker" : "taker"),
                 sql_int(fill.ts.nanos)})};
}

PendingRow position_row(const std::string& bot, const std::string& symbol, const Position& position, Money cash,
                        std::uint64_t fill_count, Timestamp ts) {
  return {Table::Positions, bot + "\n" + symbol,
          tuple({sql_text(bot), sql_text(symbol), sql_number(position.quantity),
                 sql_number(position.average_entry_price), sql_number(position.cost_basis),
                 sql_number(position.realized_pnl), sql_number(position.fees), sql_number(cash),
                 sql_int(static_cast<std::int64_t>(fill_count)), sql_int(ts.nanos)})};
}

PendingRow equity_row(std::int64_t run_id, Timestamp ts, Money equity, Money cash, Quantity position) {
  return {Table::Equity, {},
          tuple({sql_int(run_id), sql_int(ts.nanos), sql_number(equity), sql_number(cash), sql_number(position)})};
}

PendingRow cursor_row(const std::string& bot, Timestamp last_bar) {
  return {Table::Cursor, bot, tuple({sql_text(bot), sql_int(last_bar.nanos)})};
}

PendingRow run_end_row(std::int64_t run_id, std::string_view status, std::string_view reason, Money final_equity,
                       std::uint64_t bars) {
  return {Table::RunEnd, std::to_string(run_id),
          tuple({sql_int(run_id), sql_text(status), sql_text(reason), sql_number(final_equity),
                 sql_int(static_cast<std::int64_t>(bars))})};
}

std::uint64_t order_sequence(std::string_view client_order_id) {
  const auto dash = client_order_id.rfind('-');
  if (dash == std::string_view::npos) return 0;
  std::uint64_t value = 0;
  const char* first = client_order_id.data() + dash + 1;
  const char* last = client_order_id.data() + client_order_id.size();
  const auto [end, error] = std::from_chars(first, last, value);
  return error == std::errc() && end == last ? value : 0;
}

std::vector<std::string> batch_statements(const std::vector<const PendingRow*>& rows) {
  constexpr std::size_t kTables = kTableSql.size();
  std::array<std::vector<const PendingRow*>, kTables> by_table;
  std::array<std::unordered_map<std::string_view, std::size_t>, kTables> keyed;
  for (const PendingRow* row : rows) {
    const auto table = static_cast<std::size_t>(row->table);
    auto& list = by_table[table];
    if (!row->key.empty()) {
      // A later row of the same key replaces the earlier one (ON CONFLICT cannot touch a row twice).
      const auto [it, inserted] = keyed[table].emplace(row->key, list.size());
      if (!inserted) {
        list[it->second] = row;
        continue;
      }
    }
    list.push_back(row);
  }
  std::vector<std::string> statements;
  for (std::size_t table = 0; table < kTables; ++table) {
    if (by_table[table].empty()) continue;
    std::string sql = kTableSql[table].head;
    bool first = true;
    for (const PendingRow* row : by_table[table]) {
      if (!first) sql += ", ";
      sql += row->values;
      first = false;
    }
    sql += kTableSql[table].tail;
    statements.push_back(std::move(sql));
  }
  return statements;
}

std::string to_spill_line(const RowGroup& group) {
  nlohmann::json rows = nlohmann::json::array();
  for (const PendingRow& row : group)
    rows.push_back({static_cast<int>(row.table), row.key, row.values});
  return rows.dump();
}

RowGroup from_spill_line(std::string_view line) {
  RowGroup group;
  try {
    const nlohmann::json rows = nlohmann::json::parse(line);
    for (const auto& row : rows) {
      const int table = row.at(0).get<int>();
      if (table < 0 || table >= static_cast<int>(kTableSql.size())) throw std::invalid_argument("unknown table");
      group.push_back({static_cast<Table>(table), row.at(1).get<std::string>(), row.at(2).get<std::string>()});
    }
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("malformed spill line: ") + e.what());
  }
  return group;
}

}  // namespace smoops::store
