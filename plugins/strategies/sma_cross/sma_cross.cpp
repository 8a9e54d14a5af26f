#include "sma_cross.hpp"

#include <algorithm>
#include <string>

namespace smoops::sma_cross {

SmaCrossParams SmaCrossParams::from(const Params& params) {
  params.allow_only({"fast", "slow", "quantity"});
  SmaCrossParams parsed;
  parsed.fast = params.get_int_in("fast", 1, kMaxSlow);
  parsed.slow = params.get_int_in("slow", 1, kMaxSlow);
  if (parsed.slow <= parsed.fast) {
    const Params& slow = params.at("slow");
    Params::fail(slow.mark(), slow.path() + ": must be greater than fast (" + std::to_string(parsed.fast) +
                                  "), got " + std::to_string(parsed.slow));
  }
  parsed.quantity = params.get_fixed<Quantity>("quantity");
  if (!parsed.quantity.is_positive()) {
    const Params& quantity = params.at("quantity");
    Params::fail(quantity.mark(), quantity.path() + ": must be positive, got " + quantity.text());
  }
  return parsed;
}

SmaCross::SmaCross(const Params& params)
    : params_(SmaCrossParams::from(params)),
      crossover_(static_cast<std::size_t>(params_.fast), static_cast<std::size_t>(params_.slow)) {}

std::size_t SmaCross::warmup_bars(const Context&) const {
  const auto slow = static_cast<std::size_t>(params_.slow);
  return slow + std::max(slow, kTieBars);
}

void SmaCross::on_bar(Context& ctx, const Bar& bar) {
  const Crossover crossover = crossover_.on_close(bar.close);
  if (ctx.warming_up()) return;  // the averages are what warm-up is for; an order would be denied
  switch (crossover) {
    case Crossover::None: return;
    case Crossover::Above: enter_long(ctx); return;
    case Crossover::Below: exit_long(ctx); return;
  }
}

void SmaCross::enter_long(Context& ctx) {
  // Flat with nothing working: an entry still in flight must not be doubled.
  if (!ctx.position().quantity.is_zero() || !ctx.open_orders().empty()) return;
  submit_market(ctx, Side::Buy, params_.quantity);
}

void SmaCross::exit_long(Context& ctx) {
  const Quantity held = ctx.position().quantity;
  if (!held.is_positive()) return;
  submit_market(ctx, Side::Sell, held);
}

void SmaCross::submit_market(Context& ctx, Side side, Quantity quantity) {
  OrderRequest request;
  request.side = side;
  request.type = OrderType::Market;
  request.quantity = quantity;
  const SubmitResult result = ctx.submit(request);
  if (!result.accepted)
    ctx.log().warn("sma_cross: market " + std::string(to_string(side)) + " of " + quantity.to_string() +
                   " denied (" + result.client_order_id + "): " + result.reason);
}

}  // namespace smoops::sma_cross
