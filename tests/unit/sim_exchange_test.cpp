// The simulated exchange: when and at what price each order type fills on the bars that follow
// its submission, with fees, slippage, the volume cap and time in force.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sim_exchange.hpp"
#include "unit/sim_test_helpers.hpp"

namespace smoops::sim {
namespace {

// An exchange connected to a recorder, already past its first bar (orders submitted now are
// submitted "during bar 0" and first meet bar 1).
struct Sim {
  explicit Sim(SimConfig sim_config, const char* initial_cash = "10000") : exchange(sim_config) {
    ExchangeSession session;
    session.events = &events;
    session.instrument = btc_usdt();
    session.initial_cash = Money::parse_or_throw(initial_cash);
    exchange.connect(session);
    exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
  }
  void submit(const OrderSpec& spec) { exchange.submit(order(spec)); }

  RecordedEvents events;
  SimExchange exchange;
};

TEST(SimExchange, AcceptsAtOnceAndFillsAMarketOrderAtTheNextBarsOpen) {
  Sim sim(config());
  sim.submit({.id = "b1", .quantity = "2"});
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 accepted"});
  EXPECT_EQ(sim.events.updates.back().exchange_order_id, "sim-o1");
  sim.exchange.on_market_bar(bar(1, "101.5", "103", "99", "102"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 fill buy 2 @ 101.5 fee 0 taker"});
  const Fill& fill = sim.events.fills.back();
  EXPECT_EQ(fill.trade_id, "sim-t1");
  EXPECT_EQ(fill.ts, Timestamp::from_millis(60'000));
  EXPECT_TRUE(sim.exchange.open_orders().empty());
}

TEST(SimExchange, SlippageWorsensMarketFillsRoundedAgainstTheTakerToTheTick) {
  Sim sim(config("0", "0", "10"));
  sim.submit({.id = "b1"});
  sim.submit({.id = "s1", .side = Side::Sell});
  sim.events.take_lines();
  // 123.45 × 1.001 = 123.57345 → up to 123.58; 123.45 × 0.999 = 123.32655 → down to 123.32.
  sim.exchange.on_market_bar(bar(1, "123.45", "124", "123", "123.5"));
  EXPECT_EQ(sim.events.take_lines(),
            (Lines{"b1 fill buy 1 @ 123.58 fee 0 taker", "s1 fill sell 1 @ 123.32 fee 0 taker"}));
}

TEST(SimExchange, RoundsFeesHalfToEven) {
  Sim sim(config("0.001"));
  // Notionals 0.000015 and 0.000025 give fees of exactly 1.5 and 2.5 raw units: both round to 2.
  sim.submit({.id = "b1", .quantity = "0.0015"});
  sim.submit({.id = "b2", .quantity = "0.0025"});
  sim.exchange.on_market_bar(bar(1, "0.01", "0.01", "0.01", "0.01"));
  ASSERT_EQ(sim.events.fills.size(), 2u);
  EXPECT_EQ(sim.events.fills[0].fee.raw(), 2);
  EXPECT_EQ(sim.events.fills[1].fee.raw(), 2);
}

TEST(SimExchange, LimitBuyMarketableAtTheOpenTakesAtTheOpen) {
  Sim sim(config("0.002", "0.001"));
  sim.submit({.id = "b1", .type = OrderType::Limit, .limit = "100"});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "99", "101", "98", "100"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 fill buy 1 @ 99 fee 0.198 taker"});
}

TEST(SimExchange, LimitBuyReachedWithinTheBarMakesAtItsLimit) {
  Sim sim(config("0.002", "0.001"));
  sim.submit({.id = "b1", .type = OrderType::Limit, .limit = "97"});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "99", "101", "98", "100"));
  EXPECT_TRUE(sim.events.take_lines().empty());
  EXPECT_EQ(sim.exchange.open_orders().size(), 1u);
  sim.exchange.on_market_bar(bar(2, "99", "99", "96", "98"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 fill buy 1 @ 97 fee 0.097 maker"});
}

TEST(SimExchange, RestingLimitThatTheOpenGapsThroughFillsAtTheOpenAsMaker) {
  Sim sim(config("0.002", "0.001"));
  sim.submit({.id = "s1", .side = Side::Sell, .type = OrderType::Limit, .limit = "105"});
  sim.exchange.on_market_bar(bar(1, "100", "104", "99", "103"));
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(2, "106", "107", "105.5", "106"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"s1 fill sell 1 @ 106 fee 0.106 maker"});
}

TEST(SimExchange, LimitSellReachedWithinTheBarMakesAtItsLimit) {
  Sim sim(config("0.002", "0.001"));
  sim.submit({.id = "s1", .side = Side::Sell, .type = OrderType::Limit, .limit = "102"});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "100", "103", "99", "101"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"s1 fill sell 1 @ 102 fee 0.102 maker"});
}

TEST(SimExchange, PostOnlyThatWouldTakeAtTheOpenIsRejectedWhenItMeetsTheBook) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::Limit, .limit = "100", .time_in_force = TimeInForce::PostOnly});
  EXPECT_TRUE(sim.events.take_lines().empty());  // acknowledged only at the next open
  sim.exchange.on_market_bar(bar(1, "99.5", "101", "98", "100"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 rejected (post-only order would take liquidity)"});
  EXPECT_TRUE(sim.exchange.open_orders().empty());
}

TEST(SimExchange, PostOnlyThatRestsIsAcceptedAndFillsAsMaker) {
  Sim sim(config("0.002", "0.001"));
  sim.submit({.id = "b1", .type = OrderType::Limit, .limit = "99", .time_in_force = TimeInForce::PostOnly});
  sim.exchange.on_market_bar(bar(1, "100", "101", "98", "100"));
  EXPECT_EQ(sim.events.take_lines(), (Lines{"b1 accepted", "b1 fill buy 1 @ 99 fee 0.099 maker"}));
}

TEST(SimExchange, RejectsPostOnlyOnAnythingButALimitOrder) {
  Sim sim(config());
  sim.submit({.id = "b1", .time_in_force = TimeInForce::PostOnly});
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 rejected (post-only applies to limit orders only, not market)"});
  EXPECT_TRUE(sim.exchange.open_orders().empty());
}

TEST(SimExchange, StopMarketTriggersAtTheStopAndFillsThere) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::StopMarket, .stop = "105"});
  sim.exchange.on_market_bar(bar(1, "100", "104", "99", "103"));
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(2, "103", "106", "102", "105"));
  EXPECT_EQ(sim.events.take_lines(), (Lines{"b1 triggered", "b1 fill buy 1 @ 105 fee 0 taker"}));
}

