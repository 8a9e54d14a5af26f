#pragma once
// Between the host's orders and fills and the venue's: order parameters for POST /api/v3/order,
// venue statuses, orders and trades mapped back (docs/binance.md, "Orders").

#include <optional>
#include <string>
#include <string_view>

#include "binance_types.hpp"
#include "query_string.hpp"
#include "smoops/instrument.hpp"
#include "smoops/order.hpp"

namespace smoops::binance {

/// The parameters of POST /api/v3/order for `order` (without timestamp and signature):
/// market -> MARKET; limit GTC/IOC/FOK -> LIMIT with timeInForce; post-only -> LIMIT_MAKER;
/// stop-market -> STOP_LOSS; stop-limit -> STOP_LOSS_LIMIT (GTC/IOC/FOK). newClientOrderId is the
/// host's client order id; newOrderRespType FULL. Throws std::invalid_argument for an order the
/// venue cannot take (a post-only stop-limit), with the reason.
QueryString new_order_params(const Order& order, std::string_view venue_symbol);

/// The host status of a venue order status (enums.md, "Order status"); nullopt for an unknown one.
std::optional<OrderStatus> order_status(std::string_view venue_status);
/// "BUY" -> Buy, "SELL" -> Sell.
std::optional<Side> order_side(std::string_view venue_side);

/// A venue order as the host's Order (what reconciliation and open_orders report).
Order to_order(const VenueOrder& venue, const Instrument& instrument);

/// The fee of `trade` in the quote asset. The venue charges in the asset it names: the quote asset
/// is taken as is; the base asset is converted at the trade's price (rounded half-even); any
/// other asset (BNB discounts) cannot be valued here and counts as zero, with `note` saying so.
Money fee_in_quote(const VenueTrade& trade, const Instrument& instrument, std::string* note);

/// A venue trade of the order `client_order_id` as the host's Fill (trade id = the venue's id).
Fill to_fill(const VenueTrade& trade, const std::string& client_order_id, Side side, const Instrument& instrument,
             std::string* fee_note);

}  // namespace smoops::binance
