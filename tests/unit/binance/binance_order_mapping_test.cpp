// The host's orders as POST /api/v3/order parameters, and the venue's trades as fills.

#include <gtest/gtest.h>

#include "order_mapping.hpp"

namespace smoops::binance {
namespace {

Order order(OrderType type, TimeInForce tif) {
  Order o;
  o.client_order_id = "bot-12";
  o.side = Side::Sell;
  o.type = type;
  o.time_in_force = tif;
  o.quantity = Quantity::parse_or_throw("0.015");
  o.limit_price = Price::parse_or_throw("64000.5");
  o.stop_price = Price::parse_or_throw("63000");
  return o;
}

std::string params(OrderType type, TimeInForce tif) { return new_order_params(order(type, tif), "BTCUSDT").str(); }

TEST(OrderMapping, EachOrderKindHasItsVenueType) {
  EXPECT_EQ(params(OrderType::Market, TimeInForce::GTC),
            "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.015&newClientOrderId=bot-12&newOrderRespType=FULL");
  EXPECT_EQ(params(OrderType::Limit, TimeInForce::IOC),
            "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=IOC&price=64000.5&quantity=0.015&newClientOrderId=bot-12&"
            "newOrderRespType=FULL");
  EXPECT_NE(params(OrderType::Limit, TimeInForce::FOK).find("timeInForce=FOK"), std::string::npos);
  EXPECT_EQ(params(OrderType::Limit, TimeInForce::PostOnly),
            "symbol=BTCUSDT&side=SELL&type=LIMIT_MAKER&price=64000.5&quantity=0.015&newClientOrderId=bot-12&"
            "newOrderRespType=FULL");
  EXPECT_EQ(params(OrderType::StopMarket, TimeInForce::GTC),
            "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&stopPrice=63000&quantity=0.015&newClientOrderId=bot-12&"
            "newOrderRespType=FULL");
  EXPECT_EQ(params(OrderType::StopLimit, TimeInForce::GTC),
            "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&timeInForce=GTC&price=64000.5&stopPrice=63000&"
            "quantity=0.015&newClientOrderId=bot-12&newOrderRespType=FULL");
  EXPECT_THROW(params(OrderType::StopLimit, TimeInForce::PostOnly), std::invalid_argument);
}

TEST(OrderMapping, VenueStatuses) {
  EXPECT_EQ(order_status("NEW"), OrderStatus::Accepted);
  EXPECT_EQ(order_status("PARTIALLY_FILLED"), OrderStatus::PartiallyFilled);
  EXPECT_EQ(order_status("FILLED"), OrderStatus::Filled);
  EXPECT_EQ(order_status("CANCELED"), OrderStatus::Canceled);
  EXPECT_EQ(order_status("REJECTED"), OrderStatus::Rejected);
  EXPECT_EQ(order_status("EXPIRED"), OrderStatus::Expired);
  EXPECT_EQ(order_status("EXPIRED_IN_MATCH"), OrderStatus::Expired);
  EXPECT_FALSE(order_status("WEIRD").has_value());
}

TEST(OrderMapping, FeeIsInTheQuoteAsset) {
  Instrument btcusdt{"BTC/USDT", "BTC", "USDT", Price::parse_or_throw("0.01"), Quantity::parse_or_throw("0.00001"), {}};
  VenueTrade t;
  t.id = 77;
  t.price = Price::parse_or_throw("60000");
  t.quantity = Quantity::parse_or_throw("0.01");
  t.commission = Money::parse_or_throw("0.6");
  t.commission_asset = "USDT";
  std::string note;
  const Fill f = to_fill(t, "bot-1", Side::Buy, btcusdt, &note);
  EXPECT_EQ(f.trade_id, "77");
  EXPECT_EQ(f.fee, Money::parse_or_throw("0.6"));
  EXPECT_TRUE(note.empty());
  // Charged in the base asset: valued at the trade's price.
  t.commission = Money::parse_or_throw("0.00001");
  t.commission_asset = "BTC";
  EXPECT_EQ(fee_in_quote(t, btcusdt, &note), Money::parse_or_throw("0.6"));
  EXPECT_TRUE(note.empty());
  // In a third asset: not valued, and said.
  t.commission_asset = "BNB";
  EXPECT_EQ(fee_in_quote(t, btcusdt, &note), Money());
  EXPECT_NE(note.find("BNB"), std::string::npos);
}

}  // namespace
}  // namespace smoops::binance