TEST(SimExchange, StopMarketGappedThroughFillsAtTheOpenPlusSlippage) {
  Sim sim(config("0", "0", "10"));
  sim.submit({.id = "s1", .side = Side::Sell, .type = OrderType::StopMarket, .stop = "95"});
  sim.events.take_lines();
  // Opens at 90, below the stop: 90 × 0.999 = 89.91.
  sim.exchange.on_market_bar(bar(1, "90", "92", "88", "91"));
  EXPECT_EQ(sim.events.take_lines(), (Lines{"s1 triggered", "s1 fill sell 1 @ 89.91 fee 0 taker"}));
}

TEST(SimExchange, StopLimitWhoseLimitIsAtOrBeyondTheTriggerTakesAtTheTrigger) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::StopLimit, .limit = "106", .stop = "105"});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "100", "107", "99", "106"));
  EXPECT_EQ(sim.events.take_lines(), (Lines{"b1 triggered", "b1 fill buy 1 @ 105 fee 0 taker"}));
}

TEST(SimExchange, StopLimitBelowTheTriggerFillsAtItsLimitIfTheRestOfTheBarReachesIt) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::StopLimit, .limit = "103", .stop = "105"});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "100", "107", "99", "106"));
  EXPECT_EQ(sim.events.take_lines(), (Lines{"b1 triggered", "b1 fill buy 1 @ 103 fee 0 maker"}));
}

