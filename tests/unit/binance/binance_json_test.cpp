// Parsing the venue's documented payloads (user-data-stream.md, web-socket-streams.md,
// rest-api.md, filters.md; the comments of the docs removed) and rejecting malformed ones.

#include <gtest/gtest.h>

#include <string>

#include "binance_json.hpp"

namespace smoops::binance {
namespace {

Price price(const char* text) { return Price::parse_or_throw(text); }
Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }
Money money(const char* text) { return Money::parse_or_throw(text); }

// user-data-stream.md, "Order Update", with a trade (x TRADE) instead of NEW.
constexpr const char* kExecutionReport = R"({
  "subscriptionId": 0,
  "event": {
    "e": "executionReport", "E": 1499405658658, "s": "ETHBTC", "c": "mUvoqJxFIILMdfAW5iGSOW",
    "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "1.00000000", "p": "0.10264410", "P": "0.00000000",
    "F": "0.00000000", "g": -1, "C": "", "x": "TRADE", "X": "PARTIALLY_FILLED", "r": "NONE",
    "i": 4293153, "l": "0.25000000", "z": "0.25000000", "L": "0.10264410", "n": "0.00002566",
    "N": "BTC", "T": 1499405658657, "t": 1234, "v": 3, "I": 8641984, "w": true, "m": true, "M": false,
    "O": 1499405658657, "Z": "0.02566102", "Y": "0.02566102", "Q": "0.00000000", "W": 1499405658657,
    "V": "NONE"
  }
})";

TEST(BinanceJson, ExecutionReportTradeCarriesTheFill) {
  const UserMessage message = parse_user_message(kExecutionReport);
  const auto* r = std::get_if<ExecutionReport>(&message);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->symbol, "ETHBTC");
  EXPECT_EQ(r->order_client_id(), "mUvoqJxFIILMdfAW5iGSOW");
  EXPECT_EQ(r->execution_type, "TRADE");
  EXPECT_EQ(r->order_status, "PARTIALLY_FILLED");
  EXPECT_EQ(r->order_id, 4293153);
  EXPECT_EQ(r->cumulative_quantity, qty("0.25"));
  ASSERT_TRUE(r->trade.has_value());
  EXPECT_EQ(r->trade->id, 1234);
  EXPECT_EQ(r->trade->price, price("0.10264410"));
  EXPECT_EQ(r->trade->quantity, qty("0.25"));
  EXPECT_EQ(r->trade->commission, money("0.00002566"));
  EXPECT_EQ(r->trade->commission_asset, "BTC");
  EXPECT_TRUE(r->trade->maker);
  EXPECT_EQ(r->trade->ts, Timestamp::from_millis(1499405658657));
}

TEST(BinanceJson, ExecutionReportNewHasNullCommissionAssetAndNoTrade) {
  std::string json = kExecutionReport;
  json.replace(json.find("\"x\": \"TRADE\""), 12, "\"x\": \"NEW\"");
  json.replace(json.find("\"N\": \"BTC\""), 10, "\"N\": null");
  const UserMessage message = parse_user_message(json);
  const auto* r = std::get_if<ExecutionReport>(&message);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->execution_type, "NEW");
  EXPECT_FALSE(r->trade.has_value());
}

TEST(BinanceJson, CancelReportNamesTheCanceledOrderInC) {
  std::string json = kExecutionReport;
  json.replace(json.find("\"x\": \"TRADE\""), 12, "\"x\": \"CANCELED\"");
  json.replace(json.find("\"C\": \"\""), 7, "\"C\": \"bot-7\"");
  const UserMessage message = parse_user_message(json);
  EXPECT_EQ(std::get<ExecutionReport>(message).order_client_id(), "bot-7");
}

TEST(BinanceJson, OtherUserEventsAndApiAnswers) {
  const UserMessage position = parse_user_message(
      R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}})");
  EXPECT_EQ(std::get<OtherUserEvent>(position).event, "outboundAccountPosition");
  const UserMessage ok = parse_user_message(R"({"id":"smoops-1","status":200,"result":{"subscriptionId":0}})");
  EXPECT_EQ(std::get<WsApiResponse>(ok).id, "smoops-1");
  EXPECT_FALSE(std::get<WsApiResponse>(ok).error.has_value());
  const UserMessage refused = parse_user_message(
      R"({"id":"smoops-2","status":401,"error":{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}})");
  ASSERT_TRUE(std::get<WsApiResponse>(refused).error.has_value());
  EXPECT_EQ(std::get<WsApiResponse>(refused).error->code, -2015);
}

