// The ml_signal strategy's signal-quality gate, decision by decision: the real ml_signal plugin
// with the fixed_model test plugin (tests/plugins/fixed_model.cpp: each bar's volume picks the
// row of probabilities the model outputs) through the real engine and sim exchange, on bar series
// written here. Each test states the decisions a user should see on those bars.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "config/bot_config.hpp"
#include "config/config_error.hpp"
#include "data/bar_source.hpp"
#include "engine/backtest.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

// Assertions on message text (GoogleTest without gMock).
#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)
#define EXPECT_STARTS_WITH(text, prefix) EXPECT_EQ(std::string(text).rfind(prefix, 0), 0U) << (text)

/// build/test-plugins-models: fixed_model, alone.
std::filesystem::path model_plugin_dir() { return test::test_plugin_dir().parent_path() / "test-plugins-models"; }

constexpr std::int64_t kStartMs = 1'704'067'200'000;  // 2024-01-01T00:00:00Z, a whole hour
constexpr std::int64_t kBarMs = 5 * 60 * 1000;

/// One bar of a test series: its close, and the fixed_model row it selects (its volume).
struct BarSpec {
  const char* close;
  int row;
};

/// Five-minute bars from kStartMs; each opens at the previous close (the first at its own).
std::vector<Bar> make_bars(const std::vector<BarSpec>& specs) {
  std::vector<Bar> bars;
  Price previous = Price::parse_or_throw(specs.front().close);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const Price close = Price::parse_or_throw(specs[i].close);
    bars.push_back(Bar{Timestamp::from_millis(kStartMs + static_cast<std::int64_t>(i) * kBarMs), previous,
                       std::max(previous, close), std::min(previous, close), close,
                       Quantity::from_units(specs[i].row)});
    previous = close;
  }
  return bars;
}

/// `count` bars all closing at `close`, all selecting `row`.
std::vector<BarSpec> flat_bars(std::size_t count, const char* close, int row) {
  return std::vector<BarSpec>(count, {close, row});
}

/// Keeps every decision by bar index.
class SignalRecorder : public engine::BotObserver {
 public:
  void on_signal(const Signal& signal, Timestamp ts) override {
    const auto index = static_cast<std::size_t>((ts.millis() - kStartMs) / kBarMs);
    EXPECT_EQ(decisions.count(index), 0U) << "two decisions on bar " << index;
    decisions[index] = signal;
  }
  std::map<std::size_t, Signal> decisions;
};

struct BotRun {
  engine::BacktestReport report;
  std::map<std::size_t, Signal> decisions;

  const Signal& at(std::size_t bar) const {
    const auto found = decisions.find(bar);
    if (found == decisions.end()) throw std::runtime_error("no decision on bar " + std::to_string(bar));
    return found->second;
  }
  /// The bar index of each order, with its side and quantity: "3 buy 1.5".
  std::vector<std::string> orders() const {
    std::vector<std::string> out;
    for (const Order& o : report.orders)
      out.push_back(std::to_string((o.created_ts.millis() - kStartMs) / kBarMs) + " " +
                    std::string(to_string(o.side)) + " " + o.quantity.to_string());
    return out;
  }
};

/// The check named `name` of a decision, or a failure.
const SignalCheck& check(const Signal& signal, const std::string& name) {
  for (const SignalCheck& c : signal.checks)
    if (c.name == name) return c;
  throw std::runtime_error("decision has no '" + name + "' check");
}
bool has_check(const Signal& signal, const std::string& name) {
  for (const SignalCheck& c : signal.checks)
    if (c.name == name) return true;
  return false;
}

class MlSignal : public ::testing::Test {
 protected:
  /// A bot YAML: ml_signal with `strategy_params` (a flow map), the fixed model from `model`
  /// (a whole `model:` line, or empty for none), sim without fees, lot 0.001, 100,000 cash.
  std::string bot_yaml(const std::string& strategy_params, const std::string& model,
                       const std::string& lot_size = "0.001", const std::string& cash = "100000") const {
    return "name: mls\n"
           "mode: backtest\n"
           "instrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: " + lot_size + ", min_notional: 0}\n"
           "strategy:\n"
           "  plugin: ml_signal\n"
           "  params: " + strategy_params + "\n"
           "exchange: {plugin: sim, params: {fee_rate: 0}}\n" + model +
           "account: {initial_cash: " + cash + "}\n"
           "data: {csv: unused.csv}\n";
  }
  /// `model:` line for fixed_model with these rows (a flow list of rows).
  static std::string fixed_model(const std::string& rows, const std::string& extra = "") {
    return "model: {plugin: fixed_model, params: {rows: " + rows + extra + "}}\n";
  }