TEST(SimExchange, TriggeredStopLimitNotReachedRestsAsALimitOrder) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::StopLimit, .limit = "103", .stop = "105"});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "104", "107", "104", "106"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 triggered"});
  sim.exchange.on_market_bar(bar(2, "102", "104", "101", "103"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 fill buy 1 @ 102 fee 0 maker"});
}

TEST(SimExchange, VolumeCapSharesEachBarsVolumeAcrossOrdersInSubmissionOrder) {
  SimConfig capped = config();
  capped.max_volume_share = Ratio::parse_or_throw("0.1");
  Sim sim(capped);
  sim.submit({.id = "b1", .quantity = "3"});
  sim.submit({.id = "b2", .quantity = "1"});
  sim.events.take_lines();
  // 10% of 25.0009 = 2.50009, floored to the 0.001 lot: 2.5.
  sim.exchange.on_market_bar(bar(1, "100", "100", "100", "100", "25.0009"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 fill buy 2.5 @ 100 fee 0 taker"});
  sim.exchange.on_market_bar(bar(2, "101", "101", "101", "101", "10"));
  EXPECT_EQ(sim.events.take_lines(),
            (Lines{"b1 fill buy 0.5 @ 101 fee 0 taker", "b2 fill buy 0.5 @ 101 fee 0 taker"}));
  EXPECT_EQ(sim.exchange.open_orders().at(0).filled_quantity, Quantity::parse_or_throw("0.5"));
  sim.exchange.on_market_bar(bar(3, "102", "102", "102", "102", "10"));
  EXPECT_EQ(sim.events.take_lines(), Lines{"b2 fill buy 0.5 @ 102 fee 0 taker"});
  EXPECT_TRUE(sim.exchange.open_orders().empty());
}

TEST(SimExchange, ImmediateOrCancelFillsWhatItCanOnItsFirstBarAndExpiresTheRest) {
  SimConfig capped = config();
  capped.max_volume_share = Ratio::parse_or_throw("0.1");
  Sim sim(capped);
  sim.submit({.id = "b1", .quantity = "3", .time_in_force = TimeInForce::IOC});
  sim.submit({.id = "b2", .type = OrderType::Limit, .limit = "90", .time_in_force = TimeInForce::IOC});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "100", "100", "95", "100", "20"));
  EXPECT_EQ(sim.events.take_lines(),
            (Lines{"b1 fill buy 2 @ 100 fee 0 taker",
                   "b1 expired (immediate-or-cancel: the unfilled remainder expired)",
                   "b2 expired (immediate-or-cancel: the unfilled remainder expired)"}));
  EXPECT_TRUE(sim.exchange.open_orders().empty());
}

TEST(SimExchange, FillOrKillFillsCompletelyOrExpiresWithoutAFill) {
  SimConfig capped = config();
  capped.max_volume_share = Ratio::parse_or_throw("0.1");
  Sim sim(capped);
  sim.submit({.id = "b1", .quantity = "3", .time_in_force = TimeInForce::FOK});
  sim.submit({.id = "b2", .quantity = "2", .time_in_force = TimeInForce::FOK});
  sim.events.take_lines();
  sim.exchange.on_market_bar(bar(1, "100", "100", "100", "100", "20"));
  EXPECT_EQ(sim.events.take_lines(),
            (Lines{"b1 expired (fill-or-kill: could not fill completely on its first bar)",
                   "b2 fill buy 2 @ 100 fee 0 taker"}));
}

TEST(SimExchange, CancelEndsAWorkingOrderAndReportsAnUnknownOne) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::Limit, .limit = "90"});
  sim.exchange.cancel(order({.id = "b1"}));
  sim.exchange.cancel(order({.id = "nope"}));
  EXPECT_EQ(sim.events.take_lines(),
            (Lines{"b1 accepted", "b1 canceled (canceled on request)", "error: cancel: unknown order nope"}));
  sim.exchange.on_market_bar(bar(1, "80", "80", "80", "80"));
  EXPECT_TRUE(sim.events.take_lines().empty());
}

