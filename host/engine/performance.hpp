#pragma once
// Streaming performance statistics of an equity curve, in memory that does not grow with the
// number of bars (only with the number of UTC days, for the daily returns).
//
// - Drawdown: from the running peak of equity (the initial cash counts as the first peak).
// - Sharpe and Sortino: from daily returns, each day's last equity against the previous day's
//   (the first against the initial cash), annualized by sqrt(days with data per year), so that
//   stock data gives ~252 and crypto ~365; risk-free rate 0. Unset with fewer than 2 days or
//   with zero dispersion (or, for Sortino, no losing day).
// - The equity curve is sampled: every k-th bar, where k doubles whenever more than
//   `max_points` samples are held; the last bar is always included.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "smoops/fixed_point.hpp"
#include "smoops/time.hpp"

namespace smoops::engine {

/// One sample of the equity curve.
struct EquityPoint {
  Timestamp ts;
  Money equity;
};

/// Statistics of a finished run.
struct PerformanceSummary {
  std::size_t bars = 0;
  Money final_equity;
  double return_pct = 0;
  std::optional<double> sharpe;
  std::optional<double> sortino;
  double max_drawdown_pct = 0;
  double exposure_pct = 0;   ///< share of bars that ended with a position, in percent
  Timestamp first_ts;
  Timestamp last_ts;
};

/// Collects statistics bar by bar.
class PerformanceTracker {
 public:
  PerformanceTracker(Money initial_cash, std::size_t max_points);
  /// Records the equity at a bar's close; `in_market` when a position is open.
  void on_bar(Timestamp ts, Money equity, bool in_market);
  /// The statistics so far.
  PerformanceSummary summary() const;
  /// The sampled curve, with the last bar appended when the sampling skipped it.
  std::vector<EquityPoint> equity_curve() const;

 private:
  Money initial_cash_;
  std::size_t max_points_;
  std::size_t bars_ = 0;
  std::size_t bars_in_market_ = 0;
  std::size_t stride_ = 1;
  std::vector<EquityPoint> samples_;
  EquityPoint last_{};
  Money peak_;
  double max_drawdown_ = 0;
  std::int64_t current_day_ = INT64_MIN;
  std::vector<Money> day_end_equity_;
  Timestamp first_ts_;
};

}  // namespace smoops::engine
