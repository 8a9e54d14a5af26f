"""Where one working order trades within one bar: the intra-bar rules of the project's `sim` exchange.

A line-by-line port of plugins/exchanges/sim/sim_matching.cpp (docs/sim-exchange.md "Intra-bar
rules"), with slippage fixed at zero: the fake must fill exactly where a backtest does. Pure
functions over decimal.Decimal, never float.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Optional

BUY = "BUY"
SELL = "SELL"
MAKER = "MAKER"
TAKER = "TAKER"


@dataclass(frozen=True)
class Bar:
    ts: int  # open time, ms UTC
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True)
class Execution:
    price: Decimal
    liquidity: str  # MAKER or TAKER


@dataclass(frozen=True)
class BarMatch:
    triggers: bool = False  # a stop order reached its stop price on this bar
    takes_at_open: bool = False  # a post-only order arriving on this bar would take at the open
    execution: Optional[Execution] = None  # where it may trade; None when it cannot


@dataclass(frozen=True)
class MatchingOrder:
    side: str
    is_stop: bool  # STOP_LOSS or STOP_LOSS_LIMIT
    has_limit: bool  # LIMIT, LIMIT_MAKER or STOP_LOSS_LIMIT
    post_only: bool  # LIMIT_MAKER
    limit_price: Decimal
    stop_price: Decimal
    triggered: bool  # a stop order triggered on an earlier bar
    arriving: bool  # this is the first bar the order meets (it reaches the book at the open)


def round_to_tick(price, tick, rounding):
    if tick == 0:
        return price
    return (price / tick).to_integral_value(rounding=rounding) * tick


def taker_price(side, reference, tick):
    """sim's Slippage::apply with 0 bps: the reference still goes to the tick, against the taker."""
    return round_to_tick(reference, tick, ROUND_CEILING if side == BUY else ROUND_FLOOR)


def marketable(side, price, limit):
    return price <= limit if side == BUY else price >= limit


def best_reached(side, bar):
    return bar.low if side == BUY else bar.high


def trigger_price(side, stop, bar):
    """A buy stop triggers when the high reaches it, a sell stop when the low does; a gap beyond
    the stop triggers at the open."""
    if side == BUY:
        if bar.high < stop:
            return None
        return max(bar.open, stop)
    if bar.low > stop:
        return None
    return min(bar.open, stop)


def limit_execution(side, limit, first_price, first_liquidity, bar):
    if marketable(side, first_price, limit):
        return Execution(first_price, first_liquidity)
    if marketable(side, best_reached(side, bar), limit):
        return Execution(limit, MAKER)
    return None


def match_on_bar(order, bar, tick):
    start = bar.open
    starts_this_bar = order.arriving
    triggers = False
    if order.is_stop and not order.triggered:
        trigger = trigger_price(order.side, order.stop_price, bar)
        if trigger is None:
            return BarMatch()
        triggers = True
        start = trigger
        starts_this_bar = True

    if not order.has_limit:
        return BarMatch(triggers=triggers, execution=Execution(taker_price(order.side, start, tick), TAKER))
    if order.post_only and order.arriving and marketable(order.side, bar.open, order.limit_price):
        return BarMatch(triggers=triggers, takes_at_open=True)
    # An order reaching the book marketable takes liquidity; one already resting there that the
    # open gaps through is still the maker (and gets the open, as in an opening auction).
    first_liquidity = TAKER if starts_this_bar and not order.post_only else MAKER
    return BarMatch(
        triggers=triggers,
        execution=limit_execution(order.side, order.limit_price, start, first_liquidity, bar),
    )
