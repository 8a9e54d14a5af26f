#pragma once
// The report that ends `smoops train`: the saved model on the test split against naive baselines,
// and backtests over the test period (docs/models.md#the-report).

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/backtest.hpp"
#include "smoops/training.hpp"
#include "training/metrics.hpp"

namespace smoops::cli {

/// One backtest of the test period.
struct BacktestLine {
  std::string name;
  Money final_equity;
  double return_pct = 0;
  double max_drawdown_pct = 0;
  std::size_t trades = 0;  ///< round trips (buy-and-hold: 0, its position stays open)
  Money fees;
  std::string note;        ///< e.g. why the bot halted
};

struct TrainReport {
  training::ClassScore model, majority, persistence;
  std::vector<double> test_shares;  ///< share of down, flat, up in the test labels
  TrainingResult result;
  Timestamp period_first, period_last;  ///< the backtests' bars
  Ratio fraction;                       ///< share of the cash each backtest puts in
  std::vector<BacktestLine> backtests;  ///< ml_signal, sma_cross, buy-and-hold
};

/// cash × fraction / price, rounded down to the lot.
Quantity fraction_quantity(Money cash, Ratio fraction, Price price, Quantity lot);
/// The figures of a backtest.
BacktestLine backtest_line(std::string name, const engine::BacktestReport& report);
/// Buys `quantity` at the first bar's close (paying the fee) and holds it to the last bar.
BacktestLine buy_and_hold(std::span<const Bar> bars, Quantity quantity, Money initial_cash, Ratio fee_rate);
/// True when the model has a higher accuracy AND a lower log loss than every baseline.
bool model_beats_baselines(const TrainReport& report);
/// The report as printed (and saved as report.txt).
std::string format_train_report(const TrainReport& report);
/// The report as report.json.
nlohmann::ordered_json train_report_json(const TrainReport& report);

}  // namespace smoops::cli
