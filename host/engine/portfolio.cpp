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
  // Everything is computed into copies and committed at the end: a fill that overflows leaves
  // the books as they were.
  const Money fill_notional = notional(price, quantity);
  const Quantity signed_quantity = side == Side::Buy ? quantity : -quantity;
  Money cash = cash_ - (side == Side::Buy ? fill_notional : -fill_notional) - fee;
  Position position = position_;
  position.fees += fee;

  Quantity& held = position.quantity;
  Money realized;
  const bool reduces = !held.is_zero() && (held.is_negative() != signed_quantity.is_negative());
  if (!reduces) {
    position.cost_basis += side == Side::Buy ? fill_notional : -fill_notional;
    held += signed_quantity;
  } else {
    const Quantity closing = quantity < held.abs() ? quantity : held.abs();
    const Money basis_removed = closing == held.abs()
                                    ? position.cost_basis
                                    : position.cost_basis.mul_div(closing.raw(), held.abs().raw());
    // Split the fill's notional exactly: the closing part is rounded once, the rest is what remains.
    const Money closing_notional = quantity == closing ? fill_notional : notional(price, closing);
    const Money opening_notional = fill_notional - closing_notional;
    const Money closed_value = held.is_negative() ? -closing_notional : closing_notional;
    realized = closed_value - basis_removed;
    position.cost_basis -= basis_removed;
    held += signed_quantity;
    if (quantity > closing) {
      // Flipped: the remainder opens a position on the other side at the fill price.
      position.cost_basis = held.is_negative() ? -opening_notional : opening_notional;
    }
  }
  position.realized_pnl += realized;
  const Price mark_price = mark_price_.is_zero() ? price : mark_price_;
  refresh_derived(position, mark_price);
  cash_ = cash;
  position_ = position;
  mark_price_ = mark_price;
  return realized;
}

void Portfolio::restore(Money cash, const Position& position) {
  Position restored;
  restored.quantity = position.quantity;
  restored.cost_basis = position.cost_basis;
  restored.realized_pnl = position.realized_pnl;
  restored.fees = position.fees;
  Price mark_price;
  if (!restored.quantity.is_zero())
    mark_price = Price::from_raw(restored.cost_basis.abs().mul_div(kFixedScale, restored.quantity.abs().raw()).raw());
  refresh_derived(restored, mark_price);
  cash_ = cash;
  position_ = restored;
  mark_price_ = mark_price;
}

void Portfolio::mark(Price price) {
  Position position = position_;
  refresh_derived(position, price);
  position_ = position;
  mark_price_ = price;
}

Money Portfolio::market_value() const { return signed_value(mark_price_, position_.quantity); }

void Portfolio::refresh_derived(Position& position, Price mark_price) {
  if (position.quantity.is_zero()) {
    position.average_entry_price = Price();
    position.unrealized_pnl = Money();
    return;
  }
  position.average_entry_price =
      Price::from_raw(position.cost_basis.abs().mul_div(kFixedScale, position.quantity.abs().raw()).raw());
  position.unrealized_pnl = signed_value(mark_price, position.quantity) - position.cost_basis;
}

}  // namespace smoops::engine