  BotRun run(const std::string& yaml, const std::vector<BarSpec>& specs) { return run(yaml, make_bars(specs)); }
  BotRun run(const std::string& yaml, const std::vector<Bar>& bars) {
    const config::BotConfig bot = config::parse_bot_config(yaml, dir_.path() / "ml.yaml");
    data::MemoryBarSource source(bars);
    SignalRecorder recorder;
    engine::BacktestOptions options;
    options.observer = &recorder;
    BotRun result{engine::run_backtest(bot, registry_, options, source, "memory"), {}};
    result.decisions = std::move(recorder.decisions);
    return result;
  }

  test::TempDir dir_;
  plugin::PluginRegistry registry_{{test::plugin_build_dir(), model_plugin_dir()}};
};

// Rows every test can pick: strong up, strong down, flat.
constexpr const char* kUp = "[0.05, 0.05, 0.9]";
constexpr const char* kDown = "[0.9, 0.05, 0.05]";
constexpr const char* kFlat = "[0.05, 0.9, 0.05]";

TEST_F(MlSignal, BuysOnlyWhenConfidencePassesTheThresholdAndSellsTheWholePositionOnDown) {
  // Rows: 0 up at 0.55, 1 up at 0.7, 2 flat, 3 down. Closes stay at 97.
  const BotRun r = run(bot_yaml("{confidence: 0.6}", fixed_model("[[0.2, 0.25, 0.55], [0.1, 0.2, 0.7], " +
                                                                   std::string(kFlat) + ", " + kDown + "]")),
                    {{"97", 0}, {"97", 1}, {"97", 2}, {"97", 3}, {"97", 1}});
  ASSERT_EQ(r.report.halt_reason, "");
  ASSERT_EQ(r.decisions.size(), 5U);

  const Signal& refused = r.at(0);
  EXPECT_EQ(refused.prediction, "up");
  EXPECT_EQ(refused.confidence, 0.55) << "the model's 0.55f, reported as 0.55";
  EXPECT_EQ(refused.action, "hold");
  EXPECT_EQ(refused.reason, "confidence below threshold");
  EXPECT_TRUE(refused.quantity.is_zero());
  EXPECT_FALSE(check(refused, "confidence").passed);
  EXPECT_NEAR(check(refused, "confidence").value, 0.55, 1e-6);
  EXPECT_EQ(check(refused, "confidence").limit, ">= 0.6");

  // 0.1 (the default size) × 100,000 / 97 = 103.0927..., rounded down to the 0.001 lot.
  const Signal& bought = r.at(1);
  EXPECT_EQ(bought.action, "buy");
  EXPECT_EQ(bought.reason, "all checks passed");
  EXPECT_EQ(bought.quantity.to_string(), "103.092");
  EXPECT_TRUE(check(bought, "confidence").passed);
  EXPECT_TRUE(check(bought, "cooldown").passed);

  EXPECT_EQ(r.at(2).prediction, "flat");
  EXPECT_EQ(r.at(2).action, "hold");
  EXPECT_EQ(r.at(2).reason, "prediction flat");

  EXPECT_EQ(r.at(3).prediction, "down");
  EXPECT_EQ(r.at(3).action, "sell");
  EXPECT_EQ(r.at(3).quantity.to_string(), "103.092");
  EXPECT_EQ(r.at(4).action, "buy");

  EXPECT_EQ(r.orders(), (std::vector<std::string>{"1 buy 103.092", "3 sell 103.092", "4 buy 103.092"}));
}

