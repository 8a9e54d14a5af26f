// Market and user data streams of the REAL binance plugin against the fake Binance server:
// closed klines as bars, gaps closed after a drop (bars and fills, in order, each once), malformed
// messages reported and skipped, and nothing reported after disconnect.

#include <gtest/gtest.h>

#include <thread>

#include "binance_test_session.hpp"

namespace smoops::test {
namespace {

using namespace std::chrono_literals;

struct BinanceStreams : ::testing::Test {
  TempDir dir;
  FakeBinanceServer fake{FakeBinanceOptions{.klines_csv = write_binance_csv(dir), .start_bar = 10}, dir.path()};
  TestCredentials credentials;
};

Subscription bars_and_trades() {
  Subscription s;
  s.symbol = "BTC/USDT";
  s.bar_interval = "1m";
  s.trades = true;
  return s;
}

// The open times of the bars seen, as bar indexes of the CSV.
std::vector<std::int64_t> bar_indexes(const OrderedEvents::Seen& seen) {
  std::vector<std::int64_t> out;
  for (const Bar& bar : seen.bars()) out.push_back((bar.ts.millis() - kBinanceT0) / 60'000);
  return out;
}

// What the connector reported, one line per event (for failure messages).
std::string describe(const OrderedEvents::Seen& seen) {
  std::string out;
  for (const auto& e : seen.events) {
    if (auto* u = std::get_if<OrderUpdate>(&e)) out += u->client_order_id + " " + std::string(to_string(u->status)) + " " + u->reason + "\n";
    if (auto* f = std::get_if<Fill>(&e)) out += f->client_order_id + " fill " + f->trade_id + " " + f->quantity.to_string() + "\n";
    if (auto* m = std::get_if<std::string>(&e)) out += "error: " + *m + "\n";
  }
  for (const auto& v : seen.violations) out += "violation: " + v + "\n";
  return out;
}

TEST_F(BinanceStreams, OnlyClosedKlinesBecomeBarsInOrder) {
  BinancePlugin plugin(fake);
  plugin.connect(nullptr, true);
  fake.faults({{"kline_updates", true}});  // an "x": false update before each close
  plugin.exchange().subscribe(bars_and_trades());
  fake.advance(3);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.bars().size() == 3; }));
  EXPECT_EQ(bar_indexes(plugin.events.snapshot()), (std::vector<std::int64_t>{10, 11, 12}));
  const Bar bar = plugin.events.snapshot().bars()[0];
  EXPECT_EQ(bar.open, Price::from_units(60100));
  EXPECT_EQ(bar.high, Price::from_units(60150));
  EXPECT_EQ(bar.low, Price::from_units(60050));
  EXPECT_EQ(bar.close, Price::from_units(60105));
  EXPECT_EQ(bar.volume, Quantity::from_units(2));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) {
    std::size_t trades = 0;
    for (const auto& e : s.events) trades += std::holds_alternative<Trade>(e);
    return trades == 3;
  }));
}

TEST_F(BinanceStreams, BarsMissedWhileTheStreamWasDownArriveFirstInOrderAndOnce) {
  BinancePlugin plugin(fake);
  plugin.connect(nullptr, true);
  plugin.exchange().subscribe(bars_and_trades());
  fake.advance(2);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.bars().size() == 2; }));
  fake.faults({{"end_streams", true}});
  fake.advance(3);  // closed while the connector reconnects
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.bars().size() >= 5; }, 20s));
  fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.bars().size() >= 6; }));
  std::this_thread::sleep_for(300ms);  // anything delivered twice would arrive by now
  EXPECT_EQ(bar_indexes(plugin.events.snapshot()), (std::vector<std::int64_t>{10, 11, 12, 13, 14, 15}));
  EXPECT_FALSE(plugin.events.snapshot().errors().empty());  // the drop was reported
}