TEST(SimExchange, RejectsTheClientOrderIdOfAWorkingOrder) {
  Sim sim(config());
  sim.submit({.id = "l1", .type = OrderType::Limit, .limit = "90"});
  sim.submit({.id = "l1", .quantity = "5"});
  EXPECT_EQ(sim.events.take_lines(), (Lines{"l1 accepted", "l1 rejected (duplicate client order id l1)"}));
  EXPECT_EQ(sim.exchange.query_order("l1")->quantity, Quantity::from_units(1));
}

// Without a state folder (a backtest) the venue answers about working orders only: ended ones
// are forgotten so that a long backtest's memory does not grow with its orders.
TEST(SimExchange, WithoutAStateFolderAnswersQueriesAboutWorkingOrdersOnly) {
  Sim sim(config());
  sim.submit({.id = "b1"});
  sim.submit({.id = "l1", .type = OrderType::Limit, .limit = "90"});
  sim.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
  EXPECT_FALSE(sim.exchange.query_order("b1").has_value());  // filled, then forgotten
  EXPECT_TRUE(sim.exchange.order_fills("b1").empty());
  ASSERT_TRUE(sim.exchange.query_order("l1").has_value());
  EXPECT_EQ(sim.exchange.query_order("l1")->status, OrderStatus::Accepted);
  EXPECT_TRUE(sim.exchange.order_fills("l1").empty());
  EXPECT_FALSE(sim.exchange.query_order("zz").has_value());
}

TEST(SimExchange, BalancesFollowFillsAndHoldWhatWorkingOrdersNeed) {
  Sim sim(config("0.001"), "1000");
  sim.submit({.id = "b1", .quantity = "2"});
  sim.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
  sim.submit({.id = "s1", .side = Side::Sell, .quantity = "1"});
  sim.exchange.on_market_bar(bar(2, "110", "110", "110", "110"));
  sim.submit({.id = "b2", .type = OrderType::Limit, .limit = "50"});
  sim.submit({.id = "s2", .side = Side::Sell, .type = OrderType::Limit, .quantity = "0.4", .limit = "200"});
  // 1000 − 200 − 0.2 fee + 110 − 0.11 fee = 909.69; the limit buy holds 50, the limit sell 0.4 BTC.
  const std::vector<Balance> balances = sim.exchange.balances();
  ASSERT_EQ(balances.size(), 2u);
  EXPECT_EQ(balances[0].asset, "USDT");
  EXPECT_EQ(balances[0].total, Money::parse_or_throw("909.69"));
  EXPECT_EQ(balances[0].available, Money::parse_or_throw("859.69"));
  EXPECT_EQ(balances[1].asset, "BTC");
  EXPECT_EQ(balances[1].total, Money::parse_or_throw("1"));
  EXPECT_EQ(balances[1].available, Money::parse_or_throw("0.6"));
}

// A strategy may submit from an on_fill callback; that order was placed after the bar began.
class SubmittingOnFill : public RecordedEvents {
 public:
  void on_fill(const Fill& fill) override {
    RecordedEvents::on_fill(fill);
    if (fill.client_order_id == "b1") exchange->submit(order({.id = "s1", .side = Side::Sell}));
  }
  SimExchange* exchange = nullptr;
};

TEST(SimExchange, AnOrderSubmittedFromACallbackWaitsForTheNextBar) {
  SubmittingOnFill events;
  SimExchange exchange(config());
  events.exchange = &exchange;
  ExchangeSession session;
  session.events = &events;
  session.instrument = btc_usdt();
  exchange.connect(session);
  exchange.submit(order({.id = "b1"}));
  exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
  EXPECT_EQ(events.take_lines(), (Lines{"b1 accepted", "b1 fill buy 1 @ 100 fee 0 taker", "s1 accepted"}));
  exchange.on_market_bar(bar(2, "101", "101", "101", "101"));
  EXPECT_EQ(events.take_lines(), Lines{"s1 fill sell 1 @ 101 fee 0 taker"});
}

