// ml_signal restarted and warmed up on warmup_bars() bars decides on every later bar exactly as an
// ml_signal that saw every bar: the real ml_signal and fixed_model plugins (fixed_model: each
// bar's volume picks a row of probabilities, so real bars cycle through up, down and weak
// predictions), driven by the SDK test kit over real 5-minute bars, with the volatility and trend
// filters on.

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "data/csv_bar_reader.hpp"
#include "plugin/plugin_registry.hpp"
#include "smoops/testing/strategy_driver.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

Params scalar(const std::string& path, const std::string& value) { return Params::scalar(value, {}, path); }

Params map_of(const std::string& path, std::initializer_list<std::pair<std::string, Params>> entries) {
  Params map = Params::map({}, path);
  for (const auto& [key, value] : entries) map.add(key, value);
  return map;
}

Params list_of(const std::string& path, std::initializer_list<const char*> values) {
  Params list = Params::sequence({}, path);
  for (const char* value : values) list.push_back(scalar(path, value));
  return list;
}

Params strategy_params() {
  return map_of("strategy.params",
                {{"confidence", scalar("strategy.params.confidence", "0.6")},
                 {"volatility", map_of("strategy.params.volatility", {{"window", scalar("w", "16")}, {"max", scalar("m", "0.01")}})},
                 {"trend", map_of("strategy.params.trend", {{"timeframe", scalar("t", "15m")}, {"sma", scalar("s", "4")}})},
                 {"size", scalar("strategy.params.size", "0.2")}});
}

Params model_params() {
  Params rows = Params::sequence({}, "model.params.rows");
  rows.push_back(list_of("r0", {"0.2", "0.25", "0.55"}));  // up, too weak
  rows.push_back(list_of("r1", {"0.1", "0.2", "0.7"}));    // up
  rows.push_back(list_of("r2", {"0.7", "0.2", "0.1"}));    // down
  rows.push_back(list_of("r3", {"0.1", "0.8", "0.1"}));    // flat
  Params params = Params::map({}, "model.params");
  params.add("rows", rows);
  params.add("features", list_of("model.params.features", {"log_volume", "ret_9"}));
  params.add("window", scalar("model.params.window", "4"));
  return params;
}

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
  for (const testing::RecordedSubmit& s : context.submits())
    if (s.ts >= from && !s.warming_up) made.push_back({s.ts, s.request.side, s.request.quantity});
  return made;
}

class MlSignalWarmUp : public ::testing::Test {
 protected:
  /// A driver for a new ml_signal with its own fixed_model and the given account.
  struct Run {
    plugin::PluginHandle<Strategy> strategy;
    plugin::PluginHandle<Model> model;
    std::unique_ptr<testing::StrategyDriver> driver;
  };
  Run make_run(Quantity position, Money cash) {
    Run run{registry_.create_strategy("ml_signal", strategy_params()), registry_.create_model("fixed_model", model_params()),
            nullptr};
    run.driver = std::make_unique<testing::StrategyDriver>(*run.strategy, "ml");
    testing::RecordingContext& ctx = run.driver->context();
    Instrument instrument;
    instrument.symbol = "BTC/USDT";
    instrument.lot_size = Quantity::parse_or_throw("0.001");
    instrument.tick_size = Price::parse_or_throw("0.1");
    ctx.set_instrument(instrument);
    ctx.set_model(run.model.get());
    ctx.set_position(position);
    ctx.set_cash(cash);
    run.driver->start();
    return run;
  }

  plugin::PluginRegistry registry_{
      {test::plugin_build_dir(), test::test_plugin_dir().parent_path() / "test-plugins-models"}};
};

TEST_F(MlSignalWarmUp, AsksForTheLongestOfItsModelsWindowAndItsFilters) {
  Run run = make_run({}, Money::from_units(100'000));
  // features lookback 9 + window 4 = 13; volatility 16 + 1 = 17; trend (4 + 1) × 15 one-minute bars + 1 = 76.
  EXPECT_EQ(run.driver->warmup_bars(), 76u);
}

TEST_F(MlSignalWarmUp, ARestartWarmedUpDecidesAsIfItHadNeverStopped) {
  const std::vector<Bar> bars = data::read_all_bars(test::shared_data("ft_btc_usdt_5m.csv"));
  Run reference = make_run({}, Money::from_units(100'000));
  std::vector<Quantity> position_before(bars.size());
  std::vector<Money> cash_before(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) {
    position_before[i] = reference.driver->context().position().quantity;
    cash_before[i] = reference.driver->context().cash();
    reference.driver->bar(bars[i]);
  }
  ASSERT_GT(reference.driver->context().accepted_submits().size(), 20u) << "too few decisions to compare";

  std::size_t compared = 0;
  for (std::size_t k = 500; k < bars.size(); k += 1013) {
    Run restarted = make_run(position_before[k], cash_before[k]);
    const std::size_t n = restarted.driver->warmup_bars();
    restarted.driver->warm_up(std::span(bars).subspan(k - n, n));
    restarted.driver->run(std::span(bars).subspan(k));
    const auto expected = decisions(reference.driver->context(), bars[k].ts);
    ASSERT_EQ(decisions(restarted.driver->context(), bars[k].ts), expected) << "restart before bar " << k;
    compared += expected.size();
  }
  EXPECT_GT(compared, 20u);
}

}  // namespace
}  // namespace smoops
