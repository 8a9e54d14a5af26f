// Bot files: the example loads with exact fixed-point values, plugin params keep their text and
// positions, and optional sections get their documented defaults.

#include <gtest/gtest.h>

#include "config/bot_config.hpp"
#include "support/test_paths.hpp"

namespace smoops::config {
namespace {

std::filesystem::path example_bot_file() { return test::test_source_dir() / "data/good_yaml/btc-sma.yaml"; }

// The smallest bot: a paper one on a file (unless `extra` has its own data section), so each
// test adds only what it is about.
std::string live_bot(const std::string& extra = "") {
  return "name: p\n"
         "mode: paper\n"
         "instrument: {symbol: ETH/USDT, tick_size: 0.01, lot_size: 0.001}\n"
         "strategy:\n"
         "  plugin: sma_cross\n"
         "exchange: {plugin: sim}\n" +
         extra + (extra.find("data:") == std::string::npos ? "data: {csv: /srv/bars/eth.csv}\n" : "");
}

TEST(BotConfig, ExampleFileLoadsWithExactValues) {
  const BotConfig config = load_bot_config(example_bot_file());
  EXPECT_EQ(config.file, example_bot_file());
  EXPECT_EQ(config.name, "btc-sma");
  EXPECT_EQ(config.mode, Mode::Backtest);
  EXPECT_EQ(config.instrument.symbol, "BTC/USDT");
  EXPECT_EQ(config.instrument.base_asset, "BTC");
  EXPECT_EQ(config.instrument.quote_asset, "USDT");
  EXPECT_EQ(config.instrument.tick_size.raw(), 1'000'000);
  EXPECT_EQ(config.instrument.lot_size.raw(), 1'000);
  EXPECT_EQ(config.instrument.min_notional, Money::from_units(10));
  EXPECT_EQ(config.strategy.plugin, "sma_cross");
  EXPECT_EQ(config.exchange.plugin, "sim");
  EXPECT_FALSE(config.model.has_value());
  EXPECT_EQ(config.exchange.params.get_fixed<Ratio>("fee_rate").raw(), 100'000);
  EXPECT_EQ(config.exchange.params.get_int("slippage_bps"), 0);
}

TEST(BotConfig, RelativeCsvPathResolvesAgainstTheFilesDirectory) {
  const BotConfig config = load_bot_config(example_bot_file());
  ASSERT_TRUE(config.data.has_value());
  const auto expected = (std::filesystem::absolute(example_bot_file()).parent_path() / "data/btc_usdt_5m.csv")
                            .lexically_normal();
  EXPECT_EQ(config.data->csv, expected);
  EXPECT_TRUE(config.data->csv.is_absolute());
  EXPECT_EQ(config.data->mark.line, 11);
  EXPECT_EQ(config.data->mark.column, 8);
}

TEST(BotConfig, AbsoluteCsvPathIsKept) {
  const BotConfig config = parse_bot_config(live_bot("data: {csv: /srv/bars/eth.csv}\n"), "bots/p.yaml");
  ASSERT_TRUE(config.data.has_value());
  EXPECT_EQ(config.data->csv, "/srv/bars/eth.csv");
}

TEST(BotConfig, PluginParamsKeepTheirTextPathAndPosition) {
  const BotConfig config = load_bot_config(example_bot_file());
  const Params& params = config.strategy.params;
  ASSERT_EQ(params.kind(), Params::Kind::Map);
  EXPECT_EQ(params.path(), "strategy.params");
  ASSERT_EQ(params.entries().size(), 3u);
  EXPECT_EQ(params.entries()[0].first, "fast");
  EXPECT_EQ(params.entries()[1].first, "slow");
  EXPECT_EQ(params.entries()[2].first, "quantity");

  const Params& fast = params.at("fast");
  EXPECT_EQ(fast.kind(), Params::Kind::Scalar);
  EXPECT_EQ(fast.text(), "10");
  EXPECT_EQ(fast.path(), "strategy.params.fast");
  EXPECT_EQ(fast.mark().file, example_bot_file().string());
  EXPECT_EQ(fast.mark().line, 6);
  EXPECT_EQ(fast.mark().column, 18);
  EXPECT_EQ(params.get_int("slow"), 30);

  // Where the plugin name was written, for "no such plugin" reported by the engine.
  EXPECT_EQ(config.strategy.mark.line, 5);
  EXPECT_EQ(config.strategy.mark.column, 11);
}

TEST(BotConfig, PluginParamErrorsPointIntoTheBotFile) {
  const BotConfig config = parse_bot_config(live_bot(), "bots/p.yaml");
  const BotConfig with_bad_fast = parse_bot_config(
      "name: p\nmode: live\ninstrument: {symbol: A/B, tick_size: 1, lot_size: 1}\n"
      "strategy:\n  plugin: sma_cross\n  params: {fast: ten}\nexchange: {plugin: sim}\n"
      "data: {feed: binance, interval: 5m}\n",
      "bots/p.yaml");
  try {
    with_bad_fast.strategy.params.get_int_in("fast", 1, 100);
    FAIL() << "'ten' was accepted as an integer";
  } catch (const ParamError& e) {
    EXPECT_STREQ(e.what(), "bots/p.yaml:6:18: strategy.params.fast: expected an integer, got 'ten'");
  }
  EXPECT_FALSE(config.strategy.params.has("fast"));
}

TEST(BotConfig, AbsentParamsIsAnEmptyMapAtTheSection) {
  const BotConfig config = parse_bot_config(live_bot(), "bots/p.yaml");
  const Params& params = config.strategy.params;
  EXPECT_EQ(params.kind(), Params::Kind::Map);
  EXPECT_TRUE(params.entries().empty());
  EXPECT_EQ(params.path(), "strategy.params");
  EXPECT_EQ(params.mark().to_string(), "bots/p.yaml:5:3");
  EXPECT_EQ(config.exchange.params.path(), "exchange.params");
  EXPECT_EQ(config.exchange.params.mark().to_string(), "bots/p.yaml:6:11");
}

TEST(BotConfig, NestedParamsBecomeSequencesMapsAndNulls) {
  const BotConfig config = parse_bot_config(
      live_bot("model:\n"
                "  plugin: transformer\n"
                "  params:\n"
                "    horizons: [1, 5, ~]\n"
                "    layers: {count: 2}\n"
                "    checkpoint:\n"),
      "bots/p.yaml");
  ASSERT_TRUE(config.model.has_value());
  EXPECT_EQ(config.model->plugin, "transformer");
  const Params& horizons = config.model->params.at("horizons");
  ASSERT_EQ(horizons.kind(), Params::Kind::Sequence);
  ASSERT_EQ(horizons.entries().size(), 3u);
  const Params& second = horizons.entries()[1].second;
  EXPECT_EQ(second.text(), "5");
  EXPECT_EQ(second.path(), "model.params.horizons[1]");
  EXPECT_EQ(second.mark().to_string(), "bots/p.yaml:10:19");
  EXPECT_EQ(horizons.entries()[2].second.kind(), Params::Kind::Null);
  EXPECT_EQ(config.model->params.at("layers").get_int("count"), 2);
  EXPECT_EQ(config.model->params.at("layers").at("count").path(), "model.params.layers.count");
  const Params& checkpoint = config.model->params.at("checkpoint");
  EXPECT_EQ(checkpoint.kind(), Params::Kind::Null);
  // An empty value is placed at its key, not at whatever token yaml-cpp met next.
  EXPECT_EQ(checkpoint.mark().to_string(), "bots/p.yaml:12:5");
}

TEST(BotConfig, OptionalSectionsTakeTheirDefaults) {
  const BotConfig config = parse_bot_config(live_bot(), "bots/p.yaml");
  EXPECT_EQ(config.mode, Mode::Paper);
  EXPECT_FALSE(config.data->live_feed());
  EXPECT_EQ(config.data->speed, Ratio::from_units(1));
  EXPECT_EQ(config.instrument.min_notional, Money());
  EXPECT_EQ(config.initial_cash, Money::from_units(1'000'000));
  EXPECT_FALSE(config.risk.max_position.has_value());
  EXPECT_FALSE(config.risk.max_order_notional.has_value());
  EXPECT_FALSE(config.risk.max_open_orders.has_value());
  EXPECT_FALSE(config.risk.max_daily_loss.has_value());
  EXPECT_FALSE(config.risk.kill_switch);
}

TEST(BotConfig, RiskAndAccountValuesAreReadExactly) {
  const BotConfig config = parse_bot_config(
      live_bot("risk:\n"
                "  max_position: 0.5\n"
                "  max_order_notional: 2500.25\n"
                "  max_open_orders: 3\n"
                "  max_daily_loss: 0.00000001\n"
                "  kill_switch: true\n"
                "account: {initial_cash: 10000.10000000}\n"),
      "bots/p.yaml");
  EXPECT_EQ(config.risk.max_position, Quantity::from_raw(50'000'000));
  EXPECT_EQ(config.risk.max_order_notional, Money::from_raw(250'025'000'000));
  EXPECT_EQ(config.risk.max_open_orders, 3);
  EXPECT_EQ(config.risk.max_daily_loss, Money::from_raw(1));
  EXPECT_TRUE(config.risk.kill_switch);
  EXPECT_EQ(config.initial_cash, Money::from_raw(1'000'010'000'000));
}

TEST(BotConfig, ExplicitBaseAndQuoteAllowASymbolWithoutSlash) {
  const BotConfig config = parse_bot_config(
      "name: nvda\nmode: live\n"
      "instrument: {symbol: NVDA, base: NVDA, quote: USD, tick_size: 0.01, lot_size: 1}\n"
      "strategy: {plugin: ml_signal}\nexchange: {plugin: broker}\ndata: {feed: broker, interval: 1d}\n",
      "bots/nvda.yaml");
  EXPECT_EQ(config.mode, Mode::Live);
  EXPECT_EQ(config.instrument.symbol, "NVDA");
  EXPECT_EQ(config.instrument.base_asset, "NVDA");
  EXPECT_EQ(config.instrument.quote_asset, "USD");
}

TEST(BotConfig, ModeNamesRoundTrip) {
  EXPECT_EQ(to_string(Mode::Backtest), "backtest");
  EXPECT_EQ(to_string(Mode::Paper), "paper");
  EXPECT_EQ(to_string(Mode::Live), "live");
}

TEST(BotConfig, MissingFileSaysWhyItCannotBeRead) {
  const std::filesystem::path missing = test::test_source_dir() / "data/good_yaml/no-such-bot.yaml";
  try {
    load_bot_config(missing);
    FAIL() << "a missing file loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), missing.string() + ": cannot read file: No such file or directory");
  }
}

TEST(BotConfig, ADirectoryIsNotABotFile) {
  const std::filesystem::path folder = test::test_source_dir() / "data/good_yaml";
  EXPECT_THROW(load_bot_config(folder), ConfigError);
}

}  // namespace
}  // namespace smoops::config

namespace smoops::config {
namespace {

TEST(BotConfig, PaperBotsReplayTheirDataAtTheGivenSpeed) {
  const BotConfig config = parse_bot_config(
      "name: p\nmode: paper\ninstrument: {symbol: A/B, tick_size: 1, lot_size: 1}\n"
      "strategy: {plugin: sma_cross}\nexchange: {plugin: sim}\ndata: {csv: /srv/bars.csv, speed: 1000}\n",
      "bots/p.yaml");
  EXPECT_EQ(config.mode, Mode::Paper);
  ASSERT_TRUE(config.data.has_value());
  EXPECT_EQ(config.data->speed, Ratio::from_units(1000));
  const BotConfig default_speed = parse_bot_config(
      "name: p\nmode: paper\ninstrument: {symbol: A/B, tick_size: 1, lot_size: 1}\n"
      "strategy: {plugin: sma_cross}\nexchange: {plugin: sim}\ndata: {csv: /srv/bars.csv}\n",
      "bots/p.yaml");
  EXPECT_EQ(default_speed.data->speed, Ratio::from_units(1));
}

}  // namespace
}  // namespace smoops::config

namespace smoops::config {
namespace {
std::string bot_error(const std::string& yaml) {
  try {
    parse_bot_config(yaml, "bots/f.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
const char* const kFeedBotHead =
    "name: f\nmode: live\ninstrument: {symbol: BTC/USDT}\nstrategy: {plugin: sma_cross}\nexchange: {plugin: binance}\n";
}  // namespace

TEST(BotConfig, ALiveFeedNamesItsPluginIntervalAndParamsAndMayLeaveTheFiltersToTheVenue) {
  const BotConfig config = parse_bot_config(
      std::string(kFeedBotHead) + "data: {feed: binance, interval: 5m, trades: true, params: {testnet: true}}\n",
      "bots/f.yaml");
  ASSERT_TRUE(config.data->live_feed());
  EXPECT_EQ(config.data->feed.plugin, "binance");
  EXPECT_EQ(config.data->interval, "5m");
  EXPECT_TRUE(config.data->trades);
  EXPECT_TRUE(config.data->feed.params.get_bool("testnet"));
  EXPECT_EQ(config.data->mark.to_string(), "bots/f.yaml:6:14");
  EXPECT_FALSE(config.instrument_given.tick_size);
  EXPECT_FALSE(config.instrument_given.lot_size);
  EXPECT_FALSE(config.instrument_given.min_notional);
}

TEST(BotConfig, DataIsAFileOrAFeedInTheModesThatTakeThem) {
  EXPECT_EQ(bot_error(std::string(kFeedBotHead) + "data: {csv: x.csv}\n"),
            "bots/f.yaml:6:13: data.csv: mode live trades on a live feed; write data: {feed: binance, interval: 5m} "
            "(a file replay is mode paper)");
  EXPECT_EQ(bot_error(std::string(kFeedBotHead) + "data: {feed: binance, interval: 7m}\n"),
            "bots/f.yaml:6:33: data.interval: expected a bar interval: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, "
            "12h, 1d, 3d, 1w or 1M, got '7m'");
  EXPECT_NE(bot_error(std::string(kFeedBotHead) + "data: {feed: binance}\n").find("missing required key 'interval'"),
            std::string::npos);
  EXPECT_NE(bot_error(std::string(kFeedBotHead) + "data: {feed: binance, csv: x.csv, interval: 5m}\n")
                .find("not both"),
            std::string::npos);
  EXPECT_NE(bot_error("name: f\nmode: backtest\ninstrument: {symbol: BTC/USDT, tick_size: 1, lot_size: 1}\n"
                      "strategy: {plugin: sma_cross}\nexchange: {plugin: sim}\ndata: {feed: binance, interval: 5m}\n")
                .find("a backtest reads its bars from a file"),
            std::string::npos);
  // On a file nobody can supply the filters.
  EXPECT_NE(bot_error("name: f\nmode: paper\ninstrument: {symbol: BTC/USDT}\nstrategy: {plugin: sma_cross}\n"
                      "exchange: {plugin: sim}\ndata: {csv: x.csv}\n")
                .find("missing required key 'tick_size'"),
            std::string::npos);
}

}  // namespace smoops::config
