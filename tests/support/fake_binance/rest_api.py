"""The REST API under /api/v3: parameters, signed-request checks and the endpoints the spec names.

Shapes, weights and errors are those of /work/binance-docs/rest-api.md (section named at each
endpoint) and errors.md. Parameters come from the query string and a form body; a name in both
takes the query string's value (rest-api.md "General Information on Endpoints").
"""

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable
from urllib.parse import parse_qsl

import signing
from errors import (ApiError, BAD_KEY_FORMAT, DECIMAL_PATTERN, NO_SUCH_ORDER, REJECTED_KEY, filter_failure, illegal,
                    missing, order_rejected)
from venue import ZERO, fmt

# rest-api.md "Kline/Candlestick data": supported intervals (case-sensitive).
INTERVALS = ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M")
CLIENT_ORDER_ID = re.compile(r"^[a-zA-Z0-9-_]{1,36}$")
CLIENT_ORDER_ID_RANGE = "^[a-zA-Z0-9-_]{1,36}$"
DECIMAL = re.compile(DECIMAL_PATTERN)
SIGNED_PARAMS = {"recvWindow", "timestamp", "signature"}
MAX_NOTIONAL = Decimal(9000000000)  # NOTIONAL maxNotional (not applied to market orders)
MAX_DECIMALS = 8  # baseAssetPrecision / quoteAssetPrecision of the fake's symbol


def read_params(raw_query, raw_body):
    """The request's parameters; -1101 for a name repeated within the query string or the body."""
    params = {}
    for source in (raw_body, raw_query):  # the query string last, so its values win
        seen = set()
        for name, value in parse_qsl(source or "", keep_blank_values=True):
            if name in seen:
                raise ApiError(-1101, "Duplicate values for a parameter detected.")
            seen.add(name)
            params[name] = value
    return params


def parse_long(params, name, required=False, minimum=None):
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if not re.fullmatch(r"-?[0-9]{1,20}", value):
        raise illegal(name, "^[0-9]{1,20}$")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ApiError(-1130, f"Data sent for parameter '{name}' is not valid.")
    return number


def parse_decimal(params, name, required=False):
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if not DECIMAL.match(value):
        raise illegal(name, DECIMAL_PATTERN)
    number = Decimal(value)
    if number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS), rounding="ROUND_DOWN"):
        raise ApiError(-1111, f"Parameter '{name}' has too much precision.")  # errors.md "-1111 BAD_PRECISION"
    return number


def on_step(value, step):
    return step == 0 or value % step == 0


@dataclass
class Endpoint:
    handler: Callable
    weight: Callable  # params -> weight
    signed: bool
    params: frozenset


