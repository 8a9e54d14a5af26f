#include "store/bot_recovery.hpp"

#include "store/store_error.hpp"

namespace smoops::store {
namespace {

template <class Enum>
std::optional<Enum> parse_enum(std::string_view text, Enum last) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    const auto value = static_cast<Enum>(i);
    if (to_string(value) == text) return value;
  }
  return std::nullopt;
}

template <class T>
T required(std::optional<T> value, std::string_view what, std::string_view text) {
  if (!value) throw StoreError(StoreError::Kind::Query, "store: unreadable " + std::string(what) + " '" + std::string(text) + "'");
  return *value;
}

template <class Fixed>
Fixed fixed(const pqxx::field& field) {
  const std::string text = field.c_str();
  return required(Fixed::parse(text), field.name(), text);
}

}  // namespace

std::optional<Side> parse_side(std::string_view text) { return parse_enum(text, Side::Sell); }
std::optional<OrderType> parse_order_type(std::string_view text) { return parse_enum(text, OrderType::StopLimit); }
std::optional<TimeInForce> parse_time_in_force(std::string_view text) { return parse_enum(text, TimeInForce::PostOnly); }
std::optional<OrderStatus> parse_order_status(std::string_view text) { return parse_enum(text, OrderStatus::Filled); }

BotRecovery load_bot(pqxx::connection& connection, const std::string& bot, Money initial_cash) {
  BotRecovery recovery;
  recovery.state.cash = initial_cash;
  // One snapshot: the writer may be committing for other bots meanwhile, never for this one.
  pqxx::work work(connection, "load_bot");
  work.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");

  const pqxx::result bot_row = work.exec_params("SELECT last_bar_ts FROM bots WHERE name = $1", bot);
  if (!bot_row.empty() && !bot_row[0][0].is_null()) recovery.last_bar = Timestamp{bot_row[0][0].as<std::int64_t>()};

  const pqxx::result position = work.exec_params(
      "SELECT quantity, cost_basis, realized_pnl, fees, cash, fill_count FROM positions WHERE bot = $1", bot);
  std::int64_t fill_count = 0;
  if (!position.empty()) {
    const pqxx::row row = position[0];
    recovery.state.position.quantity = fixed<Quantity>(row["quantity"]);
    recovery.state.position.cost_basis = fixed<Money>(row["cost_basis"]);
    recovery.state.position.realized_pnl = fixed<Money>(row["realized_pnl"]);
    recovery.state.position.fees = fixed<Money>(row["fees"]);
    recovery.state.cash = fixed<Money>(row["cash"]);
    fill_count = row["fill_count"].as<std::int64_t>();
  }
  const auto stored_fills = work.exec_params1("SELECT count(*) FROM fills WHERE bot = $1", bot)[0].as<std::int64_t>();
  if (stored_fills != fill_count)
    throw StoreError(StoreError::Kind::Query,
                     "store: the books of bot " + bot + " are inconsistent: " + std::to_string(stored_fills) +
                         " fills stored but the position accounts for " + std::to_string(fill_count) +
                         "; not trading on them (see docs/store.md, Recovery)");
  recovery.journal.fill_count = static_cast<std::uint64_t>(fill_count);

  const auto max_seq = work.exec_params1("SELECT coalesce(max(seq), 0) FROM orders WHERE bot = $1", bot)[0].as<std::int64_t>();
  const pqxx::result last_filled = work.exec_params(
      "SELECT client_order_id FROM orders WHERE bot = $1 AND filled_quantity > 0 ORDER BY seq DESC LIMIT 1", bot);
  if (!last_filled.empty()) recovery.last_filled_order = last_filled[0][0].c_str();
  recovery.state.next_order_sequence = static_cast<std::uint64_t>(max_seq) + 1;

  const pqxx::result open = work.exec_params(
      "SELECT client_order_id, exchange_order_id, symbol, side, type, time_in_force, quantity, limit_price, "
      "stop_price, tag, status, reason, filled_quantity, filled_notional, created_ts, updated_ts, version "
      "FROM orders WHERE bot = $1 AND status NOT IN ('denied', 'canceled', 'rejected', 'expired', 'filled') "
      "ORDER BY seq",
      bot);
  for (const pqxx::row row : open) {
    engine::RecoveredOrder recovered;
    Order& order = recovered.order;
    order.client_order_id = row["client_order_id"].c_str();
    order.exchange_order_id = row["exchange_order_id"].c_str();
    order.symbol = row["symbol"].c_str();
    order.side = required(parse_side(row["side"].c_str()), "side", row["side"].c_str());
    order.type = required(parse_order_type(row["type"].c_str()), "order type", row["type"].c_str());
    order.time_in_force =
        required(parse_time_in_force(row["time_in_force"].c_str()), "time in force", row["time_in_force"].c_str());
    order.quantity = fixed<Quantity>(row["quantity"]);
    order.limit_price = fixed<Price>(row["limit_price"]);
    order.stop_price = fixed<Price>(row["stop_price"]);
    order.tag = row["tag"].c_str();
    order.status = required(parse_order_status(row["status"].c_str()), "order status", row["status"].c_str());
    order.reason = row["reason"].c_str();
    order.filled_quantity = fixed<Quantity>(row["filled_quantity"]);
    order.filled_notional = fixed<Money>(row["filled_notional"]);
    order.created_ts = Timestamp{row["created_ts"].as<std::int64_t>()};
    order.updated_ts = Timestamp{row["updated_ts"].as<std::int64_t>()};
    for (const pqxx::row fill :
         work.exec_params("SELECT trade_id FROM fills WHERE client_order_id = $1 ORDER BY ts, trade_id",
                          order.client_order_id))
      recovered.trade_ids.emplace_back(fill[0].c_str());
    recovery.journal.order_versions[order.client_order_id] = row["version"].as<int>();
    recovery.state.open_orders.push_back(std::move(recovered));
  }
  work.commit();
  recovery.fresh = position.empty() && max_seq == 0 && !recovery.last_bar;
  return recovery;
}

}  // namespace smoops::store
