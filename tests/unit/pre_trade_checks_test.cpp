// Pre-trade checks: each denial with the message a user sees, and an order that passes.
// Instrument for every case: tick 0.01, lot 0.001, min notional 10; last price 100; cash 10000.

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "engine/pre_trade_checks.hpp"

namespace smoops::engine {
namespace {

Price px(const char* text) { return Price::parse_or_throw(text); }
Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }
Money money(const char* text) { return Money::parse_or_throw(text); }

class PreTradeChecks : public ::testing::Test {
 protected:
  PreTradeChecks() {
    instrument.symbol = "BTC/USDT";
    instrument.tick_size = px("0.01");
    instrument.lot_size = qty("0.001");
    instrument.min_notional = money("10");
    account.cash = money("10000");
    account.last_price = px("100");
  }

  static OrderRequest market(Side side, const char* quantity) {
    OrderRequest r;
    r.side = side;
    r.type = OrderType::Market;
    r.quantity = qty(quantity);
    return r;
  }
  static OrderRequest limit(Side side, const char* quantity, const char* price) {
    OrderRequest r = market(side, quantity);
    r.type = OrderType::Limit;
    r.limit_price = px(price);
    return r;
  }

  std::optional<std::string> check(const OrderRequest& r) const { return check_order(r, instrument, limits, account); }
  // The denial's message, or "passed".
  std::string verdict(const OrderRequest& r) const { return check(r).value_or("passed"); }