class RestApi:
    def __init__(self, server):
        self.server = server
        self.venue = server.venue
        s = frozenset
        self.endpoints = {
            ("GET", "/api/v3/ping"): Endpoint(self.ping, lambda p: 1, False, s()),
            ("GET", "/api/v3/time"): Endpoint(self.time, lambda p: 1, False, s()),
            ("GET", "/api/v3/exchangeInfo"): Endpoint(
                self.exchange_info, lambda p: 20, False,
                s({"symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"})),
            ("GET", "/api/v3/klines"): Endpoint(
                self.klines, lambda p: 2, False, s({"symbol", "interval", "startTime", "endTime", "timeZone", "limit"})),
            ("GET", "/api/v3/account"): Endpoint(self.account, lambda p: 20, True, s({"omitZeroBalances"})),
            ("POST", "/api/v3/order"): Endpoint(
                self.new_order, lambda p: 1, True,
                s({"symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price", "newClientOrderId",
                   "strategyId", "strategyType", "stopPrice", "trailingDelta", "icebergQty", "newOrderRespType",
                   "selfTradePreventionMode", "pegPriceType", "pegOffsetValue", "pegOffsetType"})),
            ("DELETE", "/api/v3/order"): Endpoint(
                self.cancel_order, lambda p: 1, True,
                s({"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"})),
            ("GET", "/api/v3/order"): Endpoint(self.query_order, lambda p: 4, True,
                                               s({"symbol", "orderId", "origClientOrderId"})),
            ("GET", "/api/v3/openOrders"): Endpoint(self.open_orders, lambda p: 6 if p.get("symbol") else 80, True,
                                                    s({"symbol"})),
            ("GET", "/api/v3/myTrades"): Endpoint(
                self.my_trades, lambda p: 5 if p.get("orderId") else 20, True,
                s({"symbol", "orderId", "startTime", "endTime", "fromId", "limit"})),
        }

    # ---- the request path shared by every endpoint ----

    def check(self, endpoint, params, api_key_header):
        allowed = endpoint.params | (SIGNED_PARAMS if endpoint.signed else frozenset())
        unread = [name for name in params if name not in allowed]
        if unread:
            # errors.md "-1104 UNREAD_PARAMETERS"
            raise ApiError(-1104, f"Not all sent parameters were read; read '{len(params) - len(unread)}' "
                                  f"parameter(s) but was sent '{len(params)}'.")
        if not endpoint.signed:
            return
        if self.server.faults.reject_keys:
            raise ApiError(*REJECTED_KEY, http_status=401)
        if not api_key_header:
            raise ApiError(*BAD_KEY_FORMAT, http_status=401)
        if api_key_header != self.server.settings.api_key:
            raise ApiError(*REJECTED_KEY, http_status=401)
        if not params.get("signature"):
            raise missing("signature")
        if not params.get("timestamp"):
            raise missing("timestamp")
        signing.check_timing(params["timestamp"], params.get("recvWindow"), self.server.now_ms())

    def check_symbol(self, params, required=True):
        symbol = params.get("symbol")
        if not symbol:
            if required:
                raise missing("symbol")
            return
        if symbol != self.venue.symbol:
            raise ApiError(-1121, "Invalid symbol.")  # errors.md "-1121 BAD_SYMBOL"

    # ---- rest-api.md "General endpoints" ----

    def ping(self, params):
        return {}

    def time(self, params):
        return {"serverTime": self.server.now_ms()}

    def exchange_info(self, params):
        """rest-api.md "Exchange information"; filters from filters.md."""
        self.check_symbol(params, required=False)
        if params.get("symbols"):
            try:
                symbols = json.loads(params["symbols"])
            except ValueError:
                raise ApiError(-1135, "JSON sent for parameter 'symbols' is not valid") from None
            if not isinstance(symbols, list) or any(symbol != self.venue.symbol for symbol in symbols):
                raise ApiError(-1121, "Invalid symbol.")
        venue, settings = self.venue, self.server.settings
        highest = max((bar.high for bar in venue.bars), default=ZERO)
        max_price = max(Decimal(1000000), highest * 10)
        return {
            "timezone": "UTC",
            "serverTime": self.server.now_ms(),
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                 "limit": self.server.limiter.limit},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
                {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
                {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
            ],
            "exchangeFilters": [],
            "symbols": [{
                "symbol": venue.symbol, "status": "TRADING", "baseAsset": venue.base, "baseAssetPrecision": 8,
                "quoteAsset": venue.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT"],
                "icebergAllowed": False, "ocoAllowed": False, "otoAllowed": False, "opoAllowed": False,
                "quoteOrderQtyMarketAllowed": False, "allowTrailingStop": False, "cancelReplaceAllowed": False,
                "amendAllowed": False, "pegInstructionsAllowed": False, "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": fmt(venue.tick_size), "maxPrice": fmt(max_price),
                     "tickSize": fmt(venue.tick_size)},
                    {"filterType": "LOT_SIZE", "minQty": fmt(venue.lot_size), "maxQty": fmt(Decimal(9000000)),
                     "stepSize": fmt(venue.lot_size)},
                    {"filterType": "NOTIONAL", "minNotional": fmt(venue.min_notional), "applyMinToMarket": True,
                     "maxNotional": fmt(MAX_NOTIONAL), "applyMaxToMarket": False, "avgPriceMins": 0},
                ],
                "permissions": [], "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "NONE", "allowedSelfTradePreventionModes": ["NONE"],
            }],
        }

    # ---- rest-api.md "Market Data endpoints" ----

    def klines(self, params):
        """rest-api.md "Kline/Candlestick data": closed bars only, paged as "General API Information" says."""
        self.check_symbol(params)
        interval = params.get("interval")
        if not interval:
            raise missing("interval")
        if interval not in INTERVALS or interval != self.server.settings.interval:
            # The fake serves one interval, that of its CSV; any other is refused the same way.
            raise ApiError(-1120, "Invalid interval.")
        start = parse_long(params, "startTime")
        end = parse_long(params, "endTime")
        limit = parse_long(params, "limit")
        if limit is None:
            limit = 500
        if not 1 <= limit <= 1000:
            raise ApiError(-1130, "Data sent for parameter 'limit' is not valid.")
        closed = self.venue.bars[:self.venue.current]
        if start is not None:
            chosen = [bar for bar in closed if bar.ts >= start and (end is None or bar.ts <= end)][:limit]
        else:
            chosen = [bar for bar in closed if end is None or bar.ts <= end][-limit:]
        return [self.server.kline_row(bar) for bar in chosen]

    # ---- rest-api.md "Account Endpoints" ----

    def account(self, params):
        """rest-api.md "Account information (USER_DATA)"."""
        venue = self.venue
        rows = venue.balance_rows()
        omit = params.get("omitZeroBalances")
        if omit not in (None, "", "true", "false"):
            raise illegal("omitZeroBalances", "^(true|false)$")
        if omit == "true":
            rows = [row for row in rows if Decimal(row["free"]) != 0 or Decimal(row["locked"]) != 0]
        bps = self.server.settings.commission_bps
        commission = int(bps) if bps == bps.to_integral_value() else float(bps)  # JSON number as Binance gives
        rate = fmt(venue.fee_rate)
        return {"makerCommission": commission, "takerCommission": commission, "buyerCommission": 0,
                "sellerCommission": 0,
                "commissionRates": {"maker": rate, "taker": rate, "buyer": fmt(ZERO), "seller": fmt(ZERO)},
                "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
                "requireSelfTradePrevention": False, "preventSor": False, "updateTime": self.server.now_ms(),
                "accountType": "SPOT", "balances": rows, "permissions": ["SPOT"], "uid": 1}

    def query_order(self, params):
        """rest-api.md "Query order (USER_DATA)"."""
        order = self.find_order(params)
        if order is None:
            raise ApiError(*NO_SUCH_ORDER)
        return self.venue.order_query(order)

    def open_orders(self, params):
        """rest-api.md "Current open orders (USER_DATA)"."""
        self.check_symbol(params, required=False)
        return [self.venue.order_query(self.venue.orders[order_id]) for order_id in self.venue.working]

    def my_trades(self, params):
        """rest-api.md "Account trade list (USER_DATA)"."""
        self.check_symbol(params)
        order_id = parse_long(params, "orderId")
        start = parse_long(params, "startTime")
        end = parse_long(params, "endTime")
        from_id = parse_long(params, "fromId")
        limit = parse_long(params, "limit")
        limit = 500 if limit is None else limit
        if not 1 <= limit <= 1000:
            raise ApiError(-1130, "Data sent for parameter 'limit' is not valid.")
        if from_id is not None and (start is not None or end is not None):
            raise ApiError(-1128, "Combination of optional parameters invalid.")
        if start is not None and end is not None and end - start > 24 * 3600 * 1000:
            raise ApiError(-1127, "More than 24 hours between startTime and endTime.")
        trades = [(o, f) for o, f in self.venue.trades if order_id is None or o.order_id == order_id]
        if from_id is not None:
            trades = [(o, f) for o, f in trades if f.trade_id >= from_id][:limit]
        elif start is not None:
            trades = [(o, f) for o, f in trades if f.time >= start and (end is None or f.time <= end)][:limit]
        else:
            trades = [(o, f) for o, f in trades if end is None or f.time <= end][-limit:]
        return [self.venue.trade_json(o, f) for o, f in trades]

    # ---- rest-api.md "Trading endpoints" ----

    def find_order(self, params):
        self.check_symbol(params)
        order_id = parse_long(params, "orderId")
        client_order_id = params.get("origClientOrderId") or None
        if order_id is None and client_order_id is None:
            raise ApiError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        return self.venue.find(order_id, client_order_id)

    def cancel_order(self, params):
        """rest-api.md "Cancel order (TRADE)"."""
        restriction = params.get("cancelRestrictions")
        if restriction not in (None, "ONLY_NEW", "ONLY_PARTIALLY_FILLED"):
            raise ApiError(-1145, "Invalid cancelRestrictions")
        cancel_id = params.get("newClientOrderId")
        if cancel_id is not None and not CLIENT_ORDER_ID.match(cancel_id):
            raise illegal("newClientOrderId", CLIENT_ORDER_ID_RANGE)
        order = self.find_order(params)
        if order is None:
            raise ApiError(-2011, "Unknown order sent.")
        if restriction is not None and order.status != restriction[len("ONLY_"):]:
            raise ApiError(-2011, "Order was not canceled due to cancel restrictions.")
        cancel_id = cancel_id or f"x-fake-cancel-{order.order_id}"
        self.venue.cancel(order, cancel_id)
        return self.venue.cancel_result(order, cancel_id)

    def new_order(self, params):
        """rest-api.md "New order (TRADE)": validation in the order Binance reports problems."""
        self.check_symbol(params)
        side = params.get("side")
        if not side:
            raise missing("side")
        if side not in ("BUY", "SELL"):
            raise ApiError(-1117, "Invalid side.")
        order_type = params.get("type")
        if not order_type:
            raise missing("type")
        if order_type in ("TAKE_PROFIT", "TAKE_PROFIT_LIMIT"):
            # errors.md "Messages for ... -2010": the symbol does not enable the type.
            kind = "Take profit limit" if order_type == "TAKE_PROFIT_LIMIT" else "Take profit"
            raise order_rejected(f"{kind} orders are not supported for this symbol.")
        if order_type not in ("LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "LIMIT_MAKER"):
            raise ApiError(-1116, "Invalid orderType.")
        self.refuse_unmodelled(params)
        has_price = order_type in ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT")
        has_stop = order_type in ("STOP_LOSS", "STOP_LOSS_LIMIT")
        has_tif = order_type in ("LIMIT", "STOP_LOSS_LIMIT")
        for name, needed in (("timeInForce", has_tif), ("price", has_price), ("stopPrice", has_stop)):
            if needed and not params.get(name):
                raise missing(name)
            if not needed and params.get(name):
                raise ApiError(-1106, f"Parameter '{name}' sent when not required.")  # errors.md "-1106"
        time_in_force = params.get("timeInForce") or "GTC"
        if time_in_force not in ("GTC", "IOC", "FOK"):
            raise ApiError(-1115, "Invalid timeInForce.")
        quantity = parse_decimal(params, "quantity", required=True)
        price = parse_decimal(params, "price") or ZERO
        stop_price = parse_decimal(params, "stopPrice") or ZERO
        response_type = params.get("newOrderRespType") or ("FULL" if order_type in ("MARKET", "LIMIT") else "ACK")
        if response_type not in ("ACK", "RESULT", "FULL"):
            raise illegal("newOrderRespType", "^(ACK|RESULT|FULL)$")
        client_order_id = params.get("newClientOrderId")
        if client_order_id is not None and not CLIENT_ORDER_ID.match(client_order_id):
            raise illegal("newClientOrderId", CLIENT_ORDER_ID_RANGE)
        self.check_filters(order_type, quantity, price, stop_price)
        order = self.venue.place(side, order_type, time_in_force, quantity, price, stop_price, client_order_id)
        self.server.count_order()
        return self.venue.order_result(order, response_type)

    @staticmethod
    def refuse_unmodelled(params):
        """Documented order features the fake's symbol does not enable (exchangeInfo says so too)."""
        if params.get("quoteOrderQty"):
            raise order_rejected("Quote order qty market orders are not support for this symbol.")
        if params.get("icebergQty"):
            raise order_rejected("Iceberg orders are not supported for this symbol.")
        if params.get("trailingDelta"):
            raise order_rejected("Trailing stop orders are not supported for this symbol.")
        if params.get("pegPriceType") or params.get("pegOffsetValue") or params.get("pegOffsetType"):
            raise order_rejected("Pegged orders are not supported for this symbol.")
        mode = params.get("selfTradePreventionMode")
        if mode not in (None, "", "NONE"):
            raise ApiError(-1013, "This symbol does not allow the specified self-trade prevention mode.")

    def check_filters(self, order_type, quantity, price, stop_price):
        """filters.md PRICE_FILTER (price and stopPrice), LOT_SIZE, NOTIONAL (market orders at the last price)."""
        venue = self.venue
        for value in (price, stop_price):
            if value != 0 and (value < venue.tick_size or not on_step(value, venue.tick_size)):
                raise filter_failure("PRICE_FILTER")
        if order_type in ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT") and price <= 0:
            raise filter_failure("PRICE_FILTER")
        if quantity < venue.lot_size or quantity > Decimal(9000000) or not on_step(quantity, venue.lot_size):
            raise filter_failure("LOT_SIZE")
        reference = price if price != 0 else stop_price if stop_price != 0 else venue.last_price()
        if reference * quantity < venue.min_notional or (price != 0 and price * quantity > MAX_NOTIONAL):
            raise filter_failure("NOTIONAL")
