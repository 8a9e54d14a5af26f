#include "binance_json.hpp"

#include <simdjson.h>

#include "binance_symbols.hpp"

namespace smoops::binance {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// One parser per thread: a DOM parser is not thread-safe, and the connector parses on several.
element parse_document(std::string_view json, const char* what) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root))
    throw JsonError(std::string(what) + ": not valid JSON (" + simdjson::error_message(error) + ")");
  return root;
}

[[noreturn]] void fail(const char* what, std::string_view field, const char* problem) {
  throw JsonError(std::string(what) + ": field '" + std::string(field) + "' " + problem);
}

object as_object(element e, const char* what) {
  object o;
  if (e.get(o)) throw JsonError(std::string(what) + ": expected a JSON object");
  return o;
}

array as_array(element e, const char* what) {
  array a;
  if (e.get(a)) throw JsonError(std::string(what) + ": expected a JSON array");
  return a;
}

std::optional<element> find(object o, std::string_view field) {
  element e;
  if (o[field].get(e)) return std::nullopt;
  return e;
}

element field(object o, std::string_view name, const char* what) {
  auto e = find(o, name);
  if (!e) fail(what, name, "is missing");
  return *e;
}

std::string_view string_field(object o, std::string_view name, const char* what) {
  std::string_view s;
  if (field(o, name, what).get(s)) fail(what, name, "is not a string");
  return s;
}

// A string that may be absent or null (e.g. "N": null in an executionReport).
std::string_view string_or_empty(object o, std::string_view name, const char* what) {
  auto e = find(o, name);
  if (!e || e->is_null()) return {};
  std::string_view s;
  if (e->get(s)) fail(what, name, "is not a string");
  return s;
}

std::int64_t int_field(object o, std::string_view name, const char* what) {
  std::int64_t v = 0;
  if (field(o, name, what).get(v)) fail(what, name, "is not an integer");
  return v;
}

bool bool_field(object o, std::string_view name, const char* what) {
  bool v = false;
  if (field(o, name, what).get(v)) fail(what, name, "is not true or false");
  return v;
}

template <class F>
F decimal_text(std::string_view text, const char* what, std::string_view name) {
  if (auto v = F::parse(text)) return *v;
  throw JsonError(std::string(what) + ": field '" + std::string(name) + "' is not a decimal with at most 8 places: '" +
                  std::string(text) + "'");
}

template <class F>
F decimal_field(object o, std::string_view name, const char* what) {
  return decimal_text<F>(string_field(o, name, what), what, name);
}

template <class F>
F decimal_or_zero(object o, std::string_view name, const char* what) {
  const std::string_view text = string_or_empty(o, name, what);
  return text.empty() ? F() : decimal_text<F>(text, what, name);
}

Timestamp millis_field(object o, std::string_view name, const char* what) {
  return Timestamp::from_millis(int_field(o, name, what));
}

template <class F>
F decimal_element(element e, const char* what, std::string_view name) {
  std::string_view s;
  if (e.get(s)) fail(what, name, "is not a string");
  return decimal_text<F>(s, what, name);
}

void read_filter(object filter, Instrument& instrument) {
  constexpr const char* kWhat = "exchangeInfo filter";
  const std::string_view type = string_field(filter, "filterType", kWhat);
  if (type == "PRICE_FILTER") {
    instrument.tick_size = decimal_field<Price>(filter, "tickSize", kWhat);
  } else if (type == "LOT_SIZE") {
    instrument.lot_size = decimal_field<Quantity>(filter, "stepSize", kWhat);
  } else if (type == "NOTIONAL" || type == "MIN_NOTIONAL") {
    // Both may be listed; the larger minimum is the one an order must pass.
    const Money min = decimal_field<Money>(filter, "minNotional", kWhat);
    if (min > instrument.min_notional) instrument.min_notional = min;
  }
}

VenueTrade trade_from_fill(object fill, Timestamp ts, std::int64_t order_id) {
  constexpr const char* kWhat = "order fill";
  VenueTrade t;
  t.id = int_field(fill, "tradeId", kWhat);
  t.order_id = order_id;
  t.price = decimal_field<Price>(fill, "price", kWhat);
  t.quantity = decimal_field<Quantity>(fill, "qty", kWhat);
  t.commission = decimal_or_zero<Money>(fill, "commission", kWhat);
  t.commission_asset = std::string(string_or_empty(fill, "commissionAsset", kWhat));
  t.ts = ts;
  return t;
}

