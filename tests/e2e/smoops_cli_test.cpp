// The smoops command line as a user runs it: the real binary, the real plugins from
// build/plugins, real market data from ../shared/data.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

const std::string kSmoops = (test::bin_dir() / "smoops").string();

std::string btc_bot_yaml(const std::filesystem::path& data) {
  return "name: btc-sma\n"
         "mode: backtest\n"
         "instrument: {symbol: BTC/USDT, tick_size: 0.1, lot_size: 0.00001, min_notional: 10}\n"
         "strategy:\n  plugin: sma_cross\n  params: {fast: 10, slow: 30, quantity: 1}\n"
         "exchange:\n  plugin: sim\n  params: {fee_rate: 0.001, slippage_bps: 0}\n"
         "data:\n  csv: " + data.string() + "\n";
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

class SmoopsCli : public ::testing::Test {
 protected:
  test::ProcessResult smoops(std::vector<std::string> args) {
    args.insert(args.begin(), kSmoops);
    return test::run_process(args, scratch_.path());
  }
  test::TempDir dir_;
  test::TempDir scratch_;
};

TEST_F(SmoopsCli, BacktestTwiceGivesIdenticalJsonApartFromTheTimingFields) {
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(test::shared_data("ft_btc_usdt_5m.csv")));
  const auto first = smoops({"backtest", "--config", bot.string(), "--json", (dir_.path() / "a.json").string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto second = smoops({"backtest", "--config", bot.string(), "--json", (dir_.path() / "b.json").string()});
  ASSERT_EQ(second.exit_code, 0) << second.err;

  auto a = read_json(dir_.path() / "a.json");
  auto b = read_json(dir_.path() / "b.json");
  ASSERT_GT(a["trades"].size(), 10u);
  for (auto* report : {&a, &b}) {
    ASSERT_TRUE((*report)["summary"].contains("elapsed_s"));
    ASSERT_TRUE((*report)["summary"].contains("bars_per_s"));
    (*report)["summary"].erase("elapsed_s");
    (*report)["summary"].erase("bars_per_s");
  }
  EXPECT_EQ(a, b);
}

TEST_F(SmoopsCli, BacktestJsonHasTheDocumentedFields) {
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(test::shared_data("ft_btc_usdt_5m.csv")));
  const auto json_file = dir_.path() / "report.json";
  const auto result = smoops({"backtest", "--config", bot.string(), "--json", json_file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = read_json(json_file);
  for (const char* key : {"bars", "trades", "total_pnl", "return_pct", "sharpe", "sortino", "max_drawdown_pct",
                          "win_rate", "profit_factor", "exposure_pct", "fees", "elapsed_s", "bars_per_s"})
    EXPECT_TRUE(report["summary"].contains(key)) << key;
  EXPECT_EQ(report["summary"]["bars"], 10999);
  EXPECT_EQ(report["summary"]["trades"], report["trades"].size());
  const auto& trade = report["trades"][0];
  for (const char* key : {"entry_ts", "entry_price", "exit_ts", "exit_price", "qty", "pnl", "fees"})
    EXPECT_TRUE(trade.contains(key)) << key;
  EXPECT_TRUE(trade["entry_ts"].is_number_integer());
  EXPECT_TRUE(trade["pnl"].is_string());  // exact decimal
  // Every trade was entered by a filled order that the report also lists.
  EXPECT_GE(report["orders"].size(), report["trades"].size() * 2);
  EXPECT_LE(report["equity"].size(), 1001u);
  EXPECT_EQ(report["equity"].back()["ts"], report["summary"]["last_bar_ts"]);
  // The readable summary is printed too.
  EXPECT_NE(result.out.find("total pnl"), std::string::npos);
}

TEST_F(SmoopsCli, DataOptionOverridesTheBotFile) {
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml("does-not-exist.csv"));
  const auto json_file = dir_.path() / "report.json";
  const auto result = smoops({"backtest", "--config", bot.string(), "--data",
                              test::shared_data("ft_xrp_usdt_1h.csv").string(), "--json", json_file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(read_json(json_file)["summary"]["bars"], 100);
}

TEST_F(SmoopsCli, BadArgumentsPrintUsageAndExit2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"backtest"}, {"backtest", "--config"}, {"backtest", "--config", "x.yaml", "--bogus"},
           {"config"}, {"config", "check"}, {"plugins", "remove"}, {"--log-level", "loud", "version"}}) {
    const auto result = smoops(args);
    EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_NE(result.err.find("usage: smoops"), std::string::npos) << ::testing::PrintToString(args);
  }
}

TEST_F(SmoopsCli, ConfigCheckReportsFileLineAndColumnAndExits3) {
  const auto good = dir_.write("good.yaml", btc_bot_yaml(test::shared_data("ft_xrp_usdt_1h.csv")));
  const auto bad = dir_.write("bad.yaml",
                              "name: b\nmode: backtest\ninstrument: {symbol: A/B, tick_size: 0.01, lot_size: 1}\n"
                              "strategy:\n  plugin: sma_cross\n  params: {fast: 10, slow: 30, quantity: 1, fats: 3}\n"
                              "exchange: {plugin: sim}\ndata: {csv: x.csv}\n");
  const auto ok = smoops({"config", "check", good.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("ok"), std::string::npos);
  const auto result = smoops({"config", "check", good.string(), bad.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find(bad.string() + ":6:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("fats"), std::string::npos) << result.err;
}

TEST_F(SmoopsCli, ConfigCheckOpensTheDataFileOfABacktestBot) {
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(dir_.path() / "missing.csv"));
  const auto result = smoops({"config", "check", bot.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find(bot.string() + ":11:8: data.csv: " + (dir_.path() / "missing.csv").string()),
            std::string::npos)
      << result.err;
}

TEST_F(SmoopsCli, ConfigCheckRefusesADaemonWhoseBotsShareAName) {
  const auto data = test::shared_data("ft_xrp_usdt_1h.csv");
  const auto first = dir_.write("a.yaml", btc_bot_yaml(data));
  const auto second = dir_.write("b.yaml", btc_bot_yaml(data));
  const auto daemon = dir_.write("smoopsd.yaml", "bots: [a.yaml, b.yaml]\n");
  const auto result = smoops({"config", "check", daemon.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find(second.string() + ": bot name 'btc-sma' is already used by " + first.string()),
            std::string::npos)
      << result.err;
}

TEST_F(SmoopsCli, UnknownPluginIsAConfigErrorAtThePluginName) {
  const auto bot = dir_.write("bot.yaml", "name: b\nmode: backtest\n"
                                          "instrument: {symbol: A/B, tick_size: 0.01, lot_size: 1}\n"
                                          "strategy:\n  plugin: sma_crosss\n"
                                          "exchange: {plugin: sim}\ndata: {csv: x.csv}\n");
  const auto result = smoops({"config", "check", bot.string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find(bot.string() + ":5:11: strategy.plugin:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("sma_crosss"), std::string::npos) << result.err;
}

TEST_F(SmoopsCli, PluginsListShowsTheBuiltPlugins) {
  const auto result = smoops({"plugins", "list"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* text : {"NAME", "KIND", "VERSION", "ABI", "PATH", "sma_cross", "sim", "strategy", "exchange"})
    EXPECT_NE(result.out.find(text), std::string::npos) << text;
}

TEST_F(SmoopsCli, MalformedDataFileExits5WithFileAndLine) {
  const auto data = dir_.write("bars.csv",
                               "timestamp,open,high,low,close,volume\n"
                               "1000,1,2,0.5,1.5,10\n"
                               "2000,1,2,0.5,oops,10\n");
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(data));
  const auto result = smoops({"backtest", "--config", bot.string()});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_NE(result.err.find(data.string() + ":3:"), std::string::npos) << result.err;
}

TEST_F(SmoopsCli, MissingConfigFileExits3) {
  const auto result = smoops({"backtest", "--config", (dir_.path() / "nope.yaml").string()});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("nope.yaml"), std::string::npos);
}

TEST_F(SmoopsCli, UnwritableJsonOutputExits7) {
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(test::shared_data("ft_xrp_usdt_1h.csv")));
  const auto result = smoops({"backtest", "--config", bot.string(), "--json", "/nonexistent-dir/report.json"});
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_NE(result.err.find("/nonexistent-dir/report.json"), std::string::npos);
}

TEST_F(SmoopsCli, GeneratedDemoDataBacktestsEndToEnd) {
  const auto data = dir_.path() / "demo.csv";
  const auto generated = smoops({"data", "generate", "--out", data.string(), "--bars", "5000", "--seed", "7"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(data));
  const auto json_file = dir_.path() / "report.json";
  const auto result = smoops({"backtest", "--config", bot.string(), "--json", json_file.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = read_json(json_file);
  EXPECT_EQ(report["summary"]["bars"], 5000);
  EXPECT_GT(report["trades"].size(), 5u);
}

}  // namespace
}  // namespace smoops