TEST_F(MlSignal, DownWithoutAPositionHoldsWithNoPositionToClose) {
  const BotRun r = run(bot_yaml("{}", fixed_model("[" + std::string(kDown) + "]")), flat_bars(2, "97", 0));
  EXPECT_EQ(r.at(0).action, "hold");
  EXPECT_EQ(r.at(0).reason, "no position to close");
  EXPECT_TRUE(r.report.orders.empty());
}

TEST_F(MlSignal, CooldownRefusesEntriesAndExitsWithinNBarsOfTheLastOrder) {
  // Row 0 up, row 1 down; cooldown 3 bars.
  const BotRun r = run(bot_yaml("{cooldown: 3}", fixed_model("[" + std::string(kUp) + ", " + kDown + "]")),
                    {{"97", 0}, {"97", 1}, {"97", 1}, {"97", 1}, {"97", 0}, {"97", 0}, {"97", 0}});
  EXPECT_EQ(r.at(0).action, "buy");  // no order yet: nothing to cool down from
  for (std::size_t bar : {1, 2}) {
    EXPECT_EQ(r.at(bar).action, "hold") << bar;
    EXPECT_EQ(r.at(bar).reason, "cooldown") << bar;
    EXPECT_FALSE(check(r.at(bar), "cooldown").passed);
    EXPECT_EQ(check(r.at(bar), "cooldown").value, static_cast<double>(bar)) << "bars since the buy";
    EXPECT_EQ(check(r.at(bar), "cooldown").limit, ">= 3 bars");
  }
  EXPECT_EQ(r.at(3).action, "sell");
  EXPECT_TRUE(check(r.at(3), "cooldown").passed);
  EXPECT_EQ(r.at(4).reason, "cooldown");
  EXPECT_EQ(r.at(5).reason, "cooldown");
  EXPECT_EQ(r.at(6).action, "buy");
  EXPECT_EQ(r.orders(), (std::vector<std::string>{"0 buy 103.092", "3 sell 103.092", "6 buy 103.092"}));
}

TEST_F(MlSignal, VolatilityBandRefusesEntriesInQuietAndWildMarketsButNeverBlocksAnExit) {
  // std of the last 4 one-bar log returns must lie in [0.001, 0.01].
  const BotRun r = run(
      bot_yaml("{volatility: {window: 4, min: 0.001, max: 0.01}}", fixed_model("[" + std::string(kUp) + ", " + kDown + "]")),
      {{"100", 0}, {"100", 0}, {"100", 0}, {"100", 0},        // 0-3: fewer than 4 returns
       {"100", 0},                                            // 4: quiet, std 0
       {"105", 0}, {"100", 0}, {"105", 0}, {"100", 0},        // 5-8: wild, ±4.9 %
       {"100.5", 0}, {"100", 0}, {"100.5", 0}, {"100", 0},    // 9-12: ±0.5 %; 12 is all moderate
       {"110", 1}});                                          // 13: a wild bar, a down prediction
  for (std::size_t bar = 0; bar < 4; ++bar) {
    EXPECT_EQ(r.at(bar).reason, "volatility warming up") << bar;
    EXPECT_EQ(check(r.at(bar), "volatility").value, static_cast<double>(bar)) << "returns so far";
  }
  EXPECT_EQ(r.at(4).reason, "volatility outside band");
  EXPECT_EQ(check(r.at(4), "volatility").value, 0.0);
  EXPECT_EQ(check(r.at(4), "volatility").limit, "[0.001, 0.01]");
  for (std::size_t bar = 5; bar <= 11; ++bar) {
    EXPECT_EQ(r.at(bar).action, "hold") << bar;
    EXPECT_EQ(r.at(bar).reason, "volatility outside band") << bar;
    EXPECT_GT(check(r.at(bar), "volatility").value, 0.01) << bar;
  }
  // Returns +a, -a, +a, -a have a sample std of a × sqrt(4/3).
  EXPECT_NEAR(check(r.at(8), "volatility").value, std::log(1.05) * std::sqrt(4.0 / 3.0), 1e-12);
  EXPECT_EQ(r.at(12).action, "buy");
  EXPECT_TRUE(check(r.at(12), "volatility").passed);
  EXPECT_NEAR(check(r.at(12), "volatility").value, std::log(1.005) * std::sqrt(4.0 / 3.0), 1e-12);

  EXPECT_EQ(r.at(13).action, "sell") << "the band gates entries only";
  EXPECT_FALSE(has_check(r.at(13), "volatility"));
  ASSERT_EQ(r.orders().size(), 2U);
  EXPECT_STARTS_WITH(r.orders()[0], "12 buy");
  EXPECT_STARTS_WITH(r.orders()[1], "13 sell");
}

