// `smoops backtest --store`, `smoops runs list` and `smoops runs show` as a user runs them: the
// real binary and plugins, real market data from ../shared/data, a real PostgreSQL database.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>

#include "smoops/fixed_point.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

const std::string kSmoops = (test::bin_dir() / "smoops").string();
constexpr std::int64_t kNanosPerMilli = 1'000'000;

std::string btc_bot_yaml(const std::filesystem::path& data, const std::string& extra = "") {
  return "name: btc-sma\n"
         "mode: backtest\n"
         "instrument: {symbol: BTC/USDT, tick_size: 0.1, lot_size: 0.00001, min_notional: 10}\n"
         "strategy:\n  plugin: sma_cross\n  params: {fast: 10, slow: 30, quantity: 1}\n"
         "exchange:\n  plugin: sim\n  params: {fee_rate: 0.001, slippage_bps: 0}\n"
         "data:\n  csv: " + data.string() + "\n" + extra;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Money money(const std::string& text) { return Money::parse_or_throw(text); }

/// The id in the "stored as run ID" line, or -1.
std::int64_t stored_run_id(const std::string& out) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex("stored as run ([0-9]+)\n"))) return -1;
  return std::stoll(match[1]);
}

class BacktestStore : public ::testing::Test {
 protected:
  test::ProcessResult smoops(std::vector<std::string> args) {
    args.insert(args.begin(), kSmoops);
    return test::run_process(args, scratch_.path());
  }
  void migrate() {
    const auto result = smoops({"db", "migrate", "--dsn", database_.dsn()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  /// Runs the BTC backtest with --store and --json; returns the result.
  test::ProcessResult store_backtest(const std::filesystem::path& json_file, const std::string& dsn,
                                     const std::string& extra_yaml = "") {
    const auto bot = dir_.write("bot.yaml", btc_bot_yaml(test::shared_data("ft_btc_usdt_5m.csv"), extra_yaml));
    return smoops({"backtest", "--config", bot.string(), "--json", json_file.string(), "--store", "--dsn", dsn});
  }
  pqxx::result query(const std::string& sql) {
    pqxx::connection connection(database_.dsn());
    pqxx::nontransaction work(connection);
    return work.exec(sql);
  }

  test::TempDir dir_;
  test::TempDir scratch_;
  test::TestDatabase database_;
};

TEST_F(BacktestStore, StoredTradesEquityAndRunEqualTheReport) {
  migrate();
  const auto json_file = dir_.path() / "report.json";
  const auto result = store_backtest(json_file, database_.dsn());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::int64_t id = stored_run_id(result.out);
  ASSERT_GT(id, 0) << result.out;
  const auto report = read_json(json_file);
  const auto& summary = report["summary"];

  // The trades, field by field, as exact decimals; times in nanoseconds.
  const auto trades = query("SELECT n, direction, entry_ts, entry_price::text, exit_ts, exit_price::text, "
                            "quantity::text, pnl::text, fees::text FROM backtest_trades WHERE run_id = " +
                            std::to_string(id) + " ORDER BY n");
  ASSERT_GT(report["trades"].size(), 10u);
  ASSERT_EQ(trades.size(), report["trades"].size());
  for (std::size_t i = 0; i < trades.size(); ++i) {
    const auto& row = trades[static_cast<int>(i)];
    const auto& trade = report["trades"][i];
    SCOPED_TRACE("trade " + std::to_string(i + 1));
    EXPECT_EQ(row[0].as<std::size_t>(), i + 1);
    EXPECT_EQ(row[1].as<std::string>(), trade["side"]);
    EXPECT_EQ(row[2].as<std::int64_t>(), trade["entry_ts"].get<std::int64_t>() * kNanosPerMilli);
    EXPECT_EQ(Price::parse_or_throw(row[3].c_str()), Price::parse_or_throw(trade["entry_price"].get<std::string>()));
    EXPECT_EQ(row[4].as<std::int64_t>(), trade["exit_ts"].get<std::int64_t>() * kNanosPerMilli);
    EXPECT_EQ(Price::parse_or_throw(row[5].c_str()), Price::parse_or_throw(trade["exit_price"].get<std::string>()));
    EXPECT_EQ(Quantity::parse_or_throw(row[6].c_str()), Quantity::parse_or_throw(trade["qty"].get<std::string>()));
    EXPECT_EQ(money(row[7].c_str()), money(trade["pnl"]));
    EXPECT_EQ(money(row[8].c_str()), money(trade["fees"]));
  }

  // The equity curve: one row per bar, and the report's samples are among them, equal.
  std::map<std::int64_t, Money> equity;
  for (const auto& row : query("SELECT ts, equity::text FROM equity WHERE run_id = " + std::to_string(id)))
    equity[row[0].as<std::int64_t>()] = money(row[1].c_str());
  EXPECT_EQ(equity.size(), summary["bars"].get<std::size_t>());
  EXPECT_EQ(equity.begin()->first, summary["first_bar_ts"].get<std::int64_t>() * kNanosPerMilli);
  EXPECT_EQ(equity.rbegin()->first, summary["last_bar_ts"].get<std::int64_t>() * kNanosPerMilli);
  EXPECT_EQ(equity.rbegin()->second, money(summary["final_equity"]));
  ASSERT_GT(report["equity"].size(), 100u);
  for (const auto& sample : report["equity"]) {
    const auto found = equity.find(sample["ts"].get<std::int64_t>() * kNanosPerMilli);
    ASSERT_NE(found, equity.end()) << sample.dump();
    EXPECT_EQ(found->second, money(sample["equity"])) << sample.dump();
  }
  // equity == cash + position × close holds on every row the bot was flat.
  EXPECT_EQ(query("SELECT count(*) FROM equity WHERE run_id = " + std::to_string(id) +
                  " AND position = 0 AND equity <> cash")[0][0].as<int>(), 0);

  // The run itself.
  const auto run = query("SELECT kind, bot, symbol, status, end_reason, config_file, config_yaml, code_version, "
                         "data_file, initial_cash::text, final_equity::text, bars, trades, summary::text, "
                         "ended_at >= started_at FROM runs WHERE id = " + std::to_string(id));
  ASSERT_EQ(run.size(), 1u);
  const auto& row = run[0];
  EXPECT_EQ(row[0].as<std::string>(), "backtest");
  EXPECT_EQ(row[1].as<std::string>(), "btc-sma");
  EXPECT_EQ(row[2].as<std::string>(), "BTC/USDT");
  EXPECT_EQ(row[3].as<std::string>(), "finished");
  EXPECT_TRUE(row[4].is_null());
  EXPECT_EQ(row[5].as<std::string>(), (dir_.path() / "bot.yaml").lexically_normal().string());
  EXPECT_EQ(row[6].as<std::string>(), read_text(dir_.path() / "bot.yaml"));
  const std::string code_version = row[7].as<std::string>();
  const auto version = smoops({"version"});
  EXPECT_EQ(code_version.rfind("smoops " + version.out.substr(7, version.out.find(' ', 7) - 7) + " ", 0), 0u)
      << code_version << " vs " << version.out;
  // Each plugin as name@version, the versions `smoops plugins list` shows.
  const auto plugins = smoops({"plugins", "list"});
  for (const char* name : {"sma_cross", "sim"}) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(plugins.out, match, std::regex(std::string("\\b") + name + "\\s+\\w+\\s+([0-9.]+)")))
        << plugins.out;
    EXPECT_NE(code_version.find(std::string(name) + "@" + match[1].str()), std::string::npos) << code_version;
  }
  EXPECT_EQ(row[8].as<std::string>(), test::shared_data("ft_btc_usdt_5m.csv").lexically_normal().string());
  EXPECT_EQ(money(row[9].c_str()), money(report["initial_cash"]));
  EXPECT_EQ(money(row[10].c_str()), money(summary["final_equity"]));
  EXPECT_EQ(row[11].as<std::int64_t>(), summary["bars"].get<std::int64_t>());
  EXPECT_EQ(row[12].as<std::size_t>(), report["trades"].size());
  EXPECT_EQ(nlohmann::json::parse(row[13].c_str()), summary);
  EXPECT_TRUE(row[14].as<bool>());
}

TEST_F(BacktestStore, RunsListAndShowReadTheRunBack) {
  migrate();
  const auto json_file = dir_.path() / "report.json";
  const auto stored = store_backtest(json_file, database_.dsn());
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  const std::int64_t id = stored_run_id(stored.out);
  const auto report = read_json(json_file);

  const auto list = smoops({"runs", "list", "--dsn", database_.dsn()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("ID +KIND +BOT +SYMBOL +STARTED +BARS +TRADES +RETURN +STATUS")))
      << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("\n" + std::to_string(id) + " +backtest +btc-sma +BTC/USDT +\\S+ +10999 +" +
                                                         std::to_string(report["trades"].size()) + " +-?[0-9.]+% +finished\n")))
      << list.out;

  const auto list_json = smoops({"runs", "list", "--dsn", database_.dsn(), "--json"});
  ASSERT_EQ(list_json.exit_code, 0) << list_json.err;
  const auto runs = nlohmann::json::parse(list_json.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], id);
  EXPECT_EQ(runs[0]["summary"], report["summary"]);

  // show --json round-trips the statistics and the trades exactly.
  const auto show = smoops({"runs", "show", std::to_string(id), "--dsn", database_.dsn(), "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const auto shown = nlohmann::json::parse(show.out);
  EXPECT_EQ(shown["id"], id);
  EXPECT_EQ(shown["summary"], report["summary"]);
  EXPECT_EQ(shown["trades"], report["trades"]);
  EXPECT_EQ(shown["trade_count"], report["trades"].size());
  EXPECT_EQ(shown["config_yaml"], read_text(dir_.path() / "bot.yaml"));
  EXPECT_EQ(shown["equity"]["points"], report["summary"]["bars"]);
  EXPECT_EQ(shown["equity"]["last"]["ts"], report["summary"]["last_bar_ts"]);
  EXPECT_EQ(money(shown["equity"]["last"]["equity"]), money(report["summary"]["final_equity"]));
  EXPECT_EQ(money(shown["final_equity"]), money(report["summary"]["final_equity"]));

  const auto limited = smoops({"runs", "show", std::to_string(id), "--dsn", database_.dsn(), "--json", "--trades", "3"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(nlohmann::json::parse(limited.out)["trades"].size(), 3u);

  // For people: the fields, the statistics and the first 20 trades.
  const auto human = smoops({"runs", "show", std::to_string(id), "--dsn", database_.dsn()});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("run " + std::to_string(id) + ": backtest btc-sma on BTC/USDT"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("statistics\n"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("sharpe"), std::string::npos) << human.out;
  EXPECT_TRUE(std::regex_search(human.out, std::regex("\n1 +long +2023-01-\\d\\d \\d\\d:\\d\\d:\\d\\d +[0-9.]+ +"))) << human.out;
  EXPECT_NE(human.out.find("(20 of " + std::to_string(report["trades"].size()) + " trades shown"), std::string::npos)
      << human.out;
}

TEST_F(BacktestStore, TwoStoredRunsGetDifferentIdsNewestListedFirst) {
  migrate();
  const auto first = store_backtest(dir_.path() / "a.json", database_.dsn());
  const auto second = store_backtest(dir_.path() / "b.json", database_.dsn());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const std::int64_t a = stored_run_id(first.out);
  const std::int64_t b = stored_run_id(second.out);
  EXPECT_GT(a, 0);
  EXPECT_GT(b, a);

  const auto runs = nlohmann::json::parse(smoops({"runs", "list", "--dsn", database_.dsn(), "--json"}).out);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["id"], b);
  EXPECT_EQ(runs[1]["id"], a);
  const auto one = nlohmann::json::parse(smoops({"runs", "list", "--dsn", database_.dsn(), "--json", "--limit", "1"}).out);
  EXPECT_EQ(one.size(), 1u);
  EXPECT_TRUE(nlohmann::json::parse(
                  smoops({"runs", "list", "--dsn", database_.dsn(), "--json", "--bot", "someone-else"}).out)
                  .empty());
  EXPECT_TRUE(
      nlohmann::json::parse(smoops({"runs", "list", "--dsn", database_.dsn(), "--json", "--kind", "live"}).out).empty());
  // Both runs are complete: trades and equity of one never mix with the other's.
  EXPECT_EQ(query("SELECT count(DISTINCT run_id) FROM equity")[0][0].as<int>(), 2);
  EXPECT_EQ(query("SELECT count(*) FROM equity WHERE run_id = " + std::to_string(a))[0][0].as<int>(), 10999);
}

TEST_F(BacktestStore, AHaltedBotIsStoredWithItsReason) {
  migrate();
  const auto result = store_backtest(dir_.path() / "r.json", database_.dsn(), "risk: {max_daily_loss: 1}\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;  // a risk halt is not a fault
  const std::int64_t id = stored_run_id(result.out);
  const auto run = query("SELECT status, end_reason FROM runs WHERE id = " + std::to_string(id));
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0][0].as<std::string>(), "finished");
  EXPECT_EQ(run[0][1].as<std::string>(), read_json(dir_.path() / "r.json")["halt_reason"]);
  EXPECT_NE(run[0][1].as<std::string>().find("max daily loss"), std::string::npos);
}

TEST_F(BacktestStore, UnknownRunIdExits13AndABadIdIsAUsageError) {
  migrate();
  const auto unknown = smoops({"runs", "show", "424242", "--dsn", database_.dsn()});
  EXPECT_EQ(unknown.exit_code, 13);
  EXPECT_NE(unknown.err.find("error: no run with id 424242"), std::string::npos) << unknown.err;
  EXPECT_EQ(unknown.out, "");

  for (const auto& args : std::vector<std::vector<std::string>>{{"runs", "show", "abc"},
                                                                  {"runs", "show", "12x"},
                                                                  {"runs", "show", "0"},
                                                                  {"runs", "show"},
                                                                  {"runs", "list", "--kind", "sideways"},
                                                                  {"runs", "frobnicate"},
                                                                  {"runs"}}) {
    auto with_dsn = args;
    with_dsn.insert(with_dsn.end(), {"--dsn", database_.dsn()});
    const auto result = smoops(with_dsn);
    EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(args) << result.err;
    EXPECT_NE(result.err.find("usage: smoops"), std::string::npos) << ::testing::PrintToString(args);
  }
}

TEST_F(BacktestStore, UnmigratedDatabaseExits11AndSaysToMigrateAfterWritingTheReport) {
  const auto json_file = dir_.path() / "report.json";
  const auto result = store_backtest(json_file, database_.dsn());
  EXPECT_EQ(result.exit_code, 11) << result.out << result.err;
  EXPECT_NE(result.err.find("smoops db migrate"), std::string::npos) << result.err;
  EXPECT_TRUE(std::filesystem::exists(json_file));
  EXPECT_NE(result.out.find("total pnl"), std::string::npos) << result.out;
  EXPECT_EQ(stored_run_id(result.out), -1);
  // A server named with --dsn is never migrated behind the user's back.
  EXPECT_EQ(query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'")[0][0].as<int>(), 0);

  const auto list = smoops({"runs", "list", "--dsn", database_.dsn()});
  EXPECT_EQ(list.exit_code, 11);
  EXPECT_NE(list.err.find("smoops db migrate"), std::string::npos) << list.err;
}

TEST_F(BacktestStore, UnreachableDatabaseExits10AfterWritingTheReport) {
  const auto json_file = dir_.path() / "report.json";
  const std::string dsn = "host=" + (dir_.path() / "no-server-here").string() + " port=5999 user=smoops dbname=smoops";
  const auto result = store_backtest(json_file, dsn);
  EXPECT_EQ(result.exit_code, 10) << result.out << result.err;
  EXPECT_NE(result.err.find("error: "), std::string::npos) << result.err;
  EXPECT_TRUE(std::filesystem::exists(json_file));
  EXPECT_EQ(read_json(json_file)["summary"]["bars"], 10999);
  EXPECT_EQ(stored_run_id(result.out), -1);
}

TEST_F(BacktestStore, StoreOptionsWithoutStoreAreAUsageError) {
  const auto bot = dir_.write("bot.yaml", btc_bot_yaml(test::shared_data("ft_xrp_usdt_1h.csv")));
  const auto result = smoops({"backtest", "--config", bot.string(), "--dsn", database_.dsn()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--dsn is a store option: it needs --store"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace smoops