VenueOrder order_from(object o) {
  constexpr const char* kWhat = "order";
  VenueOrder v;
  v.symbol = std::string(string_field(o, "symbol", kWhat));
  v.order_id = int_field(o, "orderId", kWhat);
  // A cancel answer names the canceled order in origClientOrderId (clientOrderId is the cancel's).
  const std::string_view orig = string_or_empty(o, "origClientOrderId", kWhat);
  v.client_order_id = std::string(orig.empty() ? string_field(o, "clientOrderId", kWhat) : orig);
  // An ACK answer has no status: it was accepted.
  v.status = std::string(find(o, "status") ? string_field(o, "status", kWhat) : std::string_view("NEW"));
  v.type = std::string(string_or_empty(o, "type", kWhat));
  v.side = std::string(string_or_empty(o, "side", kWhat));
  v.time_in_force = std::string(string_or_empty(o, "timeInForce", kWhat));
  v.price = decimal_or_zero<Price>(o, "price", kWhat);
  v.stop_price = decimal_or_zero<Price>(o, "stopPrice", kWhat);
  v.quantity = decimal_or_zero<Quantity>(o, "origQty", kWhat);
  v.executed_quantity = decimal_or_zero<Quantity>(o, "executedQty", kWhat);
  // "For some historical orders cummulativeQuoteQty will be < 0": unknown, kept as zero.
  const Money quote = decimal_or_zero<Money>(o, "cummulativeQuoteQty", kWhat);
  v.cumulative_quote = quote.is_negative() ? Money() : quote;
  const bool placed = find(o, "transactTime").has_value();
  v.created = placed ? millis_field(o, "transactTime", kWhat)
                     : (find(o, "time") ? millis_field(o, "time", kWhat) : Timestamp{});
  v.updated = find(o, "updateTime") ? millis_field(o, "updateTime", kWhat) : v.created;
  if (auto fills = find(o, "fills"))
    for (element f : as_array(*fills, kWhat)) v.fills.push_back(trade_from_fill(as_object(f, kWhat), v.created, v.order_id));
  return v;
}

Kline kline_from_array(array a) {
  constexpr const char* kWhat = "kline";
  if (a.size() < 7) throw JsonError("kline: expected at least 7 values, got " + std::to_string(a.size()));
  Kline k;
  std::int64_t open_ms = 0, close_ms = 0;
  if (a.at(0).get(open_ms)) fail(kWhat, "0 (open time)", "is not an integer");
  if (a.at(6).get(close_ms)) fail(kWhat, "6 (close time)", "is not an integer");
  k.bar.ts = Timestamp::from_millis(open_ms);
  k.close_time = Timestamp::from_millis(close_ms);
  k.bar.open = decimal_element<Price>(a.at(1).value(), kWhat, "1 (open)");
  k.bar.high = decimal_element<Price>(a.at(2).value(), kWhat, "2 (high)");
  k.bar.low = decimal_element<Price>(a.at(3).value(), kWhat, "3 (low)");
  k.bar.close = decimal_element<Price>(a.at(4).value(), kWhat, "4 (close)");
  k.bar.volume = decimal_element<Quantity>(a.at(5).value(), kWhat, "5 (volume)");
  return k;
}

KlineEvent kline_event_from(object o) {
  constexpr const char* kWhat = "kline event";
  KlineEvent e;
  e.symbol = std::string(string_field(o, "s", kWhat));
  const object k = as_object(field(o, "k", kWhat), kWhat);
  e.interval = std::string(string_field(k, "i", kWhat));
  e.kline.bar.ts = millis_field(k, "t", kWhat);
  e.kline.close_time = millis_field(k, "T", kWhat);
  e.kline.bar.open = decimal_field<Price>(k, "o", kWhat);
  e.kline.bar.high = decimal_field<Price>(k, "h", kWhat);
  e.kline.bar.low = decimal_field<Price>(k, "l", kWhat);
  e.kline.bar.close = decimal_field<Price>(k, "c", kWhat);
  e.kline.bar.volume = decimal_field<Quantity>(k, "v", kWhat);
  e.kline.closed = bool_field(k, "x", kWhat);
  return e;
}