TEST_F(MlSignal, TrendFilterRefusesBuysAgainstTheClosedHigherTimeframeTrendButNotExits) {
  // 15-minute buckets of three 5-minute bars; trend up when the last closed 15m close is above
  // the SMA of the last 2 closed 15m closes. Rows: 0 up, 1 down, 2 flat.
  const BotRun r = run(bot_yaml("{trend: {timeframe: 15m, sma: 2}}",
                             fixed_model("[" + std::string(kUp) + ", " + kDown + ", " + kFlat + "]")),
                    {{"100", 0}, {"100", 0}, {"100", 0},     // bucket 0: closes at 100
                     {"101", 0}, {"101", 0}, {"102", 0},     // bucket 1: closes at 102
                     {"101.5", 0}, {"98", 2}, {"96", 2},     // bucket 2: closes at 96
                     {"96", 1}, {"96", 0}});                 // bucket 3
  for (std::size_t bar = 0; bar < 6; ++bar) {
    EXPECT_EQ(r.at(bar).reason, "trend warming up") << bar;
    EXPECT_EQ(check(r.at(bar), "trend").value, bar < 3 ? 0.0 : 1.0) << "closed 15m bars";
    EXPECT_EQ(check(r.at(bar), "trend").limit, "needs 2 closed 15m bars");
  }
  // Bar 6 opens bucket 2, which closes bucket 1: 102 against SMA(100, 102) = 101. The bar's own
  // close (101.5, in the unfinished bucket) plays no part.
  const Signal& bought = r.at(6);
  EXPECT_EQ(bought.action, "buy");
  EXPECT_TRUE(check(bought, "trend").passed);
  EXPECT_NEAR(check(bought, "trend").value, 102.0 / 101.0 - 1, 1e-12);
  EXPECT_EQ(check(bought, "trend").limit, "> 0 (last 15m close / SMA 2 - 1)");
  EXPECT_EQ(bought.quantity.to_string(), "98.522");  // 10,000 / 101.5 = 98.5221...

  // Bar 9 closes bucket 2 at 96 against SMA(102, 96) = 99: a down trend. The exit still goes.
  EXPECT_EQ(r.at(9).action, "sell");
  EXPECT_FALSE(has_check(r.at(9), "trend"));
  const Signal& refused = r.at(10);
  EXPECT_EQ(refused.prediction, "up");
  EXPECT_EQ(refused.action, "hold");
  EXPECT_EQ(refused.reason, "against the trend");
  EXPECT_FALSE(check(refused, "trend").passed);
  EXPECT_NEAR(check(refused, "trend").value, 96.0 / 99.0 - 1, 1e-12);
  EXPECT_EQ(r.orders(), (std::vector<std::string>{"6 buy 98.522", "9 sell 98.522"}));
}

TEST_F(MlSignal, PositionSizeScalesLinearlyWithConfidenceRoundedDownToTheLot) {
  // size 0.1 at confidence 0.5, max_size 0.5 at confidence 1: fraction = 0.1 + 0.4 × (c − 0.5) / 0.5.
  // Equity stays 100,000 (constant closes at 97, no fees); target = fraction × 100,000 / 97.
  const BotRun r = run(bot_yaml("{confidence: 0.5, size: 0.1, max_size: 0.5}",
                             fixed_model("[[0.25, 0.25, 0.5], [0.125, 0.125, 0.75], [0, 0, 1]]")),
                    {{"97", 0}, {"97", 1}, {"97", 2}, {"97", 1}});
  // c 0.5: fraction 0.1, target 103.0927... → 103.092.
  EXPECT_EQ(r.at(0).quantity.to_string(), "103.092");
  // c 0.75: fraction 0.3, target 309.2783... → 309.278; 103.092 held, so buy 206.186.
  EXPECT_EQ(r.at(1).action, "buy");
  EXPECT_EQ(r.at(1).quantity.to_string(), "206.186");
  // c 1: fraction 0.5, target 515.4639... → 515.463; 309.278 held, so buy 206.185.
  EXPECT_EQ(r.at(2).quantity.to_string(), "206.185");
  // c 0.75 again: the target is below what is held.
  EXPECT_EQ(r.at(3).action, "hold");
  EXPECT_EQ(r.at(3).reason, "already in position");
  EXPECT_EQ(r.report.final_position.quantity.to_string(), "515.463");
}

