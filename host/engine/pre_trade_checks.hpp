#pragma once
// The checks an order must pass before it may leave: instrument filters (tick, lot, min
// notional), order shape, and the bot's risk limits. A failed check is a denial with a reason
// that names the limit and the values; nothing is sent.

#include <cstdint>
#include <optional>
#include <string>

#include "config/bot_config.hpp"
#include "smoops/instrument.hpp"
#include "smoops/order.hpp"

namespace smoops::engine {

/// What the checks need to know about the bot at the moment of submission.
struct AccountSnapshot {
  Quantity position;           ///< signed
  Quantity open_buy_quantity;  ///< remaining quantity of working buy orders
  Quantity open_sell_quantity; ///< remaining quantity of working sell orders
  Money open_buy_notional;     ///< cash reserved by working buy orders (at their reference price)
  std::int64_t open_orders = 0;
  Money cash;
  Price last_price;            ///< last close or trade; reference price of market orders
  std::string halt_reason;     ///< non-empty when the bot is halted (and why)
};

/// The price an order's notional is judged at: its limit, else its stop, else the last price.
Price reference_price(OrderType type, Price limit_price, Price stop_price, Price last_price);

/// The order's own shape against the instrument (quantity on the lot, prices on the tick, the
/// right prices for its type); nullopt when sound.
std::optional<std::string> check_order_shape(const OrderRequest& request, const Instrument& instrument);

/// nullopt when the order may leave, else why not.
std::optional<std::string> check_order(const OrderRequest& request, const Instrument& instrument,
                                       const config::RiskLimits& limits, const AccountSnapshot& account);

}  // namespace smoops::engine
