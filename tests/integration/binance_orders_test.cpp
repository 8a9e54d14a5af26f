// Orders through the REAL binance plugin against the fake Binance server: the lifecycle of market
// and limit orders with their fills arriving on the user data stream, and submits and cancels
// whose answers are lost, resolved by asking the venue and never by sending the order again.

#include <gtest/gtest.h>

#include <thread>

#include "binance_test_session.hpp"

namespace smoops::test {
namespace {

using namespace std::chrono_literals;

struct BinanceOrders : ::testing::Test {
  TempDir dir;
  FakeBinanceServer fake{FakeBinanceOptions{.klines_csv = write_binance_csv(dir), .start_bar = 10}, dir.path()};
  TestCredentials credentials;

  // The fake's record of one order.
  nlohmann::json venue_order(const std::string& id) const {
    const nlohmann::json state = fake.state();
    for (const auto& o : state["orders"])
      if (o["clientOrderId"] == id) return o;
    return nullptr;
  }
};

bool reached(const OrderedEvents::Seen& s, const std::string& id, OrderStatus status) {
  return s.status_of(id) == status;
}

TEST_F(BinanceOrders, MarketAndLimitOrdersLiveTheirLivesThroughTheUserDataStream) {
  BinancePlugin plugin(fake, {{"request_timeout_ms", "3000"}});
  plugin.connect(&credentials);
  Exchange& ex = plugin.exchange();

  ex.submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ex.submit(plugin.order("bot-2", Side::Sell, OrderType::Limit, "0.02", "60200", TimeInForce::GTC));
  ex.submit(plugin.order("bot-3", Side::Buy, OrderType::Limit, "0.01", "60000", TimeInForce::GTC));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) {
    return reached(s, "bot-1", OrderStatus::Accepted) && reached(s, "bot-2", OrderStatus::Accepted) &&
           reached(s, "bot-3", OrderStatus::Accepted);
  })) << fake.log();

  // Bar 10 (open 60100, low 60050, high 60150) closes: the market buy fills at its open; the limit
  // buy at 60000 and the limit sell at 60200 do not trade.
  fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Filled); }));
  const auto fills = plugin.events.snapshot().fills();
  ASSERT_EQ(fills.size(), 1u);
  const auto trades = fake.state()["trades"];
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(fills[0].trade_id, std::to_string(trades[0]["id"].get<int>()));
  EXPECT_EQ(fills[0].price, Price::from_units(60100));
  EXPECT_EQ(fills[0].quantity, Quantity::parse_or_throw("0.01"));
  EXPECT_EQ(fills[0].fee, Money::parse_or_throw(trades[0]["commission"].get<std::string>()));
  EXPECT_EQ(fills[0].fee, Money::parse_or_throw("0.601"));  // 10 bps of 601 USDT, in USDT
  EXPECT_EQ(fills[0].side, Side::Buy);

  // Bar 11 (60060..60160) and bar 12 (60070..60170) leave both limits resting; bar 13 reaches 60180
  // and bar 14 60190; bar 15 reaches 60200: the sell fills at its limit.
  plugin.events.cancel_requested("bot-3");
  ex.cancel(plugin.order("bot-3", Side::Buy, OrderType::Limit, "0.01", "60000"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-3", OrderStatus::Canceled); }));
  fake.advance(5);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-2", OrderStatus::Filled); }));

  const auto seen = plugin.events.snapshot();
  EXPECT_TRUE(seen.violations.empty()) << seen.violations.front();
  EXPECT_EQ(seen.count_updates("bot-1", OrderStatus::Accepted), 1u);
  EXPECT_EQ(seen.count_updates("bot-2", OrderStatus::Accepted), 1u);
  EXPECT_EQ(seen.fills().size(), 2u);
  EXPECT_EQ(venue_order("bot-2")["status"], "FILLED");
  EXPECT_EQ(venue_order("bot-3")["status"], "CANCELED");
  for (const char* id : {"bot-1", "bot-2", "bot-3"}) EXPECT_EQ(venue_order(id)["submissions"], 1) << id;
  EXPECT_TRUE(seen.errors().empty()) << seen.errors().front();
}

TEST_F(BinanceOrders, VenueRefusalIsARejectionWithTheVenuesMessage) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Limit, "1", "60000"));  // 60000 USDT > 10000
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Rejected); }));
  const auto seen = plugin.events.snapshot();
  const auto& update = std::get<OrderUpdate>(seen.events.back());
  EXPECT_NE(update.reason.find("insufficient balance"), std::string::npos) << update.reason;
}

