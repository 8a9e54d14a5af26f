#pragma once
// The two faces of a backtest report: JSON for programs (docs/backtest-output.md) and a
// readable summary for people.

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "engine/backtest.hpp"

namespace smoops::cli {

/// The report as JSON. Money, prices and quantities are exact decimal strings; timestamps are
/// integer milliseconds; ratios are numbers. Only summary.elapsed_s and summary.bars_per_s vary
/// between two runs of the same backtest.
nlohmann::ordered_json backtest_to_json(const engine::BacktestReport& report);

/// The report's `summary` object (also stored with the run by `backtest --store`).
nlohmann::ordered_json summary_to_json(const engine::BacktestReport& report);

/// One round trip as in the report's `trades` array (also `smoops runs show --json`).
nlohmann::ordered_json trade_to_json(const engine::RoundTrip& trade);

/// A few aligned lines: the run, its PnL and statistics.
void print_backtest_summary(const engine::BacktestReport& report, std::ostream& out);

}  // namespace smoops::cli
