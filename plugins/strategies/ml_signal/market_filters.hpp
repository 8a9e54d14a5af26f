#pragma once
// The market measurements behind ml_signal's trend and volatility checks. Both are fed every
// bar's close, keep a fixed-size ring and never allocate after construction. Closes are doubles:
// these are indicators, never balances.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smoops/time.hpp"

namespace smoops::ml_signal {

/// Aggregates bars into higher-timeframe bars and compares the last closed one with the simple
/// average of the last `sma` closed ones.
///
/// A higher-timeframe bar is the set of bars whose open time falls in one bucket
/// [k × timeframe, (k + 1) × timeframe) since the epoch; its close is the close of its last bar.
/// A bucket counts as closed when the first bar of a later bucket arrives, so the filter only
/// ever uses finished higher-timeframe bars (no look-ahead), one base bar after the bucket ends.
class TrendFilter {
 public:
  TrendFilter(Duration timeframe, std::size_t sma);

  /// Adds a bar's open time and close.
  void on_bar(Timestamp ts, double close);

  /// True once `sma` higher-timeframe bars have closed.
  bool ready() const { return closed_ >= closes_.size(); }
  /// Closed higher-timeframe bars so far.
  std::uint64_t closed() const { return closed_; }
  /// last closed close / SMA − 1: positive in an up trend, negative in a down trend; 0 until ready().
  double gap() const { return gap_; }

 private:
  void close_bucket();

  std::int64_t timeframe_nanos_;
  std::vector<double> closes_;  // the last `sma` closed closes, a ring indexed by closed_ % sma
  std::uint64_t closed_ = 0;
  bool has_bucket_ = false;
  std::int64_t bucket_ = 0;     // the bucket of the newest bar
  double bucket_close_ = 0;     // its close so far
  double gap_ = 0;
};

/// The sample standard deviation (n − 1) of the last `window` one-bar log returns, the same
/// measure as the vol_N feature.
class ReturnVolatility {
 public:
  explicit ReturnVolatility(std::size_t window);

  /// Adds a bar's close (positive).
  void on_close(double close);

  /// True once `window` returns were seen.
  bool ready() const { return count_ >= returns_.size(); }
  /// Returns seen so far (capped at the window).
  std::size_t available() const { return count_ < returns_.size() ? static_cast<std::size_t>(count_) : returns_.size(); }
  /// The standard deviation; 0 until ready(). O(window).
  double stddev() const;

 private:
  std::vector<double> returns_;  // a ring indexed by count_ % window
  std::uint64_t count_ = 0;
  double previous_close_ = 0;
  bool has_previous_ = false;
};

}  // namespace smoops::ml_signal