TEST(SimExchange, MatchesTradesLikeOnePriceBars) {
  Sim sim(config());
  sim.submit({.id = "b1", .type = OrderType::Limit, .limit = "99"});
  sim.events.take_lines();
  sim.exchange.on_market_trade(Trade{Timestamp::from_millis(1), 1, Side::Sell, Price::from_units(100),
                                     Quantity::from_units(5)});
  EXPECT_TRUE(sim.events.take_lines().empty());
  sim.exchange.on_market_trade(Trade{Timestamp::from_millis(2), 2, Side::Sell, Price::from_units(99),
                                     Quantity::from_units(5)});
  EXPECT_EQ(sim.events.take_lines(), Lines{"b1 fill buy 1 @ 99 fee 0 maker"});
}

TEST(SimExchange, ListsTheSessionInstrument) {
  Sim sim(config());
  const auto instruments = sim.exchange.instruments();
  ASSERT_EQ(instruments.size(), 1u);
  EXPECT_EQ(instruments[0].symbol, "BTC/USDT");
}

// Parameters as the host builds them from `exchange: {plugin: sim, params: {...}}`.
Params sim_params(std::initializer_list<std::pair<const char*, const char*>> values) {
  Params params = Params::map({"bot.yaml", 8, 5}, "exchange.params");
  int line = 9;
  for (const auto& [key, value] : values)
    params.add(key, Params::scalar(value, {"bot.yaml", line++, 7}, std::string("exchange.params.") + key));
  return params;
}

std::string param_error(const Params& params) {
  try {
    SimExchange exchange(params);
  } catch (const ParamError& error) {
    return error.what();
  }
  return {};
}

TEST(SimExchangeParams, DefaultsToNoFeesNoSlippageAndNoCap) {
  const SimConfig parsed = SimConfig::from(sim_params({}));
  EXPECT_TRUE(parsed.taker_fee_rate.is_zero());
  EXPECT_TRUE(parsed.maker_fee_rate.is_zero());
  EXPECT_TRUE(parsed.slippage_bps.is_zero());
  EXPECT_FALSE(parsed.max_volume_share.has_value());
}

TEST(SimExchangeParams, MakerFeeRateDefaultsToTheFeeRate) {
  const SimConfig parsed = SimConfig::from(sim_params({{"fee_rate", "0.001"}, {"max_volume_share", "1"}}));
  EXPECT_EQ(parsed.maker_fee_rate, Ratio::parse_or_throw("0.001"));
  EXPECT_EQ(parsed.max_volume_share, Ratio::from_units(1));
}

TEST(SimExchangeParams, RejectsAnUnknownKeySuggestingTheClosest) {
  EXPECT_EQ(param_error(sim_params({{"fee_rat", "0.001"}})),
            "bot.yaml:9:7: unknown parameter 'exchange.params.fee_rat' (did you mean 'fee_rate'?)");
}

TEST(SimExchangeParams, RejectsValuesOutOfRangeAtTheirMark) {
  EXPECT_EQ(param_error(sim_params({{"fee_rate", "0.5"}})),
            "bot.yaml:9:7: exchange.params.fee_rate: must be in [0, 0.1], got 0.5");
  EXPECT_EQ(param_error(sim_params({{"fee_rate", "0.01"}, {"maker_fee_rate", "-0.01"}})),
            "bot.yaml:10:7: exchange.params.maker_fee_rate: must be in [0, 0.1], got -0.01");
  EXPECT_EQ(param_error(sim_params({{"slippage_bps", "10000"}})),
            "bot.yaml:9:7: exchange.params.slippage_bps: must be >= 0 and < 10000, got 10000");
  EXPECT_EQ(param_error(sim_params({{"max_volume_share", "0"}})),
            "bot.yaml:9:7: exchange.params.max_volume_share: must be in (0, 1], got 0");
  EXPECT_EQ(param_error(sim_params({{"fee_rate", "cheap"}})),
            "bot.yaml:9:7: exchange.params.fee_rate: expected a decimal number with at most 8 decimal places, got "
            "'cheap'");
}

}  // namespace
}  // namespace smoops::sim