  Instrument instrument;
  config::RiskLimits limits;
  AccountSnapshot account;
};

TEST_F(PreTradeChecks, AWellFormedOrderWithinLimitsPasses) {
  limits.max_position = qty("10");
  limits.max_order_notional = money("5000");
  limits.max_open_orders = 5;
  EXPECT_EQ(check(market(Side::Buy, "1.5")), std::nullopt);
  EXPECT_EQ(check(limit(Side::Sell, "0.25", "101.25")), std::nullopt);
}

TEST_F(PreTradeChecks, KillSwitchDeniesEverything) {
  limits.kill_switch = true;
  EXPECT_EQ(verdict(market(Side::Buy, "1")), "kill switch is on");
  EXPECT_EQ(verdict(market(Side::Sell, "1")), "kill switch is on");
}

TEST_F(PreTradeChecks, AHaltedBotIsDenied) {
  account.halt_reason = "max daily loss reached";
  EXPECT_EQ(verdict(market(Side::Buy, "1")), "bot is halted: max daily loss reached");
}

TEST_F(PreTradeChecks, ZeroOrNegativeQuantityIsDenied) {
  EXPECT_EQ(verdict(market(Side::Buy, "0")), "quantity must be positive, got 0");
  EXPECT_EQ(verdict(market(Side::Buy, "-1")), "quantity must be positive, got -1");
}

TEST_F(PreTradeChecks, QuantityOffTheLotSizeIsDenied) {
  EXPECT_EQ(verdict(market(Side::Buy, "0.1505")), "quantity 0.1505 is not a multiple of the lot size 0.001");
}

TEST_F(PreTradeChecks, LimitOrderWithoutALimitPriceIsDenied) {
  OrderRequest r = market(Side::Buy, "1");
  r.type = OrderType::Limit;
  EXPECT_EQ(verdict(r), "limit price must be positive, got 0");
  r.limit_price = px("-5");
  EXPECT_EQ(verdict(r), "limit price must be positive, got -5");
}

TEST_F(PreTradeChecks, LimitPriceOffTheTickIsDenied) {
  EXPECT_EQ(verdict(limit(Side::Buy, "1", "100.005")), "limit price 100.005 is not a multiple of the tick size 0.01");
}

TEST_F(PreTradeChecks, StopOrdersWithoutAStopPriceAreDenied) {
  OrderRequest stop_market = market(Side::Sell, "1");
  stop_market.type = OrderType::StopMarket;
  EXPECT_EQ(verdict(stop_market), "stop price must be positive, got 0");
  OrderRequest stop_limit = limit(Side::Sell, "1", "95");
  stop_limit.type = OrderType::StopLimit;
  EXPECT_EQ(verdict(stop_limit), "stop price must be positive, got 0");
  stop_limit.stop_price = px("96.001");
  EXPECT_EQ(verdict(stop_limit), "stop price 96.001 is not a multiple of the tick size 0.01");
  stop_limit.stop_price = px("96");
  EXPECT_EQ(verdict(stop_limit), "passed");
}

TEST_F(PreTradeChecks, StopLimitWithoutALimitPriceIsDenied) {
  OrderRequest r = market(Side::Sell, "1");
  r.type = OrderType::StopLimit;
  r.stop_price = px("96");
  EXPECT_EQ(verdict(r), "limit price must be positive, got 0");
}

TEST_F(PreTradeChecks, MarketOrderWithALimitOrStopPriceIsDenied) {
  OrderRequest r = market(Side::Buy, "1");
  r.limit_price = px("100");
  EXPECT_EQ(verdict(r), "a market order takes no limit price");
  r.limit_price = Price();
  r.stop_price = px("100");
  EXPECT_EQ(verdict(r), "a market order takes no stop price");
  OrderRequest l = limit(Side::Buy, "1", "100");
  l.stop_price = px("99");
  EXPECT_EQ(verdict(l), "a limit order takes no stop price");
}

TEST_F(PreTradeChecks, PostOnlyIsForLimitOrdersOnly) {
  OrderRequest r = market(Side::Buy, "1");
  r.time_in_force = TimeInForce::PostOnly;
  EXPECT_EQ(verdict(r), "post-only applies to limit orders only");
  OrderRequest l = limit(Side::Buy, "1", "99");
  l.time_in_force = TimeInForce::PostOnly;
  EXPECT_EQ(verdict(l), "passed");
}

TEST_F(PreTradeChecks, NotionalBelowTheInstrumentMinimumIsDenied) {
  // 0.099 × 100 = 9.9 < 10; 0.1 × 100 = 10 is exactly the minimum and passes.
  EXPECT_EQ(verdict(market(Side::Buy, "0.099")), "notional 9.9 is below the instrument's min notional 10");
  EXPECT_EQ(verdict(market(Side::Buy, "0.1")), "passed");
}

TEST_F(PreTradeChecks, MinNotionalIsJudgedAtTheLimitPrice) {
  // 0.1 at limit 99 = 9.9 < 10, although 0.1 at the last price 100 would be 10.
  EXPECT_EQ(verdict(limit(Side::Buy, "0.1", "99")), "notional 9.9 is below the instrument's min notional 10");
}

TEST_F(PreTradeChecks, NotionalAboveMaxOrderNotionalIsDenied) {
  limits.max_order_notional = money("1000");
  // 10.001 × 100 = 1000.1 > 1000; 10 × 100 = 1000 passes.
  EXPECT_EQ(verdict(market(Side::Buy, "10.001")), "notional 1000.1 exceeds max_order_notional 1000");
  EXPECT_EQ(verdict(market(Side::Buy, "10")), "passed");
}

TEST_F(PreTradeChecks, OneOrderTooManyIsDenied) {
  limits.max_open_orders = 3;
  account.open_orders = 3;
  EXPECT_EQ(verdict(market(Side::Buy, "1")), "would exceed max_open_orders 3");
  account.open_orders = 2;
  EXPECT_EQ(verdict(market(Side::Buy, "1")), "passed");
}

TEST_F(PreTradeChecks, MaxPositionCountsWorkingBuysOnTheSameSide) {
  limits.max_position = qty("1");
  account.position = qty("0.5");
  account.open_buy_quantity = qty("0.3");
  // 0.5 + 0.3 + 0.3 = 1.1 > 1; with 0.2 it is exactly 1 and passes.
  EXPECT_EQ(verdict(market(Side::Buy, "0.3")), "position would reach 1.1, beyond max_position 1");
  EXPECT_EQ(verdict(market(Side::Buy, "0.2")), "passed");
}

TEST_F(PreTradeChecks, MaxPositionDoesNotNetWorkingOrdersOfTheOtherSide) {
  limits.max_position = qty("1");
  account.position = qty("0.5");
  account.open_sell_quantity = qty("2");  // might be canceled: not counted in the buy's favour
  EXPECT_EQ(verdict(market(Side::Buy, "0.6")), "position would reach 1.1, beyond max_position 1");
}

TEST_F(PreTradeChecks, MaxPositionCountsWorkingSellsForAShort) {
  limits.max_position = qty("1");
  account.position = qty("0.5");
  account.open_sell_quantity = qty("0.3");
  // 0.5 − 0.3 − 1.3 = −1.1, |−1.1| > 1.
  EXPECT_EQ(verdict(market(Side::Sell, "1.3")), "position would reach -1.1, beyond max_position 1");
  EXPECT_EQ(verdict(market(Side::Sell, "1.2")), "passed");  // −1 exactly
}

TEST_F(PreTradeChecks, BuyBeyondCashLessWorkingBuysIsDenied) {
  account.cash = money("1000");
  account.open_buy_notional = money("600");
  // 5 × 100 = 500 > 1000 − 600 = 400; 4 × 100 = 400 passes.
  EXPECT_EQ(verdict(limit(Side::Buy, "5", "100")), "insufficient cash: order notional 500, available 400");
  EXPECT_EQ(verdict(limit(Side::Buy, "4", "100")), "passed");
}

TEST_F(PreTradeChecks, SellsNeedNoCash) {
  account.cash = Money();
  EXPECT_EQ(verdict(market(Side::Sell, "1")), "passed");
}

TEST_F(PreTradeChecks, MarketOrderBeforeAnyPriceIsDenied) {
  account.last_price = Price();
  EXPECT_EQ(verdict(market(Side::Buy, "1")), "no price yet to value a market order");
  EXPECT_EQ(verdict(limit(Side::Buy, "1", "100")), "passed");  // a limit order carries its own price
}

TEST_F(PreTradeChecks, ReferencePriceIsTheLimitThenTheStopThenTheLastPrice) {
  EXPECT_EQ(reference_price(OrderType::Limit, px("99"), Price(), px("100")), px("99"));
  EXPECT_EQ(reference_price(OrderType::StopLimit, px("99"), px("98"), px("100")), px("99"));
  EXPECT_EQ(reference_price(OrderType::StopMarket, Price(), px("98"), px("100")), px("98"));
  EXPECT_EQ(reference_price(OrderType::Market, Price(), Price(), px("100")), px("100"));
}

}  // namespace
}  // namespace smoops::engine
