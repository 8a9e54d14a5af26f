#include "engine/trade_tracker.hpp"

namespace smoops::engine {
namespace {

Price average_price(Money total_notional, Quantity total_quantity) {
  if (total_quantity.is_zero()) return Price();
  return Price::from_raw(total_notional.mul_div(kFixedScale, total_quantity.raw()).raw());
}

}  // namespace

void TradeTracker::open(Side direction, const Fill& fill, Quantity quantity, Money fee, Money realized_before) {
  open_ = OpenTrade{direction, fill.ts, fill.ts, quantity, notional(fill.price, quantity), Quantity(), Money(), fee,
                    realized_before};
}

void TradeTracker::close(Money realized_now) {
  const OpenTrade& t = *open_;
  trades_.push_back(RoundTrip{t.direction, t.entry_ts, average_price(t.entry_notional, t.entry_quantity), t.exit_ts,
                              average_price(t.exit_notional, t.exit_quantity), t.entry_quantity,
                              realized_now - t.realized_at_open - t.fees, t.fees});
  open_.reset();
}

void TradeTracker::on_fill(const Fill& fill, const Portfolio& after) {
  const Quantity signed_fill = fill.side == Side::Buy ? fill.quantity : -fill.quantity;
  const Quantity held_after = after.position().quantity;
  const Quantity held_before = held_after - signed_fill;
  const Money realized_now = after.position().realized_pnl;

  if (!open_) {
    // Flat before: this fill opens a trade (realized PnL cannot have changed).
    open(fill.side, fill, fill.quantity, fill.fee, realized_now);
    return;
  }
  OpenTrade& t = *open_;
  if (fill.side == t.direction) {
    t.entry_quantity += fill.quantity;
    t.entry_notional += notional(fill.price, fill.quantity);
    t.fees += fill.fee;
    return;
  }
  const Quantity closing = fill.quantity < held_before.abs() ? fill.quantity : held_before.abs();
  const Money closing_fee = closing == fill.quantity ? fill.fee : fill.fee.mul_div(closing.raw(), fill.quantity.raw());
  t.exit_quantity += closing;
  t.exit_notional += notional(fill.price, closing);
  t.exit_ts = fill.ts;
  t.fees += closing_fee;
  if (!held_after.is_zero() && held_after.is_negative() == held_before.is_negative()) return;  // still open
  // Everything realized by this fill belongs to the trade it closes.
  close(realized_now);
  if (!held_after.is_zero()) open(fill.side, fill, fill.quantity - closing, fill.fee - closing_fee, realized_now);
}

}  // namespace smoops::engine
