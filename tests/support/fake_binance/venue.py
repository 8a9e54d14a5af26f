"""The fake's one account on one symbol: orders, fills, balances, and their Binance JSON shapes.

Orders meet bars as the project's `sim` exchange has them meet bars (docs/sim-exchange.md
"Timing: orders meet the next bar"; plugins/exchanges/sim/sim_exchange.cpp `match`): an order
placed while bar i is the current bar is matched against bar i when bar i closes. Where a fill
happens and at what price is matching.py; how much fills, time in force, fees and balances are
here. Every amount is a decimal.Decimal; money is rounded half-to-even to 10^-8 exactly where the
sim rounds it (notional, then fee), so fills, fees and balances equal a backtest's.
"""

import decimal
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import List, Optional

import matching
from errors import ApiError, order_rejected
from matching import BUY, MAKER, SELL, MatchingOrder

# Products of two 8-decimal values need up to ~40 significant digits; never let Decimal round them.
decimal.getcontext().prec = 60

EIGHT_DECIMALS = Decimal("0.00000001")
ZERO = Decimal(0)

STOP_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT")
LIMIT_TYPES = ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT")
# Order statuses that end an order (enums.md "Order status").
FINAL_STATUSES = ("FILLED", "CANCELED", "REJECTED", "EXPIRED")


def money(value):
    """A quote amount as the sim keeps it: half-to-even to 10^-8 (smoops::notional / apply_rate)."""
    return value.quantize(EIGHT_DECIMALS, rounding=ROUND_HALF_EVEN)


def fmt(value):
    """Binance's decimal strings: 8 decimals, never exponent notation."""
    return f"{value.quantize(EIGHT_DECIMALS):f}"


@dataclass
class Fill:
    trade_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    is_maker: bool
    time: int


@dataclass
class Order:
    order_id: int
    client_order_id: str
    side: str
    type: str
    time_in_force: str
    orig_qty: Decimal
    price: Decimal  # 0 when the type has none
    stop_price: Decimal  # 0 when the type has none
    time: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0
    working_time: int = -1
    arrived: bool = False  # has met its first bar
    triggered: bool = False  # a stop that reached its stop price
    fills: List[Fill] = field(default_factory=list)

    @property
    def remaining(self):
        return self.orig_qty - self.executed_qty

    @property
    def is_stop(self):
        return self.type in STOP_TYPES

    @property
    def has_limit(self):
        return self.type in LIMIT_TYPES

    @property
    def finished(self):
        return self.status in FINAL_STATUSES

    @property
    def on_book(self):
        """executionReport "w": a limit order resting, or a stop-limit that has triggered."""
        return not self.finished and self.has_limit and (not self.is_stop or self.triggered)


