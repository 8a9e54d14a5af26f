#include "engine/event_json.hpp"

#include <charconv>

namespace smoops::engine {

void write_order(JsonObjectWriter& out, const Order& order) {
  const bool filled = !order.filled_quantity.is_zero();
  const std::string average_fill_price =
      filled ? Price::from_raw(order.filled_notional.mul_div(kFixedScale, order.filled_quantity.raw()).raw()).to_string()
             : std::string();
  out.string("client_order_id", order.client_order_id)
      .string("exchange_order_id", order.exchange_order_id)
      .string("symbol", order.symbol)
      .string("side", to_string(order.side))
      .string("type", to_string(order.type))
      .string("time_in_force", to_string(order.time_in_force))
      .string("quantity", order.quantity.to_string())
      .string_or_null("limit_price", order.limit_price.to_string(), !order.limit_price.is_zero())
      .string_or_null("stop_price", order.stop_price.to_string(), !order.stop_price.is_zero())
      .string("status", to_string(order.status))
      .integer("created_ts", order.created_ts.millis())
      .integer("updated_ts", order.updated_ts.millis())
      .string("filled_quantity", order.filled_quantity.to_string())
      .string_or_null("average_fill_price", average_fill_price, filled)
      .string("reason", order.reason)
      .string("tag", order.tag);
}

void write_fill(JsonObjectWriter& out, const Fill& fill) {
  out.string("client_order_id", fill.client_order_id)
      .string("trade_id", fill.trade_id)
      .string("side", to_string(fill.side))
      .string("price", fill.price.to_string())
      .string("quantity", fill.quantity.to_string())
      .string("fee", fill.fee.to_string())
      .string("liquidity", to_string(fill.liquidity))
      .integer("ts", fill.ts.millis());
}

void write_position(JsonObjectWriter& out, const Portfolio& portfolio) {
  const Position& p = portfolio.position();
  out.string("quantity", p.quantity.to_string())
      .string("average_entry_price", p.average_entry_price.to_string())
      .string("realized_pnl", p.realized_pnl.to_string())
      .string("unrealized_pnl", p.unrealized_pnl.to_string())
      .string("fees", p.fees.to_string())
      .string("cash", portfolio.cash().to_string())
      .string("equity", portfolio.equity().to_string())
      .string("mark_price", portfolio.mark_price().to_string());
}

void write_signal(JsonObjectWriter& out, const Signal& signal) {
  std::string checks = "[";
  for (const SignalCheck& check : signal.checks) {
    JsonObjectWriter c;
    c.string("name", check.name).boolean("passed", check.passed).number("value", check.value).string("limit", check.limit);
    if (checks.size() > 1) checks += ',';
    checks += std::move(c).finish();
  }
  checks += ']';
  out.string("prediction", signal.prediction)
      .number("confidence", signal.confidence)
      .string("action", signal.action)
      .string("quantity", signal.quantity.to_string())
      .string("reason", signal.reason)
      .raw("checks", checks);
}

std::string describe_signal(const Signal& signal) {
  const auto decimal = [](double value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 4);
    return std::string(buffer, result.ptr);
  };
  std::string text = "signal " + signal.prediction + " " + decimal(signal.confidence) + ": " + signal.action;
  if (!signal.quantity.is_zero()) text += " " + signal.quantity.to_string();
  text += " (" + signal.reason + ")";
  for (std::size_t i = 0; i < signal.checks.size(); ++i) {
    const SignalCheck& check = signal.checks[i];
    text += i == 0 ? " | " : "; ";
    text += check.name + " " + decimal(check.value) + " " + check.limit + (check.passed ? " ok" : " FAIL");
  }
  return text;
}

}  // namespace smoops::engine
