#include "sim_matching.hpp"

namespace smoops::sim {
namespace {

// 10'000 basis points in raw fixed-point units: reference × (scale ± bps_raw) / scale.
constexpr std::int64_t kBasisPointScaleRaw = 10'000 * kFixedScale;

bool is_stop(OrderType type) { return type == OrderType::StopMarket || type == OrderType::StopLimit; }

// A buy limit is marketable at `price` when price <= limit, a sell when price >= limit.
bool marketable(Side side, Price price, Price limit) { return side == Side::Buy ? price <= limit : price >= limit; }

// The most favourable price the bar reached for this side: its low for a buy, its high for a sell.
Price best_reached(Side side, const Bar& bar) { return side == Side::Buy ? bar.low : bar.high; }

// A buy stop triggers when the high reaches it, a sell stop when the low does. The price path is
// taken to go from the open straight to the stop, so a gap beyond the stop triggers at the open.
std::optional<Price> trigger_price(Side side, Price stop, const Bar& bar) {
  if (side == Side::Buy) {
    if (bar.high < stop) return std::nullopt;
    return bar.open > stop ? bar.open : stop;
  }
  if (bar.low > stop) return std::nullopt;
  return bar.open < stop ? bar.open : stop;
}

// A limit order on the book: marketable at `first_price` trades there, otherwise it trades at its
// limit if the rest of the bar reaches it. `first_liquidity` is what trading at first_price is.
std::optional<Execution> limit_execution(Side side, Price limit, Price first_price, Liquidity first_liquidity,
                                         const Bar& bar) {
  if (marketable(side, first_price, limit)) return Execution{first_price, first_liquidity};
  if (marketable(side, best_reached(side, bar), limit)) return Execution{limit, Liquidity::Maker};
  return std::nullopt;
}

}  // namespace

Slippage::Slippage(Ratio basis_points) : basis_points_raw_(basis_points.raw()) {}

Price Slippage::apply(Side side, Price reference, Price tick) const {
  if (side == Side::Buy)
    return reference.mul_div(kBasisPointScaleRaw + basis_points_raw_, kBasisPointScaleRaw, Rounding::Ceil)
        .round_to(tick, Rounding::Ceil);
  return reference.mul_div(kBasisPointScaleRaw - basis_points_raw_, kBasisPointScaleRaw, Rounding::Floor)
      .round_to(tick, Rounding::Floor);
}

BarMatch match_on_bar(const MatchingOrder& order, const Bar& bar, const Slippage& slippage, Price tick) {
  BarMatch match;
  // Where the order starts trading on this bar: the open, or the trigger price of a stop.
  Price start = bar.open;
  bool starts_this_bar = order.arriving;
  if (is_stop(order.type) && !order.triggered) {
    const std::optional<Price> trigger = trigger_price(order.side, order.stop_price, bar);
    if (!trigger) return match;
    match.triggers = true;
    start = *trigger;
    starts_this_bar = true;
  }

  switch (order.type) {
    case OrderType::Market:
    case OrderType::StopMarket:
      match.execution = Execution{slippage.apply(order.side, start, tick), Liquidity::Taker};
      break;
    case OrderType::Limit:
    case OrderType::StopLimit: {
      if (order.post_only && order.arriving && marketable(order.side, bar.open, order.limit_price)) {
        match.takes_at_open = true;
        break;
      }
      // An order reaching the book marketable takes liquidity; one already resting there that
      // the open gaps through is still the maker (and gets the open, as in an opening auction).
      const Liquidity first_liquidity =
          starts_this_bar && !order.post_only ? Liquidity::Taker : Liquidity::Maker;
      match.execution = limit_execution(order.side, order.limit_price, start, first_liquidity, bar);
      break;
    }
  }
  return match;
}

}  // namespace smoops::sim
