#include "engine/pre_trade_checks.hpp"

namespace smoops::engine {
namespace {

bool needs_limit_price(OrderType type) { return type == OrderType::Limit || type == OrderType::StopLimit; }
bool needs_stop_price(OrderType type) { return type == OrderType::StopMarket || type == OrderType::StopLimit; }

std::optional<std::string> check_price(const char* what, Price price, const Instrument& instrument) {
  if (!price.is_positive()) return std::string(what) + " must be positive, got " + price.to_string();
  if (!price.is_multiple_of(instrument.tick_size))
    return std::string(what) + " " + price.to_string() + " is not a multiple of the tick size " +
           instrument.tick_size.to_string();
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_order_shape(const OrderRequest& request, const Instrument& instrument) {
  if (!request.quantity.is_positive()) return "quantity must be positive, got " + request.quantity.to_string();
  if (!request.quantity.is_multiple_of(instrument.lot_size))
    return "quantity " + request.quantity.to_string() + " is not a multiple of the lot size " +
           instrument.lot_size.to_string();
  if (needs_limit_price(request.type)) {
    if (auto error = check_price("limit price", request.limit_price, instrument)) return error;
  } else if (!request.limit_price.is_zero()) {
    return std::string("a ") + std::string(to_string(request.type)) + " order takes no limit price";
  }
  if (needs_stop_price(request.type)) {
    if (auto error = check_price("stop price", request.stop_price, instrument)) return error;
  } else if (!request.stop_price.is_zero()) {
    return std::string("a ") + std::string(to_string(request.type)) + " order takes no stop price";
  }
  if (request.time_in_force == TimeInForce::PostOnly && request.type != OrderType::Limit)
    return "post-only applies to limit orders only";
  return std::nullopt;
}

Price reference_price(OrderType type, Price limit_price, Price stop_price, Price last_price) {
  if (needs_limit_price(type)) return limit_price;
  if (needs_stop_price(type)) return stop_price;
  return last_price;
}

std::optional<std::string> check_order(const OrderRequest& request, const Instrument& instrument,
                                       const config::RiskLimits& limits, const AccountSnapshot& account) {
  if (limits.kill_switch) return std::string("kill switch is on");
  if (!account.halt_reason.empty()) return "bot is halted: " + account.halt_reason;
  if (auto error = check_order_shape(request, instrument)) return error;

  const Price price = reference_price(request.type, request.limit_price, request.stop_price, account.last_price);
  if (!price.is_positive()) return std::string("no price yet to value a market order");
  const Money order_notional = notional(price, request.quantity);
  if (order_notional < instrument.min_notional)
    return "notional " + order_notional.to_string() + " is below the instrument's min notional " +
           instrument.min_notional.to_string();
  if (limits.max_order_notional && order_notional > *limits.max_order_notional)
    return "notional " + order_notional.to_string() + " exceeds max_order_notional " +
           limits.max_order_notional->to_string();
  if (limits.max_open_orders && account.open_orders + 1 > *limits.max_open_orders)
    return "would exceed max_open_orders " + std::to_string(*limits.max_open_orders);
  if (limits.max_position) {
    // Worst case: every working order on the same side fills too.
    const Quantity worst = request.side == Side::Buy
                               ? account.position + account.open_buy_quantity + request.quantity
                               : account.position - account.open_sell_quantity - request.quantity;
    if (worst.abs() > *limits.max_position)
      return "position would reach " + worst.to_string() + ", beyond max_position " + limits.max_position->to_string();
  }
  if (request.side == Side::Buy) {
    const Money available = account.cash - account.open_buy_notional;
    if (order_notional > available)
      return "insufficient cash: order notional " + order_notional.to_string() + ", available " + available.to_string();
  }
  return std::nullopt;
}

}  // namespace smoops::engine
