#include "sim_records.hpp"

#include <cstdint>
#include <initializer_list>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace smoops::sim {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;  // keeps "type" first, as a reader expects

// ---- writing ----

void put_order(OrderedJson& out, const Order& order) {
  out["ts"] = order.updated_ts.nanos;
  out["client_order_id"] = order.client_order_id;
  out["exchange_order_id"] = order.exchange_order_id;
  out["symbol"] = order.symbol;
  out["side"] = to_string(order.side);
  out["order_type"] = to_string(order.type);
  out["time_in_force"] = to_string(order.time_in_force);
  out["quantity"] = order.quantity.to_string();
  out["limit_price"] = order.limit_price.to_string();
  out["stop_price"] = order.stop_price.to_string();
  out["status"] = to_string(order.status);
  out["reason"] = order.reason;
  out["created_ts"] = order.created_ts.nanos;
  out["tag"] = order.tag;
}

struct Writer {
  OrderedJson& out;

  void operator()(const AccountRecord& account) const {
    out["type"] = "account";
    out["symbol"] = account.symbol;
    out["base_asset"] = account.base_asset;
    out["quote_asset"] = account.quote_asset;
    out["initial_cash"] = account.initial_cash.to_string();
  }
  void operator()(const OrderRecord& record) const {
    out["type"] = "order";
    put_order(out, record.order);
  }
  void operator()(const StatusRecord& record) const {
    const OrderUpdate& update = record.update;
    out["type"] = "status";
    out["ts"] = update.ts.nanos;
    out["client_order_id"] = update.client_order_id;
    out["exchange_order_id"] = update.exchange_order_id;
    out["status"] = to_string(update.status);
    out["reason"] = update.reason;
  }
  void operator()(const FillRecord& record) const {
    const Fill& fill = record.fill;
    out["type"] = "fill";
    out["ts"] = fill.ts.nanos;
    out["client_order_id"] = fill.client_order_id;
    out["trade_id"] = fill.trade_id;
    out["side"] = to_string(fill.side);
    out["price"] = fill.price.to_string();
    out["quantity"] = fill.quantity.to_string();
    out["fee"] = fill.fee.to_string();
    out["liquidity"] = to_string(fill.liquidity);
    out["quote_balance"] = record.quote_balance.to_string();
    out["base_balance"] = record.base_balance.to_string();
  }
  void operator()(const BarRecord& record) const {
    out["type"] = "bar";
    out["ts"] = record.ts.nanos;
    out["close"] = record.close.to_string();
  }
};

// ---- reading ----

const Json& field(const Json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) throw std::runtime_error(std::string("missing field '") + key + "'");
  return *found;
}

std::string text(const Json& object, const char* key) {
  const Json& value = field(object, key);
  if (!value.is_string()) throw std::runtime_error(std::string("field '") + key + "' must be a string");
  return value.get<std::string>();
}

Timestamp timestamp(const Json& object, const char* key) {
  const Json& value = field(object, key);
  if (!value.is_number_integer())
    throw std::runtime_error(std::string("field '") + key + "' must be an integer (nanoseconds)");
  return Timestamp{value.get<std::int64_t>()};
}

template <class Value>
Value fixed(const Json& object, const char* key) {
  const std::string value = text(object, key);
  const auto parsed = Value::parse(value);
  if (!parsed) throw std::runtime_error(std::string("field '") + key + "' is not a decimal number: '" + value + "'");
  return *parsed;
}

// Reads an enum written with its to_string() name.
template <class Enum>
Enum named(const Json& object, const char* key, std::initializer_list<Enum> values) {
  const std::string value = text(object, key);
  for (const Enum candidate : values)
    if (to_string(candidate) == value) return candidate;
  throw std::runtime_error(std::string("field '") + key + "' has an unknown value '" + value + "'");
}

Side side(const Json& object) { return named(object, "side", {Side::Buy, Side::Sell}); }

OrderStatus status(const Json& object) {
  return named(object, "status",
               {OrderStatus::Initialized, OrderStatus::Denied, OrderStatus::Submitted, OrderStatus::Accepted,
                OrderStatus::Triggered, OrderStatus::PartiallyFilled, OrderStatus::PendingCancel,
                OrderStatus::Canceled, OrderStatus::Rejected, OrderStatus::Expired, OrderStatus::Filled});
}

AccountRecord read_account(const Json& in) {
  return {text(in, "symbol"), text(in, "base_asset"), text(in, "quote_asset"), fixed<Money>(in, "initial_cash")};
}

OrderRecord read_order(const Json& in) {
  Order order;
  order.updated_ts = timestamp(in, "ts");
  order.client_order_id = text(in, "client_order_id");
  order.exchange_order_id = text(in, "exchange_order_id");
  order.symbol = text(in, "symbol");
  order.side = side(in);
  order.type = named(in, "order_type",
                     {OrderType::Market, OrderType::Limit, OrderType::StopMarket, OrderType::StopLimit});
  order.time_in_force = named(in, "time_in_force",
                              {TimeInForce::GTC, TimeInForce::IOC, TimeInForce::FOK, TimeInForce::PostOnly});
  order.quantity = fixed<Quantity>(in, "quantity");
  order.limit_price = fixed<Price>(in, "limit_price");
  order.stop_price = fixed<Price>(in, "stop_price");
  order.status = status(in);
  order.reason = text(in, "reason");
  order.created_ts = timestamp(in, "created_ts");
  order.tag = text(in, "tag");
  return {std::move(order)};
}

StatusRecord read_status(const Json& in) {
  return {OrderUpdate{text(in, "client_order_id"), text(in, "exchange_order_id"), status(in), text(in, "reason"),
                      timestamp(in, "ts")}};
}

FillRecord read_fill(const Json& in) {
  Fill fill{text(in, "client_order_id"),
            text(in, "trade_id"),
            side(in),
            fixed<Price>(in, "price"),
            fixed<Quantity>(in, "quantity"),
            fixed<Money>(in, "fee"),
            named(in, "liquidity", {Liquidity::Maker, Liquidity::Taker}),
            timestamp(in, "ts")};
  return {std::move(fill), fixed<Money>(in, "quote_balance"), fixed<Money>(in, "base_balance")};
}

BarRecord read_bar(const Json& in) { return {timestamp(in, "ts"), fixed<Price>(in, "close")}; }

}  // namespace

std::string to_json_line(const SimRecord& record) {
  OrderedJson out = OrderedJson::object();
  std::visit(Writer{out}, record);
  // A strategy's tag is free text: replace invalid UTF-8 rather than fail to record the order.
  return out.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

SimRecord parse_record(std::string_view line) {
  Json in;
  try {
    in = Json::parse(line);
  } catch (const Json::parse_error& error) {
    throw std::runtime_error(std::string("not valid JSON: ") + error.what());
  }
  if (!in.is_object()) throw std::runtime_error("not a JSON object");
  const std::string type = text(in, "type");
  if (type == "account") return read_account(in);
  if (type == "order") return read_order(in);
  if (type == "status") return read_status(in);
  if (type == "fill") return read_fill(in);
  if (type == "bar") return read_bar(in);
  throw std::runtime_error("unknown record type '" + type + "'");
}

}  // namespace smoops::sim