// web-socket-streams.md, "Kline/Candlestick Streams for UTC", closed.
constexpr const char* kKlineEvent = R"({
  "e": "kline", "E": 1672515782136, "s": "BNBBTC",
  "k": {"t": 1672515780000, "T": 1672515839999, "s": "BNBBTC", "i": "1m", "f": 100, "L": 200,
        "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0015", "v": "1000", "n": 100, "x": true,
        "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456"}
})";

TEST(BinanceJson, KlineEventRawAndCombined) {
  for (const std::string& json : {std::string(kKlineEvent),
                                  R"({"stream":"bnbbtc@kline_1m","data":)" + std::string(kKlineEvent) + "}"}) {
    const MarketMessage message = parse_market_message(json);
    const auto* k = std::get_if<KlineEvent>(&message);
    ASSERT_NE(k, nullptr) << json;
    EXPECT_EQ(k->symbol, "BNBBTC");
    EXPECT_EQ(k->interval, "1m");
    EXPECT_TRUE(k->kline.closed);
    EXPECT_EQ(k->kline.bar.ts, Timestamp::from_millis(1672515780000));
    EXPECT_EQ(k->kline.bar.open, price("0.001"));
    EXPECT_EQ(k->kline.bar.high, price("0.0025"));
    EXPECT_EQ(k->kline.bar.low, price("0.0015"));
    EXPECT_EQ(k->kline.bar.close, price("0.002"));
    EXPECT_EQ(k->kline.bar.volume, qty("1000"));
  }
}

TEST(BinanceJson, TradeEventAggressorIsTheTaker) {
  const MarketMessage message = parse_market_message(
      R"({"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true})");
  const auto& t = std::get<TradeEvent>(message);
  EXPECT_EQ(t.trade.trade_id, 12345);
  EXPECT_EQ(t.trade.aggressor, Side::Sell);  // the buyer was the maker
  EXPECT_EQ(t.trade.price, price("0.001"));
  EXPECT_EQ(t.trade.quantity, qty("100"));
}

TEST(BinanceJson, ExchangeInfoFiltersAndWeightLimit) {
  const std::string json = R"({
    "timezone": "UTC", "serverTime": 1565246363776,
    "rateLimits": [
      {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
      {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100}],
    "exchangeFilters": [],
    "symbols": [
      {"symbol": "ETHBTC", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "BTC", "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.00000100", "maxPrice": "100000.00000000", "tickSize": "0.00000100"}]},
      {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT", "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
        {"filterType": "ICEBERG_PARTS", "limit": 10},
        {"filterType": "MIN_NOTIONAL", "minNotional": "1.00000000", "applyToMarket": true, "avgPriceMins": 5},
        {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": false,
         "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5}]}]
  })";
  const SymbolInfo info = parse_exchange_info(json, "BTCUSDT");
  EXPECT_EQ(info.instrument.symbol, "BTC/USDT");
  EXPECT_EQ(info.instrument.base_asset, "BTC");
  EXPECT_EQ(info.instrument.quote_asset, "USDT");
  EXPECT_EQ(info.instrument.tick_size, price("0.01"));
  EXPECT_EQ(info.instrument.lot_size, qty("0.00001"));
  EXPECT_EQ(info.instrument.min_notional, money("5"));
  EXPECT_EQ(info.request_weight_per_minute, 6000);
  EXPECT_THROW(parse_exchange_info(json, "XRPUSDT"), JsonError);
  EXPECT_THROW(parse_exchange_info(json, "ETHBTC"), JsonError);  // no LOT_SIZE: no lot size to trade with
}

TEST(BinanceJson, FullOrderAnswerWithFills) {
  // rest-api.md, "New order (TRADE)", Response - FULL (first two fills).
  const VenueOrder order = parse_order(R"({
    "symbol": "BTCUSDT", "orderId": 28, "orderListId": -1, "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP",
    "transactTime": 1507725176595, "price": "0.00000000", "origQty": "10.00000000",
    "executedQty": "10.00000000", "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "10.00000000",
    "status": "FILLED", "timeInForce": "GTC", "type": "MARKET", "side": "SELL", "workingTime": 1507725176595,
    "selfTradePreventionMode": "NONE",
    "fills": [
      {"price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000", "commissionAsset": "USDT", "tradeId": 56},
      {"price": "3999.00000000", "qty": "5.00000000", "commission": "19.99500000", "commissionAsset": "USDT", "tradeId": 57}]
  })");
  EXPECT_EQ(order.order_id, 28);
  EXPECT_EQ(order.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
  EXPECT_EQ(order.status, "FILLED");
  EXPECT_EQ(order.executed_quantity, qty("10"));
  ASSERT_EQ(order.fills.size(), 2u);
  EXPECT_EQ(order.fills[1].id, 57);
  EXPECT_EQ(order.fills[1].commission, money("19.995"));
  EXPECT_EQ(order.fills[1].order_id, 28);
}

