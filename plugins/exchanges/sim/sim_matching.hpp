#pragma once
// Where one working order trades within one bar, if anywhere: the intra-bar rules of the
// simulated exchange as pure functions (docs/sim-exchange.md states the same rules in prose).
// Quantities, volume caps and time in force are the exchange's business; this file only decides
// whether an order triggers, whether it may trade, at what price and as maker or taker.

#include <optional>

#include "smoops/fixed_point.hpp"
#include "smoops/market_data.hpp"
#include "smoops/order.hpp"

namespace smoops::sim {

/// Worsens a taker's price by a number of basis points, rounding away from the taker's favour.
class Slippage {
 public:
  /// `basis_points` in [0, 10000).
  explicit Slippage(Ratio basis_points);
  /// A buy at reference × (1 + bps/10000) rounded up to the tick; a sell at
  /// reference × (1 − bps/10000) rounded down to the tick.
  Price apply(Side side, Price reference, Price tick) const;

 private:
  std::int64_t basis_points_raw_;
};

/// A price at which an order trades, and on which side of the book.
struct Execution {
  Price price;
  Liquidity liquidity = Liquidity::Taker;
};

/// What happens to one order on one bar.
struct BarMatch {
  bool triggers = false;       ///< a stop order reached its stop price on this bar
  bool takes_at_open = false;  ///< a post-only order arriving on this bar would take at the open
  std::optional<Execution> execution;  ///< where it may trade; empty when it cannot
};

/// The state of an order that matters for matching.
struct MatchingOrder {
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  bool post_only = false;
  Price limit_price;
  Price stop_price;
  bool triggered = false;  ///< a stop order triggered on an earlier bar
  bool arriving = false;   ///< this is the first bar the order meets (it reaches the book at the open)
};

/// Applies the intra-bar rules to one order and one bar.
BarMatch match_on_bar(const MatchingOrder& order, const Bar& bar, const Slippage& slippage, Price tick);

}  // namespace smoops::sim