TradeEvent trade_event_from(object o) {
  constexpr const char* kWhat = "trade event";
  TradeEvent e;
  e.symbol = std::string(string_field(o, "s", kWhat));
  e.trade.trade_id = int_field(o, "t", kWhat);
  e.trade.price = decimal_field<Price>(o, "p", kWhat);
  e.trade.quantity = decimal_field<Quantity>(o, "q", kWhat);
  e.trade.ts = millis_field(o, "T", kWhat);
  // "m": the buyer is the maker, so the seller took liquidity.
  e.trade.aggressor = bool_field(o, "m", kWhat) ? Side::Sell : Side::Buy;
  return e;
}

ExecutionReport execution_report_from(object o) {
  constexpr const char* kWhat = "executionReport";
  ExecutionReport r;
  r.symbol = std::string(string_field(o, "s", kWhat));
  r.client_order_id = std::string(string_field(o, "c", kWhat));
  r.orig_client_order_id = std::string(string_or_empty(o, "C", kWhat));
  r.side = std::string(string_field(o, "S", kWhat));
  r.execution_type = std::string(string_field(o, "x", kWhat));
  r.order_status = std::string(string_field(o, "X", kWhat));
  r.reject_reason = std::string(string_or_empty(o, "r", kWhat));
  r.order_id = int_field(o, "i", kWhat);
  r.cumulative_quantity = decimal_field<Quantity>(o, "z", kWhat);
  r.event_time = millis_field(o, "E", kWhat);
  r.transaction_time = millis_field(o, "T", kWhat);
  if (r.execution_type == "TRADE") {
    VenueTrade t;
    t.id = int_field(o, "t", kWhat);
    t.order_id = r.order_id;
    t.price = decimal_field<Price>(o, "L", kWhat);
    t.quantity = decimal_field<Quantity>(o, "l", kWhat);
    t.commission = decimal_or_zero<Money>(o, "n", kWhat);
    t.commission_asset = std::string(string_or_empty(o, "N", kWhat));
    t.maker = bool_field(o, "m", kWhat);
    t.ts = r.transaction_time;
    r.trade = t;
  }
  return r;
}

std::string event_name(object o) {
  auto e = find(o, "e");
  std::string_view name;
  if (!e || e->get(name)) return {};
  return std::string(name);
}

}  // namespace

SymbolInfo parse_exchange_info(std::string_view json, std::string_view venue_symbol) {
  constexpr const char* kWhat = "exchangeInfo";
  const object root = as_object(parse_document(json, kWhat), kWhat);
  SymbolInfo info;
  if (auto limits = find(root, "rateLimits")) {
    for (element l : as_array(*limits, kWhat)) {
      const object limit = as_object(l, kWhat);
      if (string_or_empty(limit, "rateLimitType", kWhat) == "REQUEST_WEIGHT" &&
          string_or_empty(limit, "interval", kWhat) == "MINUTE" && int_field(limit, "intervalNum", kWhat) == 1)
        info.request_weight_per_minute = static_cast<int>(int_field(limit, "limit", kWhat));
    }
  }
  for (element s : as_array(field(root, "symbols", kWhat), kWhat)) {
    const object symbol = as_object(s, kWhat);
    if (string_field(symbol, "symbol", kWhat) != venue_symbol) continue;
    info.venue_symbol = std::string(venue_symbol);
    info.status = std::string(string_or_empty(symbol, "status", kWhat));
    info.instrument.base_asset = std::string(string_field(symbol, "baseAsset", kWhat));
    info.instrument.quote_asset = std::string(string_field(symbol, "quoteAsset", kWhat));
    info.instrument.symbol = host_symbol(info.instrument.base_asset, info.instrument.quote_asset);
    info.instrument.tick_size = Price();
    info.instrument.lot_size = Quantity();
    info.instrument.min_notional = Money();
    for (element f : as_array(field(symbol, "filters", kWhat), kWhat)) read_filter(as_object(f, kWhat), info.instrument);
    // filters.md: a tickSize of 0 disables the rule; any price of 8 decimals is then a multiple.
    if (!info.instrument.tick_size.is_positive()) info.instrument.tick_size = Price::from_raw(1);
    if (!info.instrument.lot_size.is_positive())
      throw JsonError("exchangeInfo: symbol " + std::string(venue_symbol) + " has no positive LOT_SIZE stepSize");
    return info;
  }
  throw JsonError("exchangeInfo: the venue does not list symbol " + std::string(venue_symbol));
}