TEST_F(MlSignal, ABuyThatRoundsToNoLotHolds) {
  // 0.1 × 500 / 97 = 0.515 of a lot of 1.
  const BotRun r = run(bot_yaml("{}", fixed_model("[" + std::string(kUp) + "]"), "1", "500"), flat_bars(2, "97", 0));
  EXPECT_EQ(r.at(0).action, "hold");
  EXPECT_EQ(r.at(0).reason, "size rounds to zero");
  EXPECT_TRUE(r.report.orders.empty());
}

TEST_F(MlSignal, InvalidModelOutputIsNeverTradedAndDoesNotStopTheBot) {
  // Rows: 0 up, 1 NaN, 2 sums to 0.8, 3 predict throws, 4 a negative "probability".
  const BotRun r = run(bot_yaml("{}", fixed_model("[" + std::string(kUp) +
                                               ", [nan, nan, nan], [0.1, 0.1, 0.6], throw, [-0.5, 0.5, 1.0]]")),
                    {{"97", 1}, {"97", 2}, {"97", 3}, {"97", 4}, {"97", 0}});
  for (std::size_t bar = 0; bar < 4; ++bar) {
    EXPECT_EQ(r.at(bar).action, "hold") << bar;
    EXPECT_EQ(r.at(bar).prediction, "none") << bar;
    EXPECT_STARTS_WITH(r.at(bar).reason, "model output invalid: ") << bar;
    EXPECT_TRUE(r.at(bar).quantity.is_zero());
  }
  EXPECT_CONTAINS(r.at(0).reason, "nan");
  EXPECT_CONTAINS(r.at(1).reason, "sum to 0.8");
  EXPECT_CONTAINS(r.at(2).reason, "predict failed: fixed_model: row 3 says throw");
  EXPECT_CONTAINS(r.at(3).reason, "not a probability");
  EXPECT_EQ(r.at(4).action, "buy");
  EXPECT_EQ(r.orders(), (std::vector<std::string>{"4 buy 103.092"}));
  EXPECT_EQ(r.report.halt_reason, "");
}

TEST_F(MlSignal, ABarTheFeaturesRejectIsSkippedAndTheWindowRefillsBeforeTheNextDecision) {
  // A two-bar window; bar 2's high is below its close, which the feature pipeline refuses.
  std::vector<Bar> bars = make_bars(flat_bars(6, "97", 0));
  bars[2].high = Price::from_units(90);
  const BotRun r = run(bot_yaml("{}", fixed_model("[" + std::string(kUp) + "]", ", window: 2")), bars);
  std::vector<std::size_t> decided;
  for (const auto& [bar, signal] : r.decisions) decided.push_back(bar);
  // 0: window filling; 2: rejected; 3: window refilling after the reset.
  EXPECT_EQ(decided, (std::vector<std::size_t>{1, 4, 5}));
  EXPECT_EQ(r.at(1).action, "buy");
  EXPECT_EQ(r.at(4).reason, "already in position");
  EXPECT_EQ(r.report.halt_reason, "");
}

TEST_F(MlSignal, ABuyWorthLessThanTheMinNotionalHolds) {
  // 0.1 × 50 / 97 = 0.05154... → 0.051, worth 4.947 against a minimum of 10.
  const std::string yaml = bot_yaml("{}", fixed_model("[" + std::string(kUp) + "]"), "0.001", "50");
  std::string with_minimum = yaml;
  with_minimum.replace(with_minimum.find("min_notional: 0"), 15, "min_notional: 10");
  const BotRun r = run(with_minimum, flat_bars(2, "97", 0));
  EXPECT_EQ(r.at(0).action, "hold");
  EXPECT_EQ(r.at(0).reason, "below min notional");
  EXPECT_TRUE(r.report.orders.empty());
}