TEST_F(BinanceStreams, FillsMissedWhileTheUserStreamWasDownAreReportedAfterReconnecting) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  Exchange& ex = plugin.exchange();
  ex.submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ex.submit(plugin.order("bot-2", Side::Sell, OrderType::Limit, "0.02", "60180"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) {
    return s.status_of("bot-1") == OrderStatus::Accepted && s.status_of("bot-2") == OrderStatus::Accepted;
  }));
  fake.advance(1);  // bar 10: bot-1 fills, seen live
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-1") == OrderStatus::Filled; }));
  fake.faults({{"end_streams", true}});
  fake.advance(4);  // bar 14 (high 60190) fills bot-2 while the stream is down
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-2") == OrderStatus::Filled; }, 20s))
      << fake.log();
  std::this_thread::sleep_for(300ms);
  const auto seen = plugin.events.snapshot();
  ASSERT_EQ(seen.fills().size(), 2u);  // each trade once
  EXPECT_EQ(seen.fills()[1].client_order_id, "bot-2");
  EXPECT_EQ(seen.fills()[1].price, Price::from_units(60180));
  EXPECT_EQ(seen.fills()[1].trade_id, std::to_string(fake.state()["trades"][1]["id"].get<int>()));
  EXPECT_TRUE(seen.violations.empty()) << seen.violations.front();
  EXPECT_GE(fake.requests("GET /api/v3/myTrades"), 1);
}

TEST_F(BinanceStreams, MalformedMessagesAreReportedAndSkipped) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  plugin.exchange().subscribe(bars_and_trades());
  fake.faults({{"malformed_json", {{"stream", "kline"}, {"count", 1}}}});
  fake.advance(1);
  fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return !s.bars().empty() && s.bars().back().ts.millis() == kBinanceT0 + 11 * 60'000; }));
  fake.faults({{"malformed_json", {{"stream", "user"}, {"count", 1}}}});
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-1") == OrderStatus::Accepted; }));
  fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-1") == OrderStatus::Filled; }));
  const auto errors = plugin.events.snapshot().errors();
  std::size_t rejected = 0;
  for (const auto& e : errors) rejected += e.find("message rejected") != std::string::npos;
  EXPECT_EQ(rejected, 2u);
}

TEST_F(BinanceStreams, EventsOutOfOrderStillReachTheHostInALegalOrder) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  fake.faults({{"user_stream_reorder", true}, {"partial_fills", true}});
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.02"));
  plugin.exchange().submit(plugin.order("bot-2", Side::Sell, OrderType::Limit, "0.02", "60120"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) {
    return s.status_of("bot-1") == OrderStatus::Accepted && s.status_of("bot-2") == OrderStatus::Accepted;
  }));
  fake.advance(1);  // half of each order fills (partial_fills: at most half the rest per bar)
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.fills().size() == 2; }));
  plugin.events.cancel_requested("bot-2");
  plugin.exchange().cancel(plugin.order("bot-2", Side::Sell, OrderType::Limit, "0.02", "60120"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-2") == OrderStatus::Canceled; }));
  fake.advance(1);  // half of the rest of bot-1
  fake.reset_faults();  // releases an event still held
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.fills().size() == 3; }))
      << describe(plugin.events.snapshot()) << fake.state().dump();
  std::this_thread::sleep_for(300ms);
  const auto seen = plugin.events.snapshot();
  EXPECT_TRUE(seen.violations.empty()) << seen.violations.front();
  EXPECT_EQ(seen.fills().size(), fake.state()["trades"].size());
  EXPECT_EQ(seen.status_of("bot-1"), OrderStatus::PartiallyFilled);
  EXPECT_EQ(seen.count_updates("bot-1", OrderStatus::Accepted), 1u);
}

TEST_F(BinanceStreams, NothingIsReportedAfterDisconnect) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  plugin.exchange().subscribe(bars_and_trades());
  plugin.exchange().submit(plugin.order("bot-1", Side::Sell, OrderType::Limit, "0.01", "60130"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-1") == OrderStatus::Accepted; }));
  fake.faults({{"end_streams", true}});  // both streams are reconnecting when the disconnect comes
  const auto start = std::chrono::steady_clock::now();
  plugin.exchange().disconnect();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  const std::size_t before = plugin.events.snapshot().events.size();
  fake.advance(3);  // bar 10 fills the order on the venue
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(plugin.events.snapshot().events.size(), before);
}

}  // namespace
}  // namespace smoops::test