// The answer to the submit is lost; the order must be found by its client order id and sent once.
void expect_resolved_by_query(BinanceOrders& t, BinancePlugin& plugin) {
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Accepted); }, 20s))
      << t.fake.log();
  t.fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Filled); }));
  // The user data stream may report the order before the lost answer is given up: wait for the query.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (t.fake.requests("GET /api/v3/order") == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(t.venue_order("bot-1")["submissions"], 1);
  EXPECT_EQ(t.fake.requests("POST /api/v3/order"), 1);
  EXPECT_GE(t.fake.requests("GET /api/v3/order"), 1);
  const auto seen = plugin.events.snapshot();
  EXPECT_EQ(seen.count_updates("bot-1", OrderStatus::Accepted), 1u);
  EXPECT_TRUE(seen.violations.empty()) << seen.violations.front();
  EXPECT_TRUE(plugin.log.contains("asking the venue what became of it"));
}

TEST_F(BinanceOrders, SubmitWhoseConnectionDroppedAfterProcessingIsFoundByQuery) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  fake.faults({{"drop_connection", {{"path", "/api/v3/order"}, {"method", "POST"}, {"after_processing", true}}}});
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  expect_resolved_by_query(*this, plugin);
}

TEST_F(BinanceOrders, SubmitWhoseAnswerTimedOutIsFoundByQuery) {
  BinancePlugin plugin(fake, {{"request_timeout_ms", "500"}});
  plugin.connect(&credentials);
  fake.faults({{"delay_response", {{"path", "/api/v3/order"}, {"method", "POST"}, {"ms", 3000}}}});
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  expect_resolved_by_query(*this, plugin);
}

TEST_F(BinanceOrders, SubmitLostBeforeItReachedTheVenueIsRejectedNotResent) {
  BinancePlugin plugin(fake, {{"recv_window_ms", "1000"}});
  plugin.connect(&credentials);
  fake.faults({{"drop_connection", {{"path", "/api/v3/order"}, {"method", "POST"}, {"after_processing", false}}}});
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Rejected); }, 20s));
  const auto seen = plugin.events.snapshot();
  const auto& update = std::get<OrderUpdate>(seen.events.back());
  EXPECT_NE(update.reason.find("lost before it reached the venue"), std::string::npos) << update.reason;
  EXPECT_EQ(fake.requests("POST /api/v3/order"), 1);
  EXPECT_TRUE(venue_order("bot-1").is_null());  // the venue never had it
}

TEST_F(BinanceOrders, SubmitAnswered503IsAnUnknownOutcomeResolvedByQuery) {
  BinancePlugin plugin(fake, {{"recv_window_ms", "1000"}});
  plugin.connect(&credentials);
  fake.faults({{"status", {{"path", "/api/v3/order"}, {"code", 503}, {"count", 1}}}});
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Rejected); }, 20s));
  EXPECT_EQ(fake.requests("POST /api/v3/order"), 1);
  EXPECT_GE(fake.requests("GET /api/v3/order"), 1);
}

TEST_F(BinanceOrders, CancelWhoseAnswerIsLostIsConfirmedByQuery) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Limit, "0.01", "59000"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Accepted); }));
  fake.faults({{"drop_connection", {{"path", "/api/v3/order"}, {"method", "DELETE"}, {"after_processing", true}}}});
  plugin.events.cancel_requested("bot-1");
  plugin.exchange().cancel(plugin.order("bot-1", Side::Buy, OrderType::Limit, "0.01", "59000"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Canceled); }));
  EXPECT_EQ(venue_order("bot-1")["status"], "CANCELED");
  EXPECT_TRUE(plugin.events.snapshot().violations.empty());
}

TEST_F(BinanceOrders, ReconciliationAsksTheVenue) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Accepted); }));
  fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return reached(s, "bot-1", OrderStatus::Filled); }));
  // A second connector (a restarted daemon) asks about the order it never sent itself.
  BinancePlugin restarted(fake);
  restarted.connect(&credentials);
  const auto order = restarted.exchange().query_order("bot-1");
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->status, OrderStatus::Filled);
  EXPECT_EQ(order->filled_quantity, Quantity::parse_or_throw("0.01"));
  EXPECT_EQ(order->filled_notional, Money::from_units(601));
  const auto fills = restarted.exchange().order_fills("bot-1");
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].trade_id, plugin.events.snapshot().fills()[0].trade_id);
  EXPECT_FALSE(restarted.exchange().query_order("bot-99").has_value());
  EXPECT_TRUE(restarted.exchange().order_fills("bot-99").empty());
  EXPECT_TRUE(restarted.exchange().open_orders().empty());
}

}  // namespace
}  // namespace smoops::test