TEST_F(MlSignal, ABotWithoutAModelHaltsAtStartSayingWhatToAdd) {
  const BotRun r = run(bot_yaml("{}", ""), flat_bars(3, "97", 0));
  EXPECT_TRUE(r.report.faulted);
  EXPECT_CONTAINS(r.report.halt_reason, "ml_signal needs a model: add a `model:` section to the bot YAML");
  EXPECT_TRUE(r.decisions.empty());
  EXPECT_TRUE(r.report.orders.empty());
}

TEST_F(MlSignal, AModelWithoutDirectionClassesHaltsAtStart) {
  const BotRun r = run(bot_yaml("{}", fixed_model("[[0.5, 0.5]]", ", labels: [no, yes]")), flat_bars(3, "97", 0));
  EXPECT_TRUE(r.report.faulted);
  EXPECT_CONTAINS(r.report.halt_reason, "3 class probabilities labelled down, flat, up");
  EXPECT_CONTAINS(r.report.halt_reason, "the model has 2 outputs labelled [no, yes]");
}

TEST_F(MlSignal, AnUnknownModelFeatureHaltsAtStart) {
  const BotRun r = run(bot_yaml("{}", fixed_model("[" + std::string(kUp) + "]", ", features: [log_volume, momentum_9]")),
                    flat_bars(3, "97", 0));
  EXPECT_TRUE(r.report.faulted);
  EXPECT_CONTAINS(r.report.halt_reason, "ml_signal cannot compute the model's inputs: unknown feature 'momentum_9'");
}

TEST_F(MlSignal, BadParamsAreConfigErrorsAtTheirPlaceInTheYaml) {
  const std::string model = fixed_model("[" + std::string(kUp) + "]");
  const auto error_of = [&](const std::string& params) -> std::string {
    try {
      run(bot_yaml(params, model), flat_bars(1, "97", 0));
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string at = (dir_.path() / "ml.yaml").string() + ":6:";
  EXPECT_STARTS_WITH(error_of("{confidence: 1.5}"), at);
  EXPECT_CONTAINS(error_of("{confidence: 1.5}"), "strategy.params.confidence: must be in [0, 1], got 1.5");
  EXPECT_CONTAINS(error_of("{confidense: 0.6}"),
                  "unknown parameter 'strategy.params.confidense' (did you mean 'confidence'?)");
  EXPECT_CONTAINS(error_of("{trend: {timeframe: 1x, sma: 20}}"),
                  "strategy.params.trend.timeframe: expected a timeframe such as 15m");
  EXPECT_CONTAINS(error_of("{trend: {timeframe: 1h}}"), "missing required parameter 'strategy.params.trend.sma'");
  EXPECT_CONTAINS(error_of("{volatility: {window: 32}}"), "strategy.params.volatility: needs min, max or both");
  EXPECT_CONTAINS(error_of("{volatility: {min: 0.02, max: 0.01}}"), "strategy.params.volatility.max: must be >= min");
  EXPECT_CONTAINS(error_of("{size: 0.2, max_size: 0.1}"), "strategy.params.max_size: must be in [size, 1]");
  EXPECT_CONTAINS(error_of("{size: 0}"), "strategy.params.size: must be in (0, 1]");
  EXPECT_CONTAINS(error_of("{cooldown: -1}"), "strategy.params.cooldown: expected an integer in [0, 100000]");
  EXPECT_CONTAINS(error_of("{trend: 1h}"), "strategy.params.trend: expected a map like {timeframe: 1h, sma: 20}");
  EXPECT_EQ(error_of("{confidence: 0.7, trend: {timeframe: 1h, sma: 20}, volatility: {window: 32, min: 0.0005, max: 0.02}, "
                     "cooldown: 3, size: 0.1, max_size: 0.3}"),
            "no error");
}

}  // namespace
}  // namespace smoops
