#pragma once
// Parsing the venue's JSON (REST answers, market stream events, WebSocket API messages) with
// simdjson into binance_types.hpp. Every parser validates the whole document and throws JsonError
// for anything malformed or missing (naming what it was parsing and the field), never crashes.
// Decimal strings go straight into fixed-point values, never through double.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "binance_types.hpp"

namespace smoops::binance {

/// A message that is not what the venue documents.
class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The symbol `venue_symbol` of an exchangeInfo answer (rest-api.md, "Exchange information";
/// filters.md): tick size from PRICE_FILTER, lot size from LOT_SIZE stepSize, min notional from
/// NOTIONAL or MIN_NOTIONAL, and the REQUEST_WEIGHT per minute limit. Throws JsonError when the
/// symbol is not listed.
SymbolInfo parse_exchange_info(std::string_view json, std::string_view venue_symbol);
/// {"serverTime": ms}.
Timestamp parse_server_time(std::string_view json);
/// {"code": c, "msg": m}, or nullopt when `json` is not such an object.
std::optional<ApiErrorBody> parse_error_body(std::string_view json);
/// One order object (placement, query, cancel answers).
VenueOrder parse_order(std::string_view json);
/// An array of orders (openOrders).
std::vector<VenueOrder> parse_orders(std::string_view json);
/// myTrades (rest-api.md, "Account trade list").
std::vector<VenueTrade> parse_my_trades(std::string_view json);
/// The balances of GET /api/v3/account: total = free + locked, available = free.
std::vector<Balance> parse_account_balances(std::string_view json);
/// GET /api/v3/klines: an array of arrays.
std::vector<Kline> parse_klines(std::string_view json);

/// A kline event of `<symbol>@kline_<interval>`.
struct KlineEvent {
  std::string symbol;
  std::string interval;
  Kline kline;
};
/// A trade event of `<symbol>@trade`.
struct TradeEvent {
  std::string symbol;
  Trade trade;
};
/// A market stream message of another kind (serverShutdown, a subscription answer, ...).
struct OtherMarketMessage {
  std::string event;  ///< "e" when present
};
/// What a market stream sent, raw or combined ({"stream": ..., "data": ...}).
using MarketMessage = std::variant<KlineEvent, TradeEvent, OtherMarketMessage>;
MarketMessage parse_market_message(std::string_view json);

/// A WebSocket API answer to one of our requests (web-socket-api.md, "Response format").
struct WsApiResponse {
  std::string id;  ///< our request id (we send strings)
  int status = 0;
  std::optional<ApiErrorBody> error;
};
/// An event of the user data stream that is not an executionReport ("e" names it).
struct OtherUserEvent {
  std::string event;  ///< outboundAccountPosition, balanceUpdate, eventStreamTerminated, serverShutdown, ...
};
/// What the WebSocket API connection sent.
using UserMessage = std::variant<WsApiResponse, ExecutionReport, OtherUserEvent>;
UserMessage parse_user_message(std::string_view json);

}  // namespace smoops::binance
