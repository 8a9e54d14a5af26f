#pragma once
// Stored runs: a backtest written to the `runs`, `backtest_trades` and `equity` tables in one
// transaction, and read back for `smoops runs list` and `smoops runs show` (docs/store.md,
// "Stored backtests").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "engine/bot_observer.hpp"
#include "engine/trade_tracker.hpp"
#include "smoops/fixed_point.hpp"
#include "smoops/time.hpp"

namespace smoops::store {

/// One row of the `equity` table: the account at a bar's close.
struct EquityRow {
  Timestamp ts;
  Money equity;
  Money cash;
  Quantity position;  ///< signed: positive long, negative short
};

/// Keeps the account at the close of every bar of a run (what the store's equity curve holds; the
/// JSON report's curve is sampled). Pass it as BacktestOptions::observer.
class EquityRecorder final : public engine::BotObserver {
 public:
  void on_bar_processed(const Bar& bar, const engine::Portfolio& portfolio) override {
    rows_.push_back({bar.ts, portfolio.equity(), portfolio.cash(), portfolio.position().quantity});
  }
  const std::vector<EquityRow>& rows() const { return rows_; }
  std::vector<EquityRow> take_rows() { return std::move(rows_); }

 private:
  std::vector<EquityRow> rows_;
};

/// Everything `save_backtest` writes.
struct BacktestRunRecord {
  std::string bot;
  std::string symbol;
  std::string config_file;   ///< the bot file's path
  std::string config_yaml;   ///< the bot file's text as it was run
  std::string code_version;  ///< e.g. "smoops 0.1.0 sma_cross@1.0.0 sim@1.0.0"
  std::string data_file;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point ended_at;
  bool failed = false;       ///< the bot halted because a plugin threw: status 'failed'
  std::string end_reason;    ///< why the bot halted; empty when it ran to the end of its data
  Money initial_cash;
  Money final_equity;
  std::int64_t bars = 0;
  nlohmann::ordered_json summary;        ///< the statistics, as in the JSON report's `summary`
  std::vector<engine::RoundTrip> trades; ///< stored with n = 1, 2, ... in this order
  std::vector<EquityRow> equity;         ///< one row per bar, timestamps strictly increasing
};

/// Writes the run, its trades and its equity curve in one transaction and returns the run's id;
/// on any failure nothing is written. Throws StoreError (Unreachable when the connection broke,
/// else Query) saying what could not be stored.
std::int64_t save_backtest(pqxx::connection& connection, const BacktestRunRecord& record);

/// A row of `runs`, as listed.
struct RunSummary {
  std::int64_t id = 0;
  std::string kind;        ///< backtest, paper or live
  std::string bot;
  std::string symbol;
  std::string started_at;  ///< UTC, ISO 8601 ("2026-11-25T14:32:44Z")
  std::optional<std::string> ended_at;
  std::string status;      ///< running, finished, failed or interrupted
  std::optional<std::string> end_reason;
  Money initial_cash;
  std::optional<Money> final_equity;
  std::optional<std::int64_t> bars;
  std::optional<std::int64_t> trades;
  nlohmann::json summary;  ///< null when the run has none (paper and live sessions); keys sorted

  /// (final equity − initial cash) / initial cash in percent, when both are known.
  std::optional<double> return_pct() const;
};

/// Which runs list_runs returns.
struct RunFilter {
  std::optional<std::string> bot;
  std::optional<std::string> kind;
  std::size_t limit = 20;
};

/// Runs matching `filter`, newest first (by id).
std::vector<RunSummary> list_runs(pqxx::connection& connection, const RunFilter& filter);

/// One run with what it stored.
struct StoredRun {
  RunSummary run;
  std::optional<std::string> config_file;
  std::string config_yaml;
  std::string code_version;
  std::optional<std::string> data_file;
  std::vector<engine::RoundTrip> trades;  ///< the first `trade_limit` by n
  std::int64_t equity_points = 0;         ///< rows in `equity` for the run
  std::optional<EquityRow> first_equity;
  std::optional<EquityRow> last_equity;
};

/// The run with this id (nullopt when there is none), with at most `trade_limit` of its trades.
std::optional<StoredRun> load_run(pqxx::connection& connection, std::int64_t id,
                                  std::size_t trade_limit = SIZE_MAX);

}  // namespace smoops::store
