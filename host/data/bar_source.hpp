#pragma once
// Where a backtest's bars come from: a CSV file, a vector in memory, later a database.

#include <span>

#include "smoops/market_data.hpp"

namespace smoops::data {

/// A stream of bars in time order.
class BarSource {
 public:
  virtual ~BarSource() = default;
  /// The next bar; false when there are no more.
  virtual bool next(Bar& bar) = 0;
};

/// Bars already in memory (benchmarks, tests); the span must outlive the source.
class MemoryBarSource final : public BarSource {
 public:
  explicit MemoryBarSource(std::span<const Bar> bars) : bars_(bars) {}
  bool next(Bar& bar) override {
    if (position_ == bars_.size()) return false;
    bar = bars_[position_++];
    return true;
  }

 private:
  std::span<const Bar> bars_;
  std::size_t position_ = 0;
};

}  // namespace smoops::data
