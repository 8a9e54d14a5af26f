#pragma once
// The sma_cross strategy: long-only moving-average crossover. Buys `quantity` at market when the
// fast average crosses above the slow one while flat with nothing working; sells the whole
// position at market when it crosses below. See sma_crossover.hpp for the exact signal.

#include <cstddef>
#include <cstdint>

#include "sma_crossover.hpp"
#include "smoops/params.hpp"
#include "smoops/strategy.hpp"

namespace smoops::sma_cross {

/// The validated parameters of sma_cross.
struct SmaCrossParams {
  std::int64_t fast = 0;   ///< bars in the fast average, >= 1
  std::int64_t slow = 0;   ///< bars in the slow average, > fast and <= kMaxSlow
  Quantity quantity;       ///< how much to buy on a cross above, > 0

  /// Largest slow window: bounds the ring buffer a YAML typo could otherwise make huge.
  static constexpr std::int64_t kMaxSlow = 100'000;

  /// Reads and validates `fast`, `slow` and `quantity`; throws ParamError at the offending value.
  static SmaCrossParams from(const Params& params);
};

/// The strategy plugin class.
class SmaCross : public Strategy {
 public:
  explicit SmaCross(const Params& params);

  /// `slow` bars fill both averages; kTieBars more (or `slow` more, if larger) recover the sign of
  /// the last bar that was no tie, which decides whether the next bar crosses.
  std::size_t warmup_bars(const Context& ctx) const override;
  /// Exact ties in a row that warm-up looks past: a longer run is a market that stood still, and
  /// its last sign is lost (the first cross after it is then missed).
  static constexpr std::size_t kTieBars = 100;
  void on_bar(Context& ctx, const Bar& bar) override;

 private:
  void enter_long(Context& ctx);
  void exit_long(Context& ctx);
  static void submit_market(Context& ctx, Side side, Quantity quantity);

  SmaCrossParams params_;
  SmaCrossover crossover_;
};

}  // namespace smoops::sma_cross
