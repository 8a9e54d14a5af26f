// A plugin author's path: install smoops, build a strategy out of tree against the installed SDK
// with four lines of CMake, test it with the SDK's test kit, and backtest with it through the
// installed smoops.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

const char* kCmake = "/usr/bin/cmake";

TEST(OutOfTreePlugin, BuildsAgainstTheInstalledSdkAndRunsInTheInstalledSmoops) {
  test::TempDir dir;
  test::TempDir scratch;
  const auto prefix = dir.path() / "prefix";
  const auto plugin_build = dir.path() / "plugin-build";
  const auto build_tree = test::bin_dir().parent_path();

  const auto install = test::run_process({kCmake, "--install", build_tree.string(), "--prefix", prefix.string()},
                                         scratch.path());
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  EXPECT_TRUE(std::filesystem::exists(prefix / "include/smoops/smoops.hpp"));
  EXPECT_TRUE(std::filesystem::exists(prefix / "lib/smoops/plugins/smoops_sma_cross.so"));

  const auto configure = test::run_process(
      {kCmake, "-G", "Ninja", "-S", (test::test_source_dir() / "data/out_of_tree_plugin").string(), "-B",
       plugin_build.string(),
       "-DCMAKE_PREFIX_PATH=" + prefix.string(), "-DCMAKE_BUILD_TYPE=Release"},
      scratch.path());
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  const auto build = test::run_process({kCmake, "--build", plugin_build.string()}, scratch.path());
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err;
  EXPECT_TRUE(std::filesystem::exists(prefix / "include/smoops/testing/strategy_driver.hpp"));

  // The plugin's own test, on the installed SDK's test kit.
  const auto unit = test::run_process({(plugin_build / "buy_and_hold_test").string()}, scratch.path());
  EXPECT_EQ(unit.exit_code, 0) << unit.out << unit.err;
  EXPECT_NE(unit.out.find("buy_and_hold_test: all checks passed"), std::string::npos) << unit.out;

  const std::string smoops = (prefix / "bin/smoops").string();
  const auto list = test::run_process({smoops, "plugins", "list", "--plugin-dir", plugin_build.string()}, scratch.path());
  EXPECT_EQ(list.exit_code, 0) << list.err;
  for (const char* name : {"buy_and_hold", "sma_cross", "sim"}) EXPECT_NE(list.out.find(name), std::string::npos) << name;

  const auto data = test::shared_data("ft_xrp_usdt_1h.csv");
  const auto bot = dir.write("bot.yaml", "name: hold\nmode: backtest\n"
                                         "instrument: {symbol: XRP/USDT, tick_size: 0.00001, lot_size: 1}\n"
                                         "strategy: {plugin: buy_and_hold, params: {quantity: 1000}}\n"
                                         "exchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
                                         "data: {csv: " + data.string() + "}\n");
  const auto json_file = dir.path() / "report.json";
  const auto run = test::run_process(
      {smoops, "backtest", "--config", bot.string(), "--plugin-dir", plugin_build.string(), "--json", json_file.string()},
      scratch.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(json_file);
  const auto report = nlohmann::json::parse(in);
  ASSERT_EQ(report["orders"].size(), 1u);
  EXPECT_EQ(report["orders"][0]["status"], "filled");
  // Bought at the second bar's open (1.07896) and marked at the last close.
  EXPECT_EQ(report["orders"][0]["average_fill_price"], "1.07896");
  EXPECT_EQ(report["open_position"]["quantity"], "1000");
}

}  // namespace
}  // namespace smoops
