#pragma once
// The signal of sma_cross: a fast and a slow simple moving average of closes, and when the fast
// one crosses the slow one. Exact integer arithmetic throughout, so ties (fast == slow, common
// with repeated prices) are recognised exactly and never flip a signal by rounding noise.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smoops/fixed_point.hpp"

namespace smoops::sma_cross {

/// What one close did to the two averages.
enum class Crossover : std::uint8_t {
  None,   ///< no cross (or the windows are not full yet)
  Above,  ///< the fast average went above the slow one
  Below,  ///< the fast average went below the slow one
};

/// Keeps the last `slow` closes and the running sums of the last `fast` and `slow` of them.
///
/// Once both windows are full, the sign of fast_mean − slow_mean is computed exactly as
/// sign(fast_sum × slow − slow_sum × fast). A cross above is a positive sign after the last
/// nonzero sign was negative, and a cross below the reverse; a zero sign (a tie) neither crosses
/// nor forgets the last nonzero sign, so −, 0, + is a cross above and −, 0, − is none. The first
/// full window has no previous sign and never signals.
class SmaCrossover {
 public:
  /// Requires 1 <= fast < slow (the strategy validates its parameters before building this).
  SmaCrossover(std::size_t fast, std::size_t slow);

  /// Adds the next close; allocation-free.
  Crossover on_close(Price close);

  /// True once `slow` closes have been seen.
  bool ready() const { return seen_ >= slow_; }

 private:
  std::size_t fast_;
  std::size_t slow_;
  std::vector<std::int64_t> window_;  // the last `slow` raw closes, a ring indexed by seen_ % slow_
  std::size_t seen_ = 0;
  // 100'000 closes near the int64 limit overflow 64 bits; 128 bits hold any sum and product here.
  __int128 fast_sum_ = 0;
  __int128 slow_sum_ = 0;
  int last_nonzero_sign_ = 0;
};

}  // namespace smoops::sma_cross
