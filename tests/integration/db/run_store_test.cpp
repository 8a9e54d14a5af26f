// Stored backtests against a real PostgreSQL server: what save_backtest writes comes back from
// load_run and list_runs exactly, and a run is stored whole or not at all.

#include <gtest/gtest.h>

#include <chrono>

#include "store/migrations.hpp"
#include "store/run_store.hpp"
#include "store/store_error.hpp"
#include "support/test_database.hpp"

namespace smoops::store {
namespace {

constexpr std::int64_t kMinuteNanos = 60'000'000'000;
constexpr std::int64_t kStartNanos = 1'672'677'900'000'000'000;  // 2023-01-02 16:45 UTC

engine::RoundTrip make_trade(Side direction, std::int64_t entry_minute, const char* entry_price,
                             std::int64_t exit_minute, const char* exit_price, const char* quantity, const char* pnl,
                             const char* fees) {
  engine::RoundTrip trade;
  trade.direction = direction;
  trade.entry_ts = Timestamp{kStartNanos + entry_minute * kMinuteNanos};
  trade.entry_price = Price::parse_or_throw(entry_price);
  trade.exit_ts = Timestamp{kStartNanos + exit_minute * kMinuteNanos};
  trade.exit_price = Price::parse_or_throw(exit_price);
  trade.quantity = Quantity::parse_or_throw(quantity);
  trade.pnl = Money::parse_or_throw(pnl);
  trade.fees = Money::parse_or_throw(fees);
  return trade;
}

/// A backtest record of `bars` one-minute bars with two trades, one of them a short loser with
/// values down to the last of the 8 decimals.
BacktestRunRecord make_record(const std::string& bot, std::size_t bars) {
  BacktestRunRecord record;
  record.bot = bot;
  record.symbol = "BTC/USDT";
  record.config_file = "/tmp/" + bot + ".yaml";
  record.config_yaml = "name: " + bot + "\nmode: backtest\n# a comment with 'quotes', \\ and\ttabs\n";
  record.code_version = "smoops 0.1.0 sma_cross@1.0.0 sim@1.0.0";
  record.data_file = "/data/btc.csv";
  record.started_at = std::chrono::system_clock::now() - std::chrono::seconds(2);
  record.ended_at = std::chrono::system_clock::now();
  record.initial_cash = Money::from_units(100'000);
  record.final_equity = Money::parse_or_throw("99876.12345678");
  record.bars = static_cast<std::int64_t>(bars);
  record.summary = {{"bars", bars}, {"return_pct", -0.12387654321}, {"sharpe", nullptr}, {"fees", "12.5"}};
  record.trades = {make_trade(Side::Buy, 1, "16727.3", 5, "16730.1", "1", "1.1266", "33.4574"),
                   make_trade(Side::Sell, 7, "16731.00000001", 9, "16740", "0.00001", "-0.00000001", "0.00000033")};
  for (std::size_t i = 0; i < bars; ++i)
    record.equity.push_back({Timestamp{kStartNanos + static_cast<std::int64_t>(i) * kMinuteNanos},
                             Money::from_raw(10'000'000'000'000 - static_cast<std::int64_t>(i)),
                             Money::from_raw(5'000'000'000'000 + static_cast<std::int64_t>(i)),
                             Quantity::parse_or_throw(i % 2 ? "-0.5" : "0.00000001")});
  return record;
}

RunFilter filter(std::optional<std::string> bot, std::optional<std::string> kind, std::size_t limit = 20) {
  RunFilter filter;
  filter.bot = std::move(bot);
  filter.kind = std::move(kind);
  filter.limit = limit;
  return filter;
}

void expect_same_trade(const engine::RoundTrip& stored, const engine::RoundTrip& saved) {
  EXPECT_EQ(stored.direction, saved.direction);
  EXPECT_EQ(stored.entry_ts.nanos, saved.entry_ts.nanos);
  EXPECT_EQ(stored.entry_price, saved.entry_price);
  EXPECT_EQ(stored.exit_ts.nanos, saved.exit_ts.nanos);
  EXPECT_EQ(stored.exit_price, saved.exit_price);
  EXPECT_EQ(stored.quantity, saved.quantity);
  EXPECT_EQ(stored.pnl, saved.pnl);
  EXPECT_EQ(stored.fees, saved.fees);
}

class RunStore : public ::testing::Test {
 protected:
  void SetUp() override { migrate(connection_, bundled_migrations(), [](const Migration&, auto) {}); }
  std::int64_t count(const std::string& table) {
    pqxx::nontransaction work(connection_);
    return work.exec1("SELECT count(*) FROM " + table)[0].as<std::int64_t>();
  }

  test::TestDatabase database_;
  pqxx::connection connection_{database_.dsn()};
};

TEST_F(RunStore, SavedBacktestLoadsBackExactly) {
  const BacktestRunRecord record = make_record("btc-sma", 50);
  const std::int64_t id = save_backtest(connection_, record);

  const std::optional<StoredRun> stored = load_run(connection_, id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->run.id, id);
  EXPECT_EQ(stored->run.kind, "backtest");
  EXPECT_EQ(stored->run.bot, "btc-sma");
  EXPECT_EQ(stored->run.symbol, "BTC/USDT");
  EXPECT_EQ(stored->run.status, "finished");
  EXPECT_FALSE(stored->run.end_reason.has_value());
  EXPECT_TRUE(stored->run.ended_at.has_value());
  EXPECT_EQ(stored->run.initial_cash, record.initial_cash);
  EXPECT_EQ(stored->run.final_equity, record.final_equity);
  EXPECT_EQ(stored->run.bars, 50);
  EXPECT_EQ(stored->run.trades, 2);
  EXPECT_EQ(stored->run.summary, nlohmann::json::parse(record.summary.dump()));
  EXPECT_EQ(stored->config_file, record.config_file);
  EXPECT_EQ(stored->config_yaml, record.config_yaml);
  EXPECT_EQ(stored->code_version, record.code_version);
  EXPECT_EQ(stored->data_file, record.data_file);

  ASSERT_EQ(stored->trades.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) expect_same_trade(stored->trades[i], record.trades[i]);

  EXPECT_EQ(stored->equity_points, 50);
  ASSERT_TRUE(stored->first_equity && stored->last_equity);
  EXPECT_EQ(stored->first_equity->ts.nanos, record.equity.front().ts.nanos);
  EXPECT_EQ(stored->first_equity->equity, record.equity.front().equity);
  EXPECT_EQ(stored->first_equity->position, record.equity.front().position);
  EXPECT_EQ(stored->last_equity->ts.nanos, record.equity.back().ts.nanos);
  EXPECT_EQ(stored->last_equity->cash, record.equity.back().cash);
  EXPECT_EQ(stored->last_equity->position, Quantity::parse_or_throw("-0.5"));
}

TEST_F(RunStore, TradeLimitLoadsTheFirstTradesOnly) {
  const std::int64_t id = save_backtest(connection_, make_record("btc-sma", 3));
  const auto stored = load_run(connection_, id, 1);
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->trades.size(), 1u);
  EXPECT_EQ(stored->trades[0].direction, Side::Buy);
  EXPECT_EQ(stored->run.trades, 2);  // the count is still the run's
}

TEST_F(RunStore, FailedRunKeepsItsStatusAndReason) {
  BacktestRunRecord record = make_record("thrower", 3);
  record.failed = true;
  record.end_reason = "strategy threw in on_bar: boom";
  const auto stored = load_run(connection_, save_backtest(connection_, record));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->run.status, "failed");
  EXPECT_EQ(stored->run.end_reason, record.end_reason);
}

TEST_F(RunStore, AFailingInsertLeavesNothingBehind) {
  BacktestRunRecord record = make_record("btc-sma", 100);
  record.equity[60].ts = record.equity[59].ts;  // violates the equity table's key, after the run row and trades
  try {
    save_backtest(connection_, record);
    FAIL() << "a duplicate equity timestamp was stored";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Query);
    EXPECT_NE(std::string(e.what()).find("nothing was stored"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count("runs"), 0);
  EXPECT_EQ(count("backtest_trades"), 0);
  EXPECT_EQ(count("equity"), 0);
  // The connection is still usable: the next run stores.
  EXPECT_GT(save_backtest(connection_, make_record("btc-sma", 100)), 0);
  EXPECT_EQ(count("equity"), 100);
}

// A long backtest's curve is stored whole and exact, row for row. (How fast: smoops_bench_store's
// "stored backtest" scenario, docs/benchmarks.md.)
TEST_F(RunStore, HundredThousandEquityPointsAreStoredRowForRow) {
  const BacktestRunRecord record = make_record("long-run", 100'000);
  const std::int64_t id = save_backtest(connection_, record);
  EXPECT_EQ(load_run(connection_, id)->equity_points, 100'000);

  pqxx::nontransaction work(connection_);
  const pqxx::result rows = work.exec_params(
      "SELECT ts, equity::text, cash::text, position::text FROM equity WHERE run_id = $1 ORDER BY ts", id);
  ASSERT_EQ(rows.size(), record.equity.size());
  for (std::size_t i = 0; i < record.equity.size(); ++i) {
    const EquityRow& saved = record.equity[i];
    const pqxx::row row = rows[static_cast<pqxx::result::size_type>(i)];
    const std::string where = "row " + std::to_string(i) + ", saved " + std::to_string(saved.ts.nanos) + " " +
                              saved.equity.to_string() + " " + saved.cash.to_string() + " " +
                              saved.position.to_string() + ", stored " + row[0].c_str() + " " + row[1].c_str() +
                              " " + row[2].c_str() + " " + row[3].c_str();
    ASSERT_EQ(row[0].as<std::int64_t>(), saved.ts.nanos) << where;
    ASSERT_EQ(Money::parse_or_throw(row[1].c_str()), saved.equity) << where;
    ASSERT_EQ(Money::parse_or_throw(row[2].c_str()), saved.cash) << where;
    ASSERT_EQ(Quantity::parse_or_throw(row[3].c_str()), saved.position) << where;
  }
}

TEST_F(RunStore, ListIsNewestFirstAndFilters) {
  const std::int64_t first = save_backtest(connection_, make_record("alpha", 2));
  const std::int64_t second = save_backtest(connection_, make_record("beta", 2));
  const std::int64_t third = save_backtest(connection_, make_record("alpha", 2));
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);

  const auto all = list_runs(connection_, {});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, third);
  EXPECT_EQ(all[2].id, first);
  ASSERT_TRUE(all[0].return_pct().has_value());
  EXPECT_NEAR(*all[0].return_pct(), -0.12387654322, 1e-9);

  const auto alpha = list_runs(connection_, filter("alpha", {}));
  ASSERT_EQ(alpha.size(), 2u);
  EXPECT_EQ(alpha[0].id, third);
  EXPECT_EQ(alpha[1].id, first);
  EXPECT_EQ(list_runs(connection_, filter("alpha", {}, 1)).size(), 1u);
  EXPECT_EQ(list_runs(connection_, filter({}, "backtest")).size(), 3u);
  EXPECT_TRUE(list_runs(connection_, filter({}, "paper")).empty());
  EXPECT_TRUE(list_runs(connection_, filter("nobody", {})).empty());
}

TEST_F(RunStore, UnknownIdLoadsNothing) {
  save_backtest(connection_, make_record("btc-sma", 2));
  EXPECT_FALSE(load_run(connection_, 999'999).has_value());
}

}  // namespace
}  // namespace smoops::store
