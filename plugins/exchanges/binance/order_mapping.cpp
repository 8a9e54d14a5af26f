#include "order_mapping.hpp"

#include <stdexcept>

namespace smoops::binance {
namespace {

std::string_view time_in_force(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::IOC: return "IOC";
    case TimeInForce::FOK: return "FOK";
    default: return "GTC";
  }
}

}  // namespace

QueryString new_order_params(const Order& order, std::string_view venue_symbol) {
  QueryString q;
  q.add("symbol", venue_symbol);
  q.add("side", order.side == Side::Buy ? "BUY" : "SELL");
  switch (order.type) {
    case OrderType::Market:
      q.add("type", "MARKET");
      break;
    case OrderType::Limit:
      if (order.time_in_force == TimeInForce::PostOnly) {
        q.add("type", "LIMIT_MAKER");  // rest-api.md: "also known as a POST-ONLY order"
      } else {
        q.add("type", "LIMIT");
        q.add("timeInForce", time_in_force(order.time_in_force));
      }
      q.add("price", order.limit_price.to_string());
      break;
    case OrderType::StopMarket:
      q.add("type", "STOP_LOSS");
      q.add("stopPrice", order.stop_price.to_string());
      break;
    case OrderType::StopLimit:
      if (order.time_in_force == TimeInForce::PostOnly)
        throw std::invalid_argument("binance has no post-only stop-limit order (STOP_LOSS_LIMIT takes GTC, IOC or FOK)");
      q.add("type", "STOP_LOSS_LIMIT");
      q.add("timeInForce", time_in_force(order.time_in_force));
      q.add("price", order.limit_price.to_string());
      q.add("stopPrice", order.stop_price.to_string());
      break;
  }
  q.add("quantity", order.quantity.to_string());
  q.add("newClientOrderId", order.client_order_id);
  q.add("newOrderRespType", "FULL");
  return q;
}

std::optional<OrderStatus> order_status(std::string_view s) {
  if (s == "NEW" || s == "PENDING_NEW" || s == "PENDING_CANCEL") return OrderStatus::Accepted;
  if (s == "PARTIALLY_FILLED") return OrderStatus::PartiallyFilled;
  if (s == "FILLED") return OrderStatus::Filled;
  if (s == "CANCELED") return OrderStatus::Canceled;
  if (s == "REJECTED") return OrderStatus::Rejected;
  if (s == "EXPIRED" || s == "EXPIRED_IN_MATCH") return OrderStatus::Expired;
  return std::nullopt;
}

std::optional<Side> order_side(std::string_view s) {
  if (s == "BUY") return Side::Buy;
  if (s == "SELL") return Side::Sell;
  return std::nullopt;
}

Order to_order(const VenueOrder& venue, const Instrument& instrument) {
  Order o;
  o.client_order_id = venue.client_order_id;
  o.exchange_order_id = std::to_string(venue.order_id);
  o.symbol = instrument.symbol;
  o.side = order_side(venue.side).value_or(Side::Buy);
  if (venue.type == "MARKET") {
    o.type = OrderType::Market;
  } else if (venue.type == "STOP_LOSS") {
    o.type = OrderType::StopMarket;
  } else if (venue.type == "STOP_LOSS_LIMIT") {
    o.type = OrderType::StopLimit;
  } else {
    o.type = OrderType::Limit;
  }
  if (venue.type == "LIMIT_MAKER") o.time_in_force = TimeInForce::PostOnly;
  else if (venue.time_in_force == "IOC") o.time_in_force = TimeInForce::IOC;
  else if (venue.time_in_force == "FOK") o.time_in_force = TimeInForce::FOK;
  o.quantity = venue.quantity;
  o.filled_quantity = venue.executed_quantity;
  o.limit_price = venue.price;
  o.stop_price = venue.stop_price;
  o.filled_notional = venue.cumulative_quote;
  o.status = order_status(venue.status).value_or(OrderStatus::Accepted);
  o.created_ts = venue.created;
  o.updated_ts = venue.updated;
  if (o.status == OrderStatus::Rejected || o.status == OrderStatus::Expired || o.status == OrderStatus::Canceled)
    o.reason = "binance: " + venue.status;
  return o;
}

Money fee_in_quote(const VenueTrade& trade, const Instrument& instrument, std::string* note) {
  if (trade.commission.is_zero() || trade.commission_asset == instrument.quote_asset) return trade.commission;
  if (trade.commission_asset == instrument.base_asset)
    return notional(trade.price, retag<QuantityTag>(trade.commission));
  if (note)
    *note = "trade " + std::to_string(trade.id) + ": commission " + trade.commission.to_string() + " " +
            trade.commission_asset + " is in neither " + instrument.base_asset + " nor " + instrument.quote_asset +
            "; booked as a zero fee";
  return Money();
}

Fill to_fill(const VenueTrade& trade, const std::string& client_order_id, Side side, const Instrument& instrument,
             std::string* fee_note) {
  Fill f;
  f.client_order_id = client_order_id;
  f.trade_id = std::to_string(trade.id);
  f.side = side;
  f.price = trade.price;
  f.quantity = trade.quantity;
  f.fee = fee_in_quote(trade, instrument, fee_note);
  f.liquidity = trade.maker ? Liquidity::Maker : Liquidity::Taker;
  f.ts = trade.ts;
  return f;
}

}  // namespace smoops::binance
