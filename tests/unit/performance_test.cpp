// Performance statistics: drawdown, exposure, return, the sampled equity curve (bounded memory),
// and Sharpe/Sortino on a daily series computed by hand.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/performance.hpp"

namespace smoops::engine {
namespace {

Money money(const char* text) { return Money::parse_or_throw(text); }

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;
// 2024-01-01T00:00:00Z, so every day below is a whole UTC day.
constexpr std::int64_t kDay0Ms = 1'704'067'200'000;

Timestamp at_ms(std::int64_t ms) { return Timestamp::from_millis(ms); }

TEST(Performance, MaxDrawdownIsTheDeepestFallFromARunningPeak) {
  PerformanceTracker tracker(money("100"), 100);
  // 100, 120, 90, 130, 117: peak 120 → 90 is (120 − 90)/120 = 25%; 130 → 117 is only 10%.
  const char* equity[] = {"100", "120", "90", "130", "117"};
  for (int i = 0; i < 5; ++i) tracker.on_bar(at_ms(kDay0Ms + i * kMinuteMs), money(equity[i]), false);
  EXPECT_DOUBLE_EQ(tracker.summary().max_drawdown_pct, 25.0);
}

TEST(Performance, InitialCashIsTheFirstPeak) {
  PerformanceTracker tracker(money("100"), 100);
  tracker.on_bar(at_ms(kDay0Ms), money("80"), false);  // (100 − 80)/100 = 20%
  tracker.on_bar(at_ms(kDay0Ms + kMinuteMs), money("90"), false);
  EXPECT_DOUBLE_EQ(tracker.summary().max_drawdown_pct, 20.0);
}

TEST(Performance, ReturnAndFinalEquityComeFromTheLastBar) {
  PerformanceTracker tracker(money("100"), 100);
  const char* equity[] = {"100", "120", "90", "130", "117"};
  for (int i = 0; i < 5; ++i) tracker.on_bar(at_ms(kDay0Ms + i * kMinuteMs), money(equity[i]), false);
  const PerformanceSummary s = tracker.summary();
  // (117 − 100) / 100 = 17%.
  EXPECT_DOUBLE_EQ(s.return_pct, 17.0);
  EXPECT_EQ(s.final_equity, money("117"));
  EXPECT_EQ(s.bars, 5u);
  EXPECT_EQ(s.first_ts, at_ms(kDay0Ms));
  EXPECT_EQ(s.last_ts, at_ms(kDay0Ms + 4 * kMinuteMs));
}

TEST(Performance, NoBarsMeansNoReturn) {
  const PerformanceTracker tracker(money("100"), 100);
  const PerformanceSummary s = tracker.summary();
  EXPECT_EQ(s.bars, 0u);
  EXPECT_EQ(s.final_equity, money("100"));
  EXPECT_DOUBLE_EQ(s.return_pct, 0.0);
  EXPECT_DOUBLE_EQ(s.exposure_pct, 0.0);
  EXPECT_TRUE(tracker.equity_curve().empty());
}

TEST(Performance, ExposureIsTheShareOfBarsInTheMarket) {
  PerformanceTracker tracker(money("100"), 100);
  // 1 of 4 bars in the market = 25%.
  tracker.on_bar(at_ms(kDay0Ms), money("100"), false);
  tracker.on_bar(at_ms(kDay0Ms + kMinuteMs), money("100"), true);
  tracker.on_bar(at_ms(kDay0Ms + 2 * kMinuteMs), money("100"), false);
  tracker.on_bar(at_ms(kDay0Ms + 3 * kMinuteMs), money("100"), false);
  EXPECT_DOUBLE_EQ(tracker.summary().exposure_pct, 25.0);
}

TEST(Performance, EquityCurveKeepsEveryKthBarAndTheLast) {
  PerformanceTracker tracker(money("100"), 4);
  // 20 bars, minute i has equity 100 + i. By hand, with max_points 4:
  //   bars 0-3 kept at stride 1; bar 4 makes 5 > 4 → keep 0,2,4, stride 2;
  //   bar 6 kept; bar 8 makes 5 → keep 0,4,8, stride 4; bar 12 kept; bar 16 makes 5 → keep 0,8,16,
  //   stride 8; bars 17-19 skipped; the curve appends the last bar, 19.
  for (int i = 0; i < 20; ++i) tracker.on_bar(at_ms(kDay0Ms + i * kMinuteMs), Money::from_units(100 + i), false);
  const std::vector<EquityPoint> curve = tracker.equity_curve();
  const int expected_minutes[] = {0, 8, 16, 19};
  ASSERT_EQ(curve.size(), 4u);
  for (std::size_t i = 0; i < curve.size(); ++i) {
    EXPECT_EQ(curve[i].ts, at_ms(kDay0Ms + expected_minutes[i] * kMinuteMs)) << i;
    EXPECT_EQ(curve[i].equity, Money::from_units(100 + expected_minutes[i])) << i;
  }
}

TEST(Performance, EquityCurveStaysBoundedAndEndsAtTheLatestBar) {
  const std::size_t max_points = 4;
  PerformanceTracker tracker(money("100"), max_points);
  for (int i = 0; i < 1000; ++i) {
    const Timestamp ts = at_ms(kDay0Ms + i * kMinuteMs);
    tracker.on_bar(ts, Money::from_units(100 + i), false);
    const std::vector<EquityPoint> curve = tracker.equity_curve();
    ASSERT_LE(curve.size(), max_points + 1) << "after bar " << i;
    ASSERT_EQ(curve.back().ts, ts) << "after bar " << i;
    ASSERT_EQ(curve.front().ts, at_ms(kDay0Ms)) << "the first bar is always kept";
  }
}

TEST(Performance, SharpeAndSortinoFromDailyReturns) {
  PerformanceTracker tracker(money("100"), 100);
  // Day 0: two bars, the day ends at 110. Day 1 ends at 99. Day 2 ends at 108.9.
  tracker.on_bar(at_ms(kDay0Ms), money("105"), true);
  tracker.on_bar(at_ms(kDay0Ms + 12 * kHourMs), money("110"), true);
  tracker.on_bar(at_ms(kDay0Ms + kDayMs), money("99"), true);
  tracker.on_bar(at_ms(kDay0Ms + 2 * kDayMs), money("108.9"), true);
  // Daily returns against the previous day's end (the first against the initial cash):
  //   110/100 − 1 = 0.1, 99/110 − 1 = −0.1, 108.9/99 − 1 = 0.1.
  // mean = 0.1/3 = 1/30; deviations 2/30, −4/30, 2/30; sample variance (4 + 16 + 4)/900 / 2 = 12/900;
  // sd = √12/30 = 2√3/30 → mean/sd = 1/(2√3).
  // Downside: only −0.1 → (0.01)/3; √ = 0.1/√3 → mean/downside = (1/30)·(√3/0.1) = √3/3 = 1/√3.
  // Annualization: 3 days of data over span (2 days) + 1 = 3 calendar days → 3 / (3/365.25) = 365.25
  // periods per year → × √365.25.
  //   Sharpe  = √365.25 / (2√3) = √(365.25/12) = √30.4375 ≈ 5.5170
  //   Sortino = √365.25 / √3    = √(365.25/3)  = √121.75  ≈ 11.0340
  const PerformanceSummary s = tracker.summary();
  ASSERT_TRUE(s.sharpe.has_value());
  ASSERT_TRUE(s.sortino.has_value());
  EXPECT_NEAR(*s.sharpe, std::sqrt(30.4375), 1e-9);
  EXPECT_NEAR(*s.sortino, std::sqrt(121.75), 1e-9);
  // Peak 110 → 99 = 10%.
  EXPECT_NEAR(s.max_drawdown_pct, 10.0, 1e-12);
}

TEST(Performance, AnnualizationCountsOnlyDaysWithData) {
  PerformanceTracker tracker(money("100"), 100);
  // The same three daily closes, but spread over days 0, 2 and 5 (a gap like a weekend):
  // span 5 days + 1 = 6 calendar days → 3 / (6/365.25) = 182.625 periods per year.
  //   Sharpe  = (1/(2√3)) · √182.625 = √(182.625/12) = √15.21875
  //   Sortino = (1/√3) · √182.625    = √(182.625/3)  = √60.875
  tracker.on_bar(at_ms(kDay0Ms), money("110"), true);
  tracker.on_bar(at_ms(kDay0Ms + 2 * kDayMs), money("99"), true);
  tracker.on_bar(at_ms(kDay0Ms + 5 * kDayMs), money("108.9"), true);
  const PerformanceSummary s = tracker.summary();
  ASSERT_TRUE(s.sharpe.has_value());
  ASSERT_TRUE(s.sortino.has_value());
  EXPECT_NEAR(*s.sharpe, std::sqrt(15.21875), 1e-9);
  EXPECT_NEAR(*s.sortino, std::sqrt(60.875), 1e-9);
}

TEST(Performance, SharpeAndSortinoAreUnsetWithFewerThanTwoDays) {
  PerformanceTracker tracker(money("100"), 100);
  tracker.on_bar(at_ms(kDay0Ms), money("110"), true);
  tracker.on_bar(at_ms(kDay0Ms + kHourMs), money("90"), true);
  tracker.on_bar(at_ms(kDay0Ms + 23 * kHourMs), money("120"), true);
  const PerformanceSummary s = tracker.summary();
  EXPECT_FALSE(s.sharpe.has_value());
  EXPECT_FALSE(s.sortino.has_value());
}

TEST(Performance, SharpeAndSortinoAreUnsetWithoutDispersionOrLosingDays) {
  PerformanceTracker tracker(money("100"), 100);
  // Returns 0.1 and 0.1 (110/100 and 121/110 round to the same double): no dispersion, no loss.
  tracker.on_bar(at_ms(kDay0Ms), money("110"), true);
  tracker.on_bar(at_ms(kDay0Ms + kDayMs), money("121"), true);
  const PerformanceSummary s = tracker.summary();
  EXPECT_FALSE(s.sharpe.has_value());
  EXPECT_FALSE(s.sortino.has_value());
}

}  // namespace
}  // namespace smoops::engine
