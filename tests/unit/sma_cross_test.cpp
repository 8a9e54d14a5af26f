// sma_cross: the exact crossover signal (ties included), the validation of its parameters, and the
// strategy driven by the SDK test kit: its orders, and a warm-up after which it decides exactly as
// a strategy that never stopped.

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "data/csv_bar_reader.hpp"
#include "sma_cross.hpp"
#include "smoops/testing/strategy_driver.hpp"
#include "support/test_paths.hpp"

namespace smoops::sma_cross {
namespace {

std::vector<Crossover> feed(SmaCrossover& crossover, std::initializer_list<std::int64_t> closes) {
  std::vector<Crossover> signals;
  for (const std::int64_t close : closes) signals.push_back(crossover.on_close(Price::from_units(close)));
  return signals;
}

using Signals = std::vector<Crossover>;
constexpr Crossover kNone = Crossover::None;
constexpr Crossover kAbove = Crossover::Above;
constexpr Crossover kBelow = Crossover::Below;

// With fast = 1 and slow = 2, fast − slow has the sign of close − previous close, so the signs
// of the difference can be written directly as price moves.

TEST(SmaCrossover, GivesNoSignalBeforeBothWindowsAreFullNorOnTheFirstFullBar) {
  SmaCrossover crossover(2, 4);
  EXPECT_EQ(feed(crossover, {10, 1, 50, 1}), (Signals{kNone, kNone, kNone, kNone}));
  EXPECT_TRUE(crossover.ready());
}

TEST(SmaCrossover, SignalsACrossAboveAfterANegativeDifference) {
  SmaCrossover crossover(1, 2);
  EXPECT_EQ(feed(crossover, {10, 9, 10}), (Signals{kNone, kNone, kAbove}));
}

TEST(SmaCrossover, SignalsACrossBelowAfterAPositiveDifference) {
  SmaCrossover crossover(1, 2);
  EXPECT_EQ(feed(crossover, {10, 11, 12, 11}), (Signals{kNone, kNone, kNone, kBelow}));
}

TEST(SmaCrossover, ATieIsNoCrossAndKeepsTheLastNonzeroSign) {
  SmaCrossover rising(1, 2);
  EXPECT_EQ(feed(rising, {10, 9, 9, 9, 10}), (Signals{kNone, kNone, kNone, kNone, kAbove}));  // −, 0, 0, +
  SmaCrossover falling_again(1, 2);
  EXPECT_EQ(feed(falling_again, {10, 9, 9, 8}), (Signals{kNone, kNone, kNone, kNone}));  // −, 0, −
}

TEST(SmaCrossover, ATieOnTheFirstFullBarGivesNoSignSoTheNextMoveIsNoCross) {
  SmaCrossover crossover(1, 2);
  EXPECT_EQ(feed(crossover, {10, 10, 11, 10}), (Signals{kNone, kNone, kNone, kBelow}));  // 0, +, −
}

TEST(SmaCrossover, RefusesWindowsThatAreNotOneOrMoreAndIncreasing) {
  EXPECT_THROW(SmaCrossover(0, 2), std::invalid_argument);
  EXPECT_THROW(SmaCrossover(3, 3), std::invalid_argument);
}

// The same signal recomputed naively, window by window, over a real series; returns how many
// full bars had a tie (fast == slow exactly).
std::size_t expect_naive_signals(const std::vector<Bar>& bars, std::size_t fast, std::size_t slow) {
  SmaCrossover crossover(fast, slow);
  int last_nonzero_sign = 0;
  std::size_t ties = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Crossover signal = crossover.on_close(bars[i].close);
    Crossover expected = kNone;
    if (i + 1 >= slow) {
      __int128 fast_sum = 0;
      __int128 slow_sum = 0;
      for (std::size_t k = 0; k < slow; ++k) {
        slow_sum += bars[i - k].close.raw();
        if (k < fast) fast_sum += bars[i - k].close.raw();
      }
      const __int128 difference = fast_sum * static_cast<__int128>(slow) - slow_sum * static_cast<__int128>(fast);
      const int sign = difference > 0 ? 1 : difference < 0 ? -1 : 0;
      if (sign > 0 && last_nonzero_sign < 0) expected = kAbove;
      if (sign < 0 && last_nonzero_sign > 0) expected = kBelow;
      if (sign != 0) last_nonzero_sign = sign;
      ties += sign == 0;
    }
    EXPECT_EQ(signal, expected) << "fast " << fast << ", slow " << slow << ", bar " << i;
    if (signal != expected) break;
  }
  return ties;
}

TEST(SmaCrossover, MatchesANaiveRecomputationOverRealBarsFullOfTies) {
  const std::vector<Bar> bars = data::read_all_bars(test::shared_data("ft_unittest_btc_1m.csv"));
  EXPECT_GT(expect_naive_signals(bars, 2, 4), 500u);  // short windows over repeated prices tie often
  expect_naive_signals(bars, 10, 30);
}

// Parameters as the host builds them from `strategy: {plugin: sma_cross, params: {...}}`.
Params strategy_params(std::initializer_list<std::pair<const char*, const char*>> values) {
  Params params = Params::map({"bot.yaml", 4, 5}, "strategy.params");
  int line = 5;
  for (const auto& [key, value] : values)
    params.add(key, Params::scalar(value, {"bot.yaml", line++, 11}, std::string("strategy.params.") + key));
  return params;
}

std::string param_error(const Params& params) {
  try {
    SmaCross strategy(params);
  } catch (const ParamError& error) {
    return error.what();
  }
  return {};
}

TEST(SmaCrossParams, ReadsValidParameters) {
  const SmaCrossParams parsed = SmaCrossParams::from(strategy_params({{"fast", "10"}, {"slow", "30"}, {"quantity", "0.5"}}));
  EXPECT_EQ(parsed.fast, 10);
  EXPECT_EQ(parsed.slow, 30);
  EXPECT_EQ(parsed.quantity, Quantity::parse_or_throw("0.5"));
}

TEST(SmaCrossParams, RejectsASlowWindowNotAboveTheFastOneAtSlowsMark) {
  EXPECT_EQ(param_error(strategy_params({{"fast", "10"}, {"slow", "5"}, {"quantity", "1"}})),
            "bot.yaml:6:11: strategy.params.slow: must be greater than fast (10), got 5");
  EXPECT_EQ(param_error(strategy_params({{"fast", "10"}, {"slow", "10"}, {"quantity", "1"}})),
            "bot.yaml:6:11: strategy.params.slow: must be greater than fast (10), got 10");
}

TEST(SmaCrossParams, RejectsWindowsOutOfRange) {
  EXPECT_EQ(param_error(strategy_params({{"fast", "0"}, {"slow", "5"}, {"quantity", "1"}})),
            "bot.yaml:5:11: strategy.params.fast: expected an integer in [1, 100000], got 0");
  EXPECT_EQ(param_error(strategy_params({{"fast", "1"}, {"slow", "100001"}, {"quantity", "1"}})),
            "bot.yaml:6:11: strategy.params.slow: expected an integer in [1, 100000], got 100001");
}

TEST(SmaCrossParams, RejectsANonPositiveOrMissingQuantity) {
  EXPECT_EQ(param_error(strategy_params({{"fast", "1"}, {"slow", "5"}, {"quantity", "0"}})),
            "bot.yaml:7:11: strategy.params.quantity: must be positive, got 0");
  EXPECT_EQ(param_error(strategy_params({{"fast", "1"}, {"slow", "5"}})),
            "bot.yaml:4:5: missing required parameter 'strategy.params.quantity'");
}

TEST(SmaCrossParams, RejectsAnUnknownKeySuggestingTheClosest) {
  EXPECT_EQ(param_error(strategy_params({{"fast", "1"}, {"slwo", "5"}, {"quantity", "1"}})),
            "bot.yaml:6:11: unknown parameter 'strategy.params.slwo' (did you mean 'slow'?)");
}

// The strategy through the SDK's StrategyDriver.

Bar bar_closing(std::int64_t minute, std::int64_t close) {
  Bar bar;
  bar.ts = Timestamp::from_millis(minute * 60'000);
  bar.open = bar.high = bar.low = bar.close = Price::from_units(close);
  bar.volume = Quantity::from_units(1);
  return bar;
}

std::vector<Bar> bars_closing(std::initializer_list<std::int64_t> closes) {
  std::vector<Bar> bars;
  for (const std::int64_t close : closes) bars.push_back(bar_closing(static_cast<std::int64_t>(bars.size()), close));
  return bars;
}

TEST(SmaCrossStrategy, BuysOnACrossAboveAndSellsTheWholePositionOnACrossBelow) {
  SmaCross strategy(strategy_params({{"fast", "1"}, {"slow", "2"}, {"quantity", "0.5"}}));
  testing::StrategyDriver driver(strategy, "sma");
  driver.run(bars_closing({10, 9, 10, 11, 10}));  // −, +: above at the third; +, −: below at the fifth
  const auto& submits = driver.context().submits();
  ASSERT_EQ(submits.size(), 2u);
  EXPECT_EQ(submits[0].request.side, Side::Buy);
  EXPECT_EQ(submits[0].request.type, OrderType::Market);
  EXPECT_EQ(submits[0].request.quantity, Quantity::parse_or_throw("0.5"));
  EXPECT_EQ(submits[0].result.client_order_id, "sma-1");
  EXPECT_EQ(submits[0].ts, Timestamp::from_millis(2 * 60'000));
  EXPECT_EQ(submits[1].request.side, Side::Sell);
  EXPECT_EQ(submits[1].request.quantity, Quantity::parse_or_throw("0.5"));
  EXPECT_EQ(submits[1].result.client_order_id, "sma-2");
  EXPECT_TRUE(driver.context().position().quantity.is_zero());
}

TEST(SmaCrossStrategy, DoesNotBuyAgainWhileAnEntryIsStillWorking) {
  SmaCross strategy(strategy_params({{"fast", "1"}, {"slow", "2"}, {"quantity", "1"}}));
  testing::StrategyDriver driver(strategy);
  driver.context().set_fill_market_orders(false);  // the entry stays working
  driver.run(bars_closing({10, 9, 10, 9, 10}));      // above, below, above
  ASSERT_EQ(driver.context().submits().size(), 1u);
  EXPECT_EQ(driver.context().open_orders().size(), 1u);
}

TEST(SmaCrossStrategy, AsksForTheSlowWindowAndTheBarsToLookPastTies) {
  SmaCross short_windows(strategy_params({{"fast", "1"}, {"slow", "2"}, {"quantity", "1"}}));
  EXPECT_EQ(testing::StrategyDriver(short_windows).warmup_bars(), 2u + SmaCross::kTieBars);
  SmaCross long_windows(strategy_params({{"fast", "10"}, {"slow", "500"}, {"quantity", "1"}}));
  EXPECT_EQ(testing::StrategyDriver(long_windows).warmup_bars(), 1000u);
}

TEST(SmaCrossStrategy, SubmitsNothingWhileWarmingUp) {
  SmaCross strategy(strategy_params({{"fast", "1"}, {"slow", "2"}, {"quantity", "1"}}));
  testing::StrategyDriver driver(strategy);
  const std::vector<Bar> past = bars_closing({10, 9, 10, 9});  // a cross above, then below
  driver.warm_up(past);
  EXPECT_TRUE(driver.context().submits().empty());
  EXPECT_TRUE(driver.context().logger().lines().empty());  // no "denied" warnings either
  driver.bar(bar_closing(4, 10));  // above again: the warm-up's last sign (−) makes this a cross
  ASSERT_EQ(driver.context().submits().size(), 1u);
  EXPECT_EQ(driver.context().submits()[0].request.side, Side::Buy);
}

/// What a strategy submitted, comparable across runs: when, which side, how much.
struct Decision {
  Timestamp ts;
  Side side;
  Quantity quantity;
  bool operator==(const Decision&) const = default;
};

void PrintTo(const Decision& d, std::ostream* out) {
  *out << d.ts.millis() << " ms " << to_string(d.side) << " " << d.quantity.to_string();
}

std::vector<Decision> decisions(const testing::RecordingContext& context, Timestamp from) {
  std::vector<Decision> made;
  for (const testing::RecordedSubmit& submit : context.submits())
    if (submit.ts >= from) made.push_back({submit.ts, submit.request.side, submit.request.quantity});
  return made;
}

// A strategy that restarts before bar k, warmed up on the warmup_bars() bars before it with the
// account it had, decides on every bar from k on exactly as one that saw every bar.
void expect_warm_restarts_decide_as_the_uninterrupted_run(const char* file, const char* fast, const char* slow) {
  const std::vector<Bar> bars = data::read_all_bars(test::shared_data(file));
  const Params params = strategy_params({{"fast", fast}, {"slow", slow}, {"quantity", "0.01"}});
  SmaCross uninterrupted(params);
  testing::StrategyDriver reference(uninterrupted);
  std::vector<Quantity> position_before(bars.size());
  std::vector<Money> cash_before(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) {
    position_before[i] = reference.context().position().quantity;
    cash_before[i] = reference.context().cash();
    reference.bar(bars[i]);
  }
  ASSERT_GT(reference.context().submits().size(), 20u) << "too few decisions to compare";

  std::size_t compared = 0;
  for (std::size_t k = 1; k < bars.size(); k += 97) {
    SmaCross restarted(params);
    testing::StrategyDriver driver(restarted);
    driver.context().set_position(position_before[k]);
    driver.context().set_cash(cash_before[k]);
    driver.start();
    const std::size_t n = std::min(driver.warmup_bars(), k);
    driver.warm_up(std::span(bars).subspan(k - n, n));
    driver.run(std::span(bars).subspan(k));
    const auto expected = decisions(reference.context(), bars[k].ts);
    ASSERT_EQ(decisions(driver.context(), bars[k].ts), expected) << file << ", restart before bar " << k;
    compared += expected.size();
  }
  EXPECT_GT(compared, 100u);
}

TEST(SmaCrossStrategy, AWarmedUpRestartDecidesAsIfItHadNeverStopped) {
  expect_warm_restarts_decide_as_the_uninterrupted_run("ft_btc_usdt_5m.csv", "10", "30");
}

TEST(SmaCrossStrategy, AWarmedUpRestartDecidesAsIfItHadNeverStoppedOnBarsFullOfTies) {
  expect_warm_restarts_decide_as_the_uninterrupted_run("ft_unittest_btc_1m.csv", "2", "4");
}

}  // namespace
}  // namespace smoops::sma_cross
