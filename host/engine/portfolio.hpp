#pragma once
// Cash, position and PnL of one bot, in exact fixed-point arithmetic.
//
// The cost basis of the open position is kept as an exact signed notional (long: what was paid,
// short: what was received, negated). Reducing a position removes basis in proportion to the
// quantity closed (rounded half-even); closing it completely removes all that is left, so the
// realized PnL of a round trip is exact. A fill that flips the position closes the old side and
// opens the new one at the fill price. Every identity below holds to the last 10^-8 unit:
//   equity == cash + market value == initial cash + realized + unrealized − fees.

#include "smoops/fixed_point.hpp"
#include "smoops/order.hpp"
#include "smoops/position.hpp"

namespace smoops::engine {

/// One bot's account in one instrument.
class Portfolio {
 public:
  explicit Portfolio(Money initial_cash) : initial_cash_(initial_cash), cash_(initial_cash) {}

  /// Books a fill; returns the PnL it realized (before fees). Throws std::overflow_error (and
  /// changes nothing) when a result does not fit.
  Money apply_fill(Side side, Price price, Quantity quantity, Money fee);
  /// Replaces the account with one recovered from the store: cash and the position's quantity,
  /// exact cost basis, realized PnL and fees. It is marked at its average entry price until the
  /// next mark (unrealized PnL zero).
  void restore(Money cash, const Position& position);
  /// Revalues the open position at `price` (the last traded or closing price).
  void mark(Price price);

  Money initial_cash() const { return initial_cash_; }
  Money cash() const { return cash_; }
  const Position& position() const { return position_; }
  /// The price the position was last marked at (zero before the first mark).
  Price mark_price() const { return mark_price_; }
  /// Signed value of the position at the mark price.
  Money market_value() const;
  /// cash + market value.
  Money equity() const { return cash_ + market_value(); }

 private:
  static void refresh_derived(Position& position, Price mark_price);

  Money initial_cash_;
  Money cash_;
  Position position_;
  Price mark_price_;
};

}  // namespace smoops::engine
