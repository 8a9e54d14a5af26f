#include "engine/event_json.hpp"

namespace smoops::engine {
namespace {

using nlohmann::ordered_json;

ordered_json price_or_null(Price price) { return price.is_zero() ? ordered_json(nullptr) : ordered_json(price.to_string()); }

}  // namespace

nlohmann::ordered_json order_json(const Order& order) {
  ordered_json j;
  j["client_order_id"] = order.client_order_id;
  j["exchange_order_id"] = order.exchange_order_id;
  j["symbol"] = order.symbol;
  j["side"] = to_string(order.side);
  j["type"] = to_string(order.type);
  j["time_in_force"] = to_string(order.time_in_force);
  j["quantity"] = order.quantity.to_string();
  j["limit_price"] = price_or_null(order.limit_price);
  j["stop_price"] = price_or_null(order.stop_price);
  j["status"] = to_string(order.status);
  j["created_ts"] = order.created_ts.millis();
  j["updated_ts"] = order.updated_ts.millis();
  j["filled_quantity"] = order.filled_quantity.to_string();
  j["average_fill_price"] =
      order.filled_quantity.is_zero()
          ? ordered_json(nullptr)
          : ordered_json(Price::from_raw(order.filled_notional.mul_div(kFixedScale, order.filled_quantity.raw()).raw())
                             .to_string());
  j["reason"] = order.reason;
  j["tag"] = order.tag;
  return j;
}

nlohmann::ordered_json fill_json(const Fill& fill) {
  ordered_json j;
  j["client_order_id"] = fill.client_order_id;
  j["trade_id"] = fill.trade_id;
  j["side"] = to_string(fill.side);
  j["price"] = fill.price.to_string();
  j["quantity"] = fill.quantity.to_string();
  j["fee"] = fill.fee.to_string();
  j["liquidity"] = to_string(fill.liquidity);
  j["ts"] = fill.ts.millis();
  return j;
}

nlohmann::ordered_json position_json(const Portfolio& portfolio) {
  const Position& p = portfolio.position();
  ordered_json j;
  j["quantity"] = p.quantity.to_string();
  j["average_entry_price"] = p.average_entry_price.to_string();
  j["realized_pnl"] = p.realized_pnl.to_string();
  j["unrealized_pnl"] = p.unrealized_pnl.to_string();
  j["fees"] = p.fees.to_string();
  j["cash"] = portfolio.cash().to_string();
  j["equity"] = portfolio.equity().to_string();
  j["mark_price"] = portfolio.mark_price().to_string();
  return j;
}

}  // namespace smoops::engine