Timestamp parse_server_time(std::string_view json) {
  constexpr const char* kWhat = "server time";
  return millis_field(as_object(parse_document(json, kWhat), kWhat), "serverTime", kWhat);
}

std::optional<ApiErrorBody> parse_error_body(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  element root;
  object o;
  if (parser.parse(json.data(), json.size()).get(root) || root.get(o)) return std::nullopt;
  std::int64_t code = 0;
  std::string_view msg;
  if (o["code"].get(code) || o["msg"].get(msg)) return std::nullopt;
  return ApiErrorBody{static_cast<int>(code), std::string(msg)};
}

VenueOrder parse_order(std::string_view json) {
  return order_from(as_object(parse_document(json, "order"), "order"));
}

std::vector<VenueOrder> parse_orders(std::string_view json) {
  std::vector<VenueOrder> out;
  for (element e : as_array(parse_document(json, "orders"), "orders")) out.push_back(order_from(as_object(e, "order")));
  return out;
}

std::vector<VenueTrade> parse_my_trades(std::string_view json) {
  constexpr const char* kWhat = "myTrades";
  std::vector<VenueTrade> out;
  for (element e : as_array(parse_document(json, kWhat), kWhat)) {
    const object o = as_object(e, kWhat);
    VenueTrade t;
    t.id = int_field(o, "id", kWhat);
    t.order_id = int_field(o, "orderId", kWhat);
    t.price = decimal_field<Price>(o, "price", kWhat);
    t.quantity = decimal_field<Quantity>(o, "qty", kWhat);
    t.commission = decimal_or_zero<Money>(o, "commission", kWhat);
    t.commission_asset = std::string(string_or_empty(o, "commissionAsset", kWhat));
    t.ts = millis_field(o, "time", kWhat);
    t.maker = bool_field(o, "isMaker", kWhat);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Balance> parse_account_balances(std::string_view json) {
  constexpr const char* kWhat = "account";
  const object root = as_object(parse_document(json, kWhat), kWhat);
  std::vector<Balance> out;
  for (element e : as_array(field(root, "balances", kWhat), kWhat)) {
    const object b = as_object(e, kWhat);
    Balance balance;
    balance.asset = std::string(string_field(b, "asset", kWhat));
    balance.available = decimal_field<Money>(b, "free", kWhat);
    balance.total = balance.available + decimal_field<Money>(b, "locked", kWhat);
    out.push_back(std::move(balance));
  }
  return out;
}

std::vector<Kline> parse_klines(std::string_view json) {
  std::vector<Kline> out;
  for (element e : as_array(parse_document(json, "klines"), "klines")) out.push_back(kline_from_array(as_array(e, "kline")));
  return out;
}

MarketMessage parse_market_message(std::string_view json) {
  constexpr const char* kWhat = "market stream message";
  object o = as_object(parse_document(json, kWhat), kWhat);
  if (auto data = find(o, "data"); data && find(o, "stream")) o = as_object(*data, kWhat);  // combined stream
  const std::string event = event_name(o);
  if (event == "kline") return kline_event_from(o);
  if (event == "trade") return trade_event_from(o);
  return OtherMarketMessage{event};
}

UserMessage parse_user_message(std::string_view json) {
  constexpr const char* kWhat = "WebSocket API message";
  const object o = as_object(parse_document(json, kWhat), kWhat);
  if (auto event = find(o, "event")) {
    const object e = as_object(*event, kWhat);
    const std::string name = event_name(e);
    if (name == "executionReport") return execution_report_from(e);
    if (name.empty()) throw JsonError("WebSocket API event without a type ('e')");
    return OtherUserEvent{name};
  }
  WsApiResponse response;
  const element id = field(o, "id", kWhat);
  std::string_view id_text;
  std::int64_t id_number = 0;
  if (!id.get(id_text)) response.id = std::string(id_text);
  else if (!id.get(id_number)) response.id = std::to_string(id_number);
  response.status = static_cast<int>(int_field(o, "status", kWhat));
  if (auto error = find(o, "error")) {
    const object e = as_object(*error, kWhat);
    response.error = ApiErrorBody{static_cast<int>(int_field(e, "code", kWhat)), std::string(string_field(e, "msg", kWhat))};
  }
  return response;
}

}  // namespace smoops::binance
