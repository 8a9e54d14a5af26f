#pragma once
// What the venue says, parsed from its JSON (binance_json.hpp) but not yet mapped to the host's
// types (order_mapping.hpp). Decimals are fixed-point, parsed straight from the venue's strings.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smoops/fixed_point.hpp"
#include "smoops/instrument.hpp"
#include "smoops/market_data.hpp"
#include "smoops/order.hpp"
#include "smoops/position.hpp"
#include "smoops/time.hpp"

namespace smoops::binance {

/// One symbol of exchangeInfo with its filters, and the REQUEST_WEIGHT limit.
struct SymbolInfo {
  std::string venue_symbol;  ///< "BTCUSDT"
  Instrument instrument;     ///< symbol "BTC/USDT", assets, tick (PRICE_FILTER), lot (LOT_SIZE), min notional
  std::string status;        ///< "TRADING", "HALT", ...
  int request_weight_per_minute = 0;  ///< REQUEST_WEIGHT per 1 MINUTE from rateLimits; 0 when absent
};

/// A fill as an order answer (FULL), myTrades or the user data stream reports it.
struct VenueTrade {
  std::int64_t id = 0;        ///< the venue's trade id
  std::int64_t order_id = 0;  ///< the venue's order id (0 when the source does not say)
  Price price;
  Quantity quantity;
  Money commission;           ///< an amount of `commission_asset`
  std::string commission_asset;
  Timestamp ts;
  bool maker = false;
};

/// An order as the REST API answers it (order placement, query, cancel, openOrders).
struct VenueOrder {
  std::string symbol;
  std::int64_t order_id = 0;
  std::string client_order_id;  ///< for a cancel answer: origClientOrderId
  std::string status;           ///< NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, ...
  std::string type;             ///< MARKET, LIMIT, LIMIT_MAKER, STOP_LOSS, STOP_LOSS_LIMIT, ...
  std::string side;             ///< BUY or SELL
  std::string time_in_force;    ///< GTC, IOC, FOK
  Price price;
  Price stop_price;
  Quantity quantity;
  Quantity executed_quantity;
  Money cumulative_quote;  ///< cummulativeQuoteQty (the venue's spelling)
  Timestamp created;       ///< time (or transactTime)
  Timestamp updated;       ///< updateTime (or transactTime)
  std::vector<VenueTrade> fills;  ///< only in FULL order answers
};

/// An executionReport of the user data stream (user-data-stream.md, "Order Update").
struct ExecutionReport {
  std::string symbol;
  std::string client_order_id;       ///< "c"
  std::string orig_client_order_id;  ///< "C": for a cancel, the id of the canceled order
  std::string side;                  ///< "S"
  std::string execution_type;        ///< "x": NEW, CANCELED, REPLACED, REJECTED, TRADE, EXPIRED, TRADE_PREVENTION
  std::string order_status;          ///< "X"
  std::string reject_reason;         ///< "r"
  std::int64_t order_id = 0;         ///< "i"
  Quantity cumulative_quantity;      ///< "z"
  Timestamp event_time;              ///< "E"
  Timestamp transaction_time;        ///< "T"
  std::optional<VenueTrade> trade;   ///< for x == TRADE: "t", "L", "l", "n", "N", "m"
  /// The order's own id: "C" for a cancel report (whose "c" is the cancel's id), else "c".
  const std::string& order_client_id() const {
    return execution_type == "CANCELED" && !orig_client_order_id.empty() ? orig_client_order_id : client_order_id;
  }
};

/// One kline, from klines (REST) or a kline event.
struct Kline {
  Bar bar;               ///< ts is the open time
  Timestamp close_time;  ///< the last millisecond of the kline
  bool closed = true;    ///< "x" of a kline event; REST klines say nothing (see close_time)
};

/// An error body: {"code": -1121, "msg": "Invalid symbol."}.
struct ApiErrorBody {
  int code = 0;
  std::string msg;
};

}  // namespace smoops::binance