TEST(BinanceJson, CancelAnswerNamesTheOrderByOrigClientOrderId) {
  const VenueOrder order = parse_order(R"({
    "symbol": "LTCBTC", "origClientOrderId": "myOrder1", "orderId": 4, "orderListId": -1,
    "clientOrderId": "cancelMyOrder1", "transactTime": 1684804350068, "price": "2.00000000",
    "origQty": "1.00000000", "executedQty": "0.00000000", "origQuoteOrderQty": "0.000000",
    "cummulativeQuoteQty": "0.00000000", "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT",
    "side": "BUY", "selfTradePreventionMode": "NONE"})");
  EXPECT_EQ(order.client_order_id, "myOrder1");
  EXPECT_EQ(order.status, "CANCELED");
}

TEST(BinanceJson, MyTradesKlinesBalancesAndErrors) {
  const auto trades = parse_my_trades(R"([{"symbol": "BNBBTC", "id": 28457, "orderId": 100234, "orderListId": -1,
    "price": "4.00000100", "qty": "12.00000000", "quoteQty": "48.000012", "commission": "10.10000000",
    "commissionAsset": "BNB", "time": 1499865549590, "isBuyer": true, "isMaker": false, "isBestMatch": true}])");
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].id, 28457);
  EXPECT_EQ(trades[0].order_id, 100234);
  EXPECT_EQ(trades[0].price, price("4.000001"));
  EXPECT_FALSE(trades[0].maker);

  const auto klines = parse_klines(R"([[1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100",
    "148976.11427815", 1499644799999, "2434.19055334", 308, "1756.87402397", "28.46694368", "0"]])");
  ASSERT_EQ(klines.size(), 1u);
  EXPECT_EQ(klines[0].bar.ts, Timestamp::from_millis(1499040000000));
  EXPECT_EQ(klines[0].bar.volume, qty("148976.11427815"));
  EXPECT_EQ(klines[0].close_time, Timestamp::from_millis(1499644799999));

  const auto balances = parse_account_balances(
      R"({"balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.5"}], "canTrade": true})");
  ASSERT_EQ(balances.size(), 1u);
  EXPECT_EQ(balances[0].available, money("4723846.89208129"));
  EXPECT_EQ(balances[0].total, money("4723847.39208129"));

  const auto error = parse_error_body(R"({"code": -1121, "msg": "Invalid symbol."})");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, -1121);
  EXPECT_EQ(error->msg, "Invalid symbol.");
  EXPECT_FALSE(parse_error_body("<html>Bad Gateway</html>").has_value());
  EXPECT_EQ(parse_server_time(R"({"serverTime": 1499827319559})"), Timestamp::from_millis(1499827319559));
}

// The message of the JsonError `parse` throws.
template <class Parse>
std::string rejection(Parse parse) {
  try {
    parse();
  } catch (const JsonError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a JsonError";
  return {};
}

TEST(BinanceJson, MalformedInputIsRejectedWithTheReason) {
  EXPECT_NE(rejection([] { parse_market_message("{\"e\":\"kline\", \"k\": {"); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(rejection([] { parse_user_message("this is not json"); }).find("not valid JSON"), std::string::npos);
  EXPECT_NE(rejection([] { parse_market_message(R"({"e":"kline","s":"BNBBTC"})"); }).find("'k' is missing"), std::string::npos);
  // Money never goes through double: an exponent or a 9th decimal digit is refused, not rounded.
  std::string exponent = kKlineEvent;
  exponent.replace(exponent.find("\"0.0010\""), 8, "\"1e-3\"");
  EXPECT_NE(rejection([&] { parse_market_message(exponent); }).find("'1e-3'"), std::string::npos);
  std::string ninth = kKlineEvent;
  ninth.replace(ninth.find("\"0.0010\""), 8, "\"0.000000011\"");
  EXPECT_NE(rejection([&] { parse_market_message(ninth); }).find("'o'"), std::string::npos);
  std::string number_price = kExecutionReport;
  number_price.replace(number_price.find("\"L\": \"0.10264410\""), 17, "\"L\": 0.10264410");
  EXPECT_NE(rejection([&] { parse_user_message(number_price); }).find("'L' is not a string"), std::string::npos);
  EXPECT_THROW(parse_klines(R"([[1499040000000, "1", "2"]])"), JsonError);
  EXPECT_THROW(parse_orders(R"({"not": "an array"})"), JsonError);
}

}  // namespace
}  // namespace smoops::binance