class Venue:
    """State and rules of the account. `emit(event)` receives every user-data-stream event
    (the "event" object of user-data-stream.md) in the order they happen."""

    def __init__(self, symbol, base, quote, tick_size, lot_size, min_notional, commission_bps, bars,
                 start_bar, balances, now_ms, emit):
        self.symbol = symbol
        self.base = base
        self.quote = quote
        self.tick_size = tick_size
        self.lot_size = lot_size
        self.min_notional = min_notional
        self.fee_rate = commission_bps / Decimal(10000)
        self.bars = bars
        self.current = start_bar  # index of the open bar; bars before it are closed
        self.balances = dict(balances)
        self.balances.setdefault(base, ZERO)
        self.balances.setdefault(quote, ZERO)
        self.now_ms = now_ms
        self.emit = emit
        self.partial_fills = False
        self.market_orders_fill_at_once = False  # --market-orders-fill-at-once
        self.orders = {}  # orderId -> Order, every order ever accepted
        self.by_client_id = {}  # clientOrderId -> orderId
        self.working = []  # orderIds of working orders, in submission order
        self.submissions = {}  # clientOrderId -> how many POST /api/v3/order carried it
        self.rejected_ids = []  # clientOrderIds that were only ever refused, in first-seen order
        self.trades = []  # (Order, Fill) in the order they happened
        self.next_order_id = 1
        self.next_trade_id = 1
        self.next_execution_id = 1

    # ---- market ----

    @property
    def current_bar(self) -> Optional[matching.Bar]:
        return self.bars[self.current] if self.current < len(self.bars) else None

    def last_price(self):
        """The price the market is at now: the current bar's open (it has begun), else the last close."""
        if self.current_bar is not None:
            return self.current_bar.open
        return self.bars[-1].close if self.bars else ZERO

    # ---- balances ----

    def fee(self, value):
        return money(value * self.fee_rate)

    def reserve(self, order, quantity):
        """What a working order holds (docs/sim-exchange.md "Fees, fills and balances", plus the
        taker fee a buy may pay): a buy its notional at the price it may pay, a sell its quantity."""
        if order.side == SELL:
            return self.base, quantity
        if order.has_limit:
            price = order.price
        elif order.is_stop:
            price = order.stop_price
        else:
            price = matching.taker_price(BUY, self.last_price(), self.tick_size)
        value = money(price * quantity)
        return self.quote, value + self.fee(value)

    def locked(self, asset):
        total = ZERO
        for order_id in self.working:
            order = self.orders[order_id]
            held_asset, amount = self.reserve(order, order.remaining)
            if held_asset == asset:
                total += amount
        return total

    def balance_rows(self):
        """account "balances" rows (rest-api.md "Account information (USER_DATA)")."""
        return [{"asset": asset, "free": fmt(total - self.locked(asset)), "locked": fmt(self.locked(asset))}
                for asset, total in self.balances.items()]

    def emit_account_position(self):
        # user-data-stream.md "Account Update"
        now = self.now_ms()
        self.emit({"e": "outboundAccountPosition", "E": now, "u": now,
                   "B": [{"a": row["asset"], "f": row["free"], "l": row["locked"]} for row in self.balance_rows()]})

    # ---- orders ----

    def count_submission(self, client_order_id):
        if client_order_id:
            self.submissions[client_order_id] = self.submissions.get(client_order_id, 0) + 1

    def note_refused(self, client_order_id):
        if client_order_id and client_order_id not in self.by_client_id and client_order_id not in self.rejected_ids:
            self.rejected_ids.append(client_order_id)

    def place(self, side, order_type, time_in_force, quantity, price, stop_price, client_order_id):
        """Accepts an order whose parameters are valid, or raises the matching engine's -2010."""
        if client_order_id in self.by_client_id:
            raise order_rejected("Duplicate order sent.")
        order = Order(order_id=self.next_order_id, client_order_id=client_order_id, side=side, type=order_type,
                      time_in_force=time_in_force, orig_qty=quantity, price=price, stop_price=stop_price,
                      time=self.now_ms())
        # docs/sim-exchange.md: a post-only order that is marketable at the open of the bar it meets
        # would take. That bar is the current one, whose open is known now, so the answer is given
        # at once, as Binance does (errors.md "Order would immediately match and take.").
        bar = self.current_bar
        if order_type == "LIMIT_MAKER" and bar is not None and matching.marketable(side, bar.open, price):
            raise order_rejected("Order would immediately match and take.")
        asset, needed = self.reserve(order, quantity)
        if needed > self.balances[asset] - self.locked(asset):
            raise order_rejected("Account has insufficient balance for requested action.")
        if not client_order_id:
            order.client_order_id = f"x-fake-{order.order_id}"
        self.next_order_id += 1
        order.update_time = order.time
        if not order.is_stop:
            order.working_time = order.time
        self.orders[order.order_id] = order
        self.by_client_id[order.client_order_id] = order.order_id
        self.working.append(order.order_id)
        self.report(order, "NEW")
        if order_type == "MARKET" and self.market_orders_fill_at_once and bar is not None and not self.partial_fills:
            # --market-orders-fill-at-once: a market order takes at once, as on Binance, at the price
            # of the moment: the open of the current bar, the price the sim gives it
            # (docs/sim-exchange.md). Its fill then reaches the client before that bar closes, as on
            # the venue, so a strategy sees it before the next bar, as in a backtest.
            self.match(order, bar)
            if order.finished:
                self.working.remove(order.order_id)
        self.emit_account_position()
        return order

    def find(self, order_id=None, client_order_id=None):
        """rest-api.md "Query order": orderId first, then origClientOrderId must agree with it."""
        if order_id is not None:
            order = self.orders.get(order_id)
            if order is None or (client_order_id is not None and order.client_order_id != client_order_id):
                return None
            return order
        found = self.by_client_id.get(client_order_id)
        return self.orders[found] if found is not None else None

    def cancel(self, order, cancel_client_order_id):
        if order.finished:
            raise ApiError(-2011, "Unknown order sent.")  # errors.md "-2011 CANCEL_REJECTED"
        self.finish(order, "CANCELED", cancel_client_order_id=cancel_client_order_id)
        self.emit_account_position()

    # ---- bars ----

    def close_bar(self):
        """Matches every working order against the current bar, then closes it. Returns the bar."""
        bar = self.current_bar
        if bar is None:
            return None
        balances_before = dict(self.balances), self.locked(self.base), self.locked(self.quote)
        # Orders placed from inside this loop (none: REST is served between bars) would meet the next bar.
        for order_id in list(self.working):
            self.match(self.orders[order_id], bar)
        self.working = [order_id for order_id in self.working if not self.orders[order_id].finished]
        self.current += 1
        if balances_before != (dict(self.balances), self.locked(self.base), self.locked(self.quote)):
            self.emit_account_position()
        return bar

    def match(self, order, bar):
        """sim_exchange.cpp SimExchange::match, one order on one bar, without a volume cap."""
        if order.finished:
            return
        at_once = order.time_in_force in ("IOC", "FOK")
        if at_once and order.arrived and (not order.is_stop or order.triggered):
            self.expire(order)
            return
        request = MatchingOrder(side=order.side, is_stop=order.is_stop, has_limit=order.has_limit,
                                post_only=order.type == "LIMIT_MAKER", limit_price=order.price,
                                stop_price=order.stop_price, triggered=order.triggered, arriving=not order.arrived)
        order.arrived = True
        result = matching.match_on_bar(request, bar, self.tick_size)
        if result.takes_at_open:
            # Only reachable for an order placed when no bar was current (the answer was NEW then).
            self.finish(order, "REJECTED", reject_reason="WOULD_MATCH_IMMEDIATELY")
            return
        if result.triggers:
            # A triggered stop goes to work: Binance reports it again as NEW, now on the book.
            order.triggered = True
            order.working_time = self.now_ms()
            order.update_time = order.working_time
            self.report(order, "NEW")
        if order.is_stop and not order.triggered:
            return
        quantity = ZERO
        if result.execution is not None:
            quantity = order.remaining
            if self.partial_fills:
                # The fault `partial_fills`: at most half the remaining per bar (whole lots).
                half = (order.remaining / 2 / self.lot_size).to_integral_value(rounding=ROUND_FLOOR) * self.lot_size
                quantity = half if half > 0 else order.remaining
        if order.time_in_force == "FOK" and quantity < order.remaining:
            quantity = ZERO
        if quantity > 0:
            self.fill(order, result.execution, quantity, bar.ts)
        if not order.finished and at_once:
            self.expire(order)

    def fill(self, order, execution, quantity, bar_ts):
        value = money(execution.price * quantity)
        fee = self.fee(value)
        fill = Fill(trade_id=self.next_trade_id, price=execution.price, qty=quantity, quote_qty=value,
                    commission=fee, is_maker=execution.liquidity == MAKER, time=bar_ts)
        self.next_trade_id += 1
        if order.side == BUY:
            self.balances[self.quote] -= value + fee
            self.balances[self.base] += quantity
        else:
            self.balances[self.quote] += value - fee
            self.balances[self.base] -= quantity
        order.executed_qty += quantity
        order.cum_quote += value
        order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        order.update_time = self.now_ms()
        order.fills.append(fill)
        self.trades.append((order, fill))
        self.report(order, "TRADE", fill=fill)

    def expire(self, order):
        # user-data-stream.md "Order Expiry Reason"
        reason = "UNFILLED_IOC_QUANTITY_EXPIRED" if order.time_in_force == "IOC" else "UNFILLED_FOK_ORDER_EXPIRED"
        self.finish(order, "EXPIRED", expiry_reason=reason)

    def finish(self, order, status, cancel_client_order_id=None, reject_reason="NONE", expiry_reason=None):
        order.status = status
        order.update_time = self.now_ms()
        if order.order_id in self.working:
            self.working.remove(order.order_id)
        self.report(order, status, cancel_client_order_id=cancel_client_order_id, reject_reason=reject_reason,
                    expiry_reason=expiry_reason)

    # ---- JSON shapes ----

    def report(self, order, execution_type, fill=None, cancel_client_order_id=None, reject_reason="NONE",
               expiry_reason=None):
        """user-data-stream.md "Order Update" (executionReport)."""
        now = self.now_ms()
        client_id, original_id = order.client_order_id, ""
        if execution_type == "CANCELED":
            # Binance names the cancel request in "c" and the canceled order in "C".
            client_id, original_id = cancel_client_order_id, order.client_order_id
        event = {
            "e": "executionReport", "E": now, "s": self.symbol, "c": client_id, "S": order.side,
            "o": order.type, "f": order.time_in_force, "q": fmt(order.orig_qty), "p": fmt(order.price),
            "P": fmt(order.stop_price), "F": fmt(ZERO), "g": -1, "C": original_id, "x": execution_type,
            "X": order.status, "r": reject_reason, "i": order.order_id,
            "l": fmt(fill.qty if fill else ZERO), "z": fmt(order.executed_qty),
            "L": fmt(fill.price if fill else ZERO), "n": fmt(fill.commission) if fill else "0",
            "N": self.quote if fill else None, "T": fill.time if fill else now, "t": fill.trade_id if fill else -1,
            "I": self.next_execution_id, "w": order.on_book, "m": fill.is_maker if fill else False, "M": False,
            "O": order.time, "Z": fmt(order.cum_quote), "Y": fmt(fill.quote_qty if fill else ZERO),
            "Q": fmt(ZERO), "V": "NONE",
        }
        if order.working_time >= 0 and not order.finished:
            event["W"] = order.working_time
        if expiry_reason is not None:
            event["eR"] = expiry_reason
        self.next_execution_id += 1
        self.emit(event)

    def order_result(self, order, response_type):
        """rest-api.md "New order (TRADE)" responses ACK / RESULT / FULL."""
        body = {"symbol": self.symbol, "orderId": order.order_id, "orderListId": -1,
                "clientOrderId": order.client_order_id, "transactTime": order.time}
        if response_type == "ACK":
            return body
        body.update(self.order_fields(order))
        body["workingTime"] = order.working_time
        body["selfTradePreventionMode"] = "NONE"
        if response_type == "FULL":
            body["fills"] = [self.fill_json(fill) for fill in order.fills]
        return body

    def order_fields(self, order):
        fields = {"price": fmt(order.price), "origQty": fmt(order.orig_qty), "executedQty": fmt(order.executed_qty),
                  "origQuoteOrderQty": fmt(ZERO), "cummulativeQuoteQty": fmt(order.cum_quote),
                  "status": order.status, "timeInForce": order.time_in_force, "type": order.type, "side": order.side}
        if order.is_stop:
            # rest-api.md "Conditional fields in Order Responses": stopPrice for stop orders.
            fields["stopPrice"] = fmt(order.stop_price)
        return fields

    def fill_json(self, fill):
        return {"price": fmt(fill.price), "qty": fmt(fill.qty), "commission": fmt(fill.commission),
                "commissionAsset": self.quote, "tradeId": fill.trade_id}

    def order_query(self, order):
        """rest-api.md "Query order (USER_DATA)" and "Current open orders (USER_DATA)"."""
        body = {"symbol": self.symbol, "orderId": order.order_id, "orderListId": -1,
                "clientOrderId": order.client_order_id}
        body.update(self.order_fields(order))
        body.update({"stopPrice": fmt(order.stop_price), "icebergQty": fmt(ZERO), "time": order.time,
                     "updateTime": order.update_time, "isWorking": order.working_time >= 0,
                     "workingTime": order.working_time, "origQuoteOrderQty": fmt(ZERO),
                     "selfTradePreventionMode": "NONE"})
        return body

    def cancel_result(self, order, cancel_client_order_id):
        """rest-api.md "Cancel order (TRADE)" response."""
        body = {"symbol": self.symbol, "origClientOrderId": order.client_order_id, "orderId": order.order_id,
                "orderListId": -1, "clientOrderId": cancel_client_order_id, "transactTime": order.update_time}
        body.update(self.order_fields(order))
        body["selfTradePreventionMode"] = "NONE"
        return body

    def trade_json(self, order, fill):
        """rest-api.md "Account trade list (USER_DATA)"."""
        return {"symbol": self.symbol, "id": fill.trade_id, "orderId": order.order_id, "orderListId": -1,
                "price": fmt(fill.price), "qty": fmt(fill.qty), "quoteQty": fmt(fill.quote_qty),
                "commission": fmt(fill.commission), "commissionAsset": self.quote, "time": fill.time,
                "isBuyer": order.side == BUY, "isMaker": fill.is_maker, "isBestMatch": True}

    def state(self):
        """The control API's view of orders and trades (GET /fake/state)."""
        orders = []
        for order in self.orders.values():
            orders.append({"clientOrderId": order.client_order_id, "orderId": order.order_id,
                           "status": order.status, "side": order.side, "type": order.type,
                           "timeInForce": order.time_in_force, "origQty": fmt(order.orig_qty),
                           "executedQty": fmt(order.executed_qty), "cummulativeQuoteQty": fmt(order.cum_quote),
                           "price": fmt(order.price), "stopPrice": fmt(order.stop_price),
                           "submissions": self.submissions.get(order.client_order_id, 0)})
        for client_order_id in self.rejected_ids:
            if client_order_id not in self.by_client_id:
                orders.append({"clientOrderId": client_order_id, "orderId": None, "status": "REJECTED",
                               "submissions": self.submissions.get(client_order_id, 0)})
        trades = [{"id": fill.trade_id, "orderId": order.order_id, "clientOrderId": order.client_order_id,
                   "price": fmt(fill.price), "qty": fmt(fill.qty), "quoteQty": fmt(fill.quote_qty),
                   "commission": fmt(fill.commission), "commissionAsset": self.quote,
                   "isBuyer": order.side == BUY, "isMaker": fill.is_maker, "time": fill.time}
                  for order, fill in self.trades]
        return {"orders": orders, "trades": trades,
                "balances": {asset: fmt(total) for asset, total in self.balances.items()}}
