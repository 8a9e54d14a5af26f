#pragma once
// The higher-timeframe trend behind ml_signal's trend check. It is fed every bar's close, keeps a
// fixed-size ring and never allocates after construction. Closes are doubles: an indicator, never
// a balance. (The volatility check uses smoops::ReturnVolatility from features.hpp, the code of
// the vol_N feature.)

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

}  // namespace smoops::ml_signal
