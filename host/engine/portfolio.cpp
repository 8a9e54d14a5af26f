#include "engine/portfolio.hpp"

#include <stdexcept>

namespace smoops::engine {
namespace {

Money signed_value(Price price, Quantity quantity) {
  const Money value = notional(price, quantity.abs());
  return quantity.is_negative() ? -value : value;
}

}  // namespace

Money Portfolio::apply_fill(Side side, Price price, Quantity quantity, Money fee) {
  if (!quantity.is_positive()) throw std::invalid_argument("fill quantity must be positive, got " + quantity.to_string());
  const Money fill_notional = notional(price, quantity);
  const Quantity signed_quantity = side == Side::Buy ? quantity : -quantity;
  cash_ -= side == Side::Buy ? fill_notional : -fill_notional;
  cash_ -= fee;
  position_.fees += fee;

  Quantity& held = position_.quantity;
  Money realized;
  const bool reduces = !held.is_zero() && (held.is_negative() != signed_quantity.is_negative());
  if (!reduces) {
    position_.cost_basis += side == Side::Buy ? fill_notional : -fill_notional;
    held += signed_quantity;
  } else {
    const Quantity closing = quantity < held.abs() ? quantity : held.abs();
    const Money basis_removed = closing == held.abs()
                                    ? position_.cost_basis
                                    : position_.cost_basis.mul_div(closing.raw(), held.abs().raw());
    // Split the fill's notional exactly: the closing part is rounded once, the rest is what remains.
    const Money closing_notional = quantity == closing ? fill_notional : notional(price, closing);
    const Money opening_notional = fill_notional - closing_notional;
    const Money closed_value = held.is_negative() ? -closing_notional : closing_notional;
    realized = closed_value - basis_removed;
    position_.cost_basis -= basis_removed;
    held += signed_quantity;
    if (quantity > closing) {
      // Flipped: the remainder opens a position on the other side at the fill price.
      position_.cost_basis = held.is_negative() ? -opening_notional : opening_notional;
    }
  }
  position_.realized_pnl += realized;
  if (mark_price_.is_zero()) mark_price_ = price;
  refresh_derived();
  return realized;
}

void Portfolio::mark(Price price) {
  mark_price_ = price;
  refresh_derived();
}

Money Portfolio::market_value() const { return signed_value(mark_price_, position_.quantity); }

void Portfolio::refresh_derived() {
  if (position_.quantity.is_zero()) {
    position_.average_entry_price = Price();
    position_.unrealized_pnl = Money();
    return;
  }
  position_.average_entry_price =
      Price::from_raw(position_.cost_basis.abs().mul_div(kFixedScale, position_.quantity.abs().raw()).raw());
  position_.unrealized_pnl = market_value() - position_.cost_basis;
}

}  // namespace smoops::engine
