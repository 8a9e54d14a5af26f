// The lines `smoops watch` prints for published events.

#include "cli/event_format.hpp"

#include <gtest/gtest.h>

namespace smoops::cli {
namespace {

// 2022-11-25 12:00:01.123 UTC
constexpr std::int64_t kTsMillis = 1'669'377'601'123;
const auto kReceived = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'669'377'602'456));

TEST(EventFormat, OrderShowsIdSideTypeQuantityAndStatus) {
  EXPECT_EQ(format_event("bot.btc-sma.order", 1234,
                         R"({"client_order_id":"t-17","side":"buy","type":"market","quantity":"1","status":"filled",)"
                         R"("limit_price":null,"ts":1669377601123})",
                         kReceived),
            "12:00:01.123 #1234 btc-sma order t-17 buy market 1 filled");
}

TEST(EventFormat, LimitOrderShowsItsPrice) {
  EXPECT_EQ(format_event("bot.b.order", 1, R"({"client_order_id":"b-1","side":"sell","type":"limit","quantity":"2",)"
                                           R"("limit_price":"100.5","status":"accepted"})",
                         kReceived),
            "12:00:02.456 #1 b order b-1 sell limit 2 @ 100.5 accepted");
}

TEST(EventFormat, FillShowsTradeQuantityPriceAndFee) {
  EXPECT_EQ(format_event("bot.btc-sma.fill", 7,
                         R"({"trade_id":"sim-t9","side":"buy","quantity":"1","price":"16727.3","fee":"16.7273"})",
                         kReceived),
            "12:00:02.456 #7 btc-sma fill sim-t9 buy 1 @ 16727.3 fee 16.7273");
}

TEST(EventFormat, PositionShowsQuantityAveragePriceUnrealizedPnlAndEquity) {
  EXPECT_EQ(format_event("bot.btc-sma.position", 8,
                         R"({"quantity":"1","average_price":"16727.3","unrealized_pnl":"12.1","equity":"1000012.1"})",
                         kReceived),
            "12:00:02.456 #8 btc-sma position 1 @ 16727.3 upnl 12.1 equity 1000012.1");
}

TEST(EventFormat, StatusAndLog) {
  EXPECT_EQ(format_event("bot.b1.status", 2, R"({"state":"running"})", kReceived), "12:00:02.456 #2 b1 status running");
  EXPECT_EQ(format_event("bot.b1.log", 3, R"({"level":"warn","message":"order denied: max position"})", kReceived),
            "12:00:02.456 #3 b1 log warn order denied: max position");
}

TEST(EventFormat, TimeComesFromTheEventWhenItHasOne) {
  EXPECT_EQ(format_event("bot.b1.status", 2, R"({"state":"halted","reason":"max_daily_loss","ts":1669377601123})",
                         kReceived),
            "12:00:01.123 #2 b1 status halted max_daily_loss");
}

TEST(EventFormat, BotNamesMayContainDots) {
  EXPECT_EQ(format_event("bot.eu.btc.status", 5, R"({"state":"stopped"})", kReceived),
            "12:00:02.456 #5 eu.btc status stopped");
}

TEST(EventFormat, UnknownKindsAndMissingFieldsPrintTheJson) {
  EXPECT_EQ(format_event("bot.b1.heartbeat", 9, R"({"n":1})", kReceived), R"(12:00:02.456 #9 b1 heartbeat {"n":1})");
  EXPECT_EQ(format_event("daemon.status", 10, R"({"bots":2})", kReceived), R"(12:00:02.456 #10 daemon.status {"bots":2})");
}

TEST(EventFormat, PayloadThatIsNotJsonIsPrintedAsItIs) {
  EXPECT_EQ(format_event("bot.b1.log", 11, "not json", kReceived), "12:00:02.456 #11 b1 log not json");
}

}  // namespace
}  // namespace smoops::cli
