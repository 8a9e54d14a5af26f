#include "engine/performance.hpp"

#include <cmath>

namespace smoops::engine {
namespace {

constexpr std::int64_t kNanosPerDay = 86'400'000'000'000;
constexpr double kDaysPerYear = 365.25;

std::int64_t day_of(Timestamp ts) { return ts.nanos / kNanosPerDay - (ts.nanos % kNanosPerDay < 0 ? 1 : 0); }

}  // namespace

PerformanceTracker::PerformanceTracker(Money initial_cash, std::size_t max_points)
    : initial_cash_(initial_cash), max_points_(max_points < 2 ? 2 : max_points), peak_(initial_cash) {}

void PerformanceTracker::on_bar(Timestamp ts, Money equity, bool in_market) {
  if (bars_ == 0) first_ts_ = ts;
  if (bars_ % stride_ == 0) {
    samples_.push_back({ts, equity});
    if (samples_.size() > max_points_) {
      // Keep every other sample and sample half as often from now on.
      std::size_t kept = 0;
      for (std::size_t i = 0; i < samples_.size(); i += 2) samples_[kept++] = samples_[i];
      samples_.resize(kept);
      stride_ *= 2;
    }
  }
  ++bars_;
  if (in_market) ++bars_in_market_;
  last_ = {ts, equity};

  if (equity > peak_) peak_ = equity;
  if (peak_.is_positive()) {
    const double drawdown = (peak_ - equity).to_double() / peak_.to_double();
    if (drawdown > max_drawdown_) max_drawdown_ = drawdown;
  }

  const std::int64_t day = day_of(ts);
  if (day != current_day_) {
    current_day_ = day;
    day_end_equity_.push_back(equity);
  } else {
    day_end_equity_.back() = equity;
  }
}

PerformanceSummary PerformanceTracker::summary() const {
  PerformanceSummary s;
  s.bars = bars_;
  s.final_equity = bars_ ? last_.equity : initial_cash_;
  s.first_ts = first_ts_;
  s.last_ts = last_.ts;
  if (initial_cash_.is_positive())
    s.return_pct = (s.final_equity - initial_cash_).to_double() / initial_cash_.to_double() * 100.0;
  s.max_drawdown_pct = max_drawdown_ * 100.0;
  s.exposure_pct = bars_ ? 100.0 * static_cast<double>(bars_in_market_) / static_cast<double>(bars_) : 0.0;

  const std::size_t days = day_end_equity_.size();
  const double span_days = static_cast<double>((last_.ts - first_ts_).nanos) / static_cast<double>(kNanosPerDay);
  if (days < 2 || span_days <= 0) return s;
  std::vector<double> returns;
  returns.reserve(days);
  Money previous = initial_cash_;
  for (Money equity : day_end_equity_) {
    if (previous.is_positive()) returns.push_back(equity.to_double() / previous.to_double() - 1.0);
    previous = equity;
  }
  const double n = static_cast<double>(returns.size());
  double mean = 0;
  for (double r : returns) mean += r;
  mean /= n;
  double variance = 0;
  double downside = 0;
  for (double r : returns) {
    variance += (r - mean) * (r - mean);
    if (r < 0) downside += r * r;
  }
  variance /= (n - 1);
  downside /= n;
  // Days with data per year: ~252 for stock sessions, ~365 for crypto.
  const double periods_per_year = static_cast<double>(days) / ((span_days + 1.0) / kDaysPerYear);
  const double annualize = std::sqrt(periods_per_year);
  if (variance > 0) s.sharpe = mean / std::sqrt(variance) * annualize;
  if (downside > 0) s.sortino = mean / std::sqrt(downside) * annualize;
  return s;
}

std::vector<EquityPoint> PerformanceTracker::equity_curve() const {
  std::vector<EquityPoint> curve = samples_;
  if (bars_ && (curve.empty() || curve.back().ts != last_.ts)) curve.push_back(last_);
  return curve;
}

}  // namespace smoops::engine
