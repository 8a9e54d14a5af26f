// Round trips from fills, fed through a real Portfolio: entry and exit VWAPs, fees, and a pnl
// that is the realized PnL less all of the trade's fees, exactly.

#include <gtest/gtest.h>

#include "engine/portfolio.hpp"
#include "engine/trade_tracker.hpp"

namespace smoops::engine {
namespace {

Price px(const char* text) { return Price::parse_or_throw(text); }
Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }
Money money(const char* text) { return Money::parse_or_throw(text); }

class TradeTrackerTest : public ::testing::Test {
 protected:
  // Books the fill in the portfolio, then in the tracker, as the bot does.
  void fill(Side side, const char* quantity, const char* price, const char* fee, std::int64_t ts_ms) {
    Fill f;
    f.client_order_id = "t-" + std::to_string(++sequence_);
    f.trade_id = "x" + std::to_string(sequence_);
    f.side = side;
    f.price = px(price);
    f.quantity = qty(quantity);
    f.fee = money(fee);
    f.ts = Timestamp::from_millis(ts_ms);
    portfolio.apply_fill(f.side, f.price, f.quantity, f.fee);
    tracker.on_fill(f, portfolio);
  }

  Portfolio portfolio{money("100000")};
  TradeTracker tracker;

 private:
  int sequence_ = 0;
};

TEST_F(TradeTrackerTest, LongRoundTripPnlIsRealizedLessFees) {
  fill(Side::Buy, "2", "100", "0.2", 1000);
  fill(Side::Sell, "2", "110", "0.22", 2000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  const RoundTrip& t = tracker.trades()[0];
  EXPECT_EQ(t.direction, Side::Buy);
  EXPECT_EQ(t.entry_ts, Timestamp::from_millis(1000));
  EXPECT_EQ(t.exit_ts, Timestamp::from_millis(2000));
  EXPECT_EQ(t.entry_price, px("100"));
  EXPECT_EQ(t.exit_price, px("110"));
  EXPECT_EQ(t.quantity, qty("2"));
  // realized 220 − 200 = 20; fees 0.2 + 0.22 = 0.42; pnl 20 − 0.42 = 19.58.
  EXPECT_EQ(t.fees, money("0.42"));
  EXPECT_EQ(t.pnl, money("19.58"));
  EXPECT_EQ(t.pnl, portfolio.position().realized_pnl - portfolio.position().fees);
  EXPECT_FALSE(tracker.has_open_trade());
}

TEST_F(TradeTrackerTest, ScalingInAveragesTheEntryByVolume) {
  fill(Side::Buy, "1", "100", "0.1", 1000);
  fill(Side::Buy, "3", "104", "0.312", 2000);
  EXPECT_TRUE(tracker.trades().empty());
  fill(Side::Sell, "4", "105", "0.42", 3000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  const RoundTrip& t = tracker.trades()[0];
  // entry VWAP (100 + 312) / 4 = 103; realized 420 − 412 = 8; fees 0.1 + 0.312 + 0.42 = 0.832;
  // pnl 8 − 0.832 = 7.168.
  EXPECT_EQ(t.entry_ts, Timestamp::from_millis(1000));  // the first entry fill
  EXPECT_EQ(t.entry_price, px("103"));
  EXPECT_EQ(t.exit_price, px("105"));
  EXPECT_EQ(t.quantity, qty("4"));
  EXPECT_EQ(t.fees, money("0.832"));
  EXPECT_EQ(t.pnl, money("7.168"));
}

TEST_F(TradeTrackerTest, EntryVwapIsRoundedHalfEven) {
  // (100 + 2 × 101) / 3 = 302 / 3 = 100.666666666… → 100.66666667.
  fill(Side::Buy, "1", "100", "0", 1000);
  fill(Side::Buy, "2", "101", "0", 2000);
  fill(Side::Sell, "3", "101", "0", 3000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  EXPECT_EQ(tracker.trades()[0].entry_price, px("100.66666667"));
  // realized exact: 303 − 302 = 1.
  EXPECT_EQ(tracker.trades()[0].pnl, money("1"));
}

TEST_F(TradeTrackerTest, PartialExitsKeepTheTradeOpenUntilFlat) {
  fill(Side::Buy, "3", "100", "0.3", 1000);
  fill(Side::Sell, "1", "110", "0.11", 2000);
  EXPECT_TRUE(tracker.trades().empty());
  EXPECT_TRUE(tracker.has_open_trade());
  fill(Side::Sell, "2", "113", "0.226", 3000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  const RoundTrip& t = tracker.trades()[0];
  // exit VWAP (110 + 226) / 3 = 112; realized 336 − 300 = 36; fees 0.3 + 0.11 + 0.226 = 0.636;
  // pnl 36 − 0.636 = 35.364.
  EXPECT_EQ(t.exit_price, px("112"));
  EXPECT_EQ(t.exit_ts, Timestamp::from_millis(3000));  // the last exit fill
  EXPECT_EQ(t.quantity, qty("3"));
  EXPECT_EQ(t.fees, money("0.636"));
  EXPECT_EQ(t.pnl, money("35.364"));
  EXPECT_FALSE(tracker.has_open_trade());
}

TEST_F(TradeTrackerTest, FlipClosesOneTradeAndOpensAnotherWithTheFeeSplit) {
  fill(Side::Buy, "2", "100", "0.2", 1000);
  // Sell 5 @ 110, fee 0.55: 2 close the long (fee 0.55 × 2/5 = 0.22), 3 open a short (fee 0.33).
  fill(Side::Sell, "5", "110", "0.55", 2000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  EXPECT_TRUE(tracker.has_open_trade());
  const RoundTrip long_trade = tracker.trades()[0];
  EXPECT_EQ(long_trade.direction, Side::Buy);
  EXPECT_EQ(long_trade.quantity, qty("2"));
  EXPECT_EQ(long_trade.exit_price, px("110"));
  // realized 220 − 200 = 20; fees 0.2 + 0.22 = 0.42; pnl 19.58.
  EXPECT_EQ(long_trade.fees, money("0.42"));
  EXPECT_EQ(long_trade.pnl, money("19.58"));

  // Cover 3 @ 100, fee 0.3: realized 330 − 300 = 30; fees 0.33 + 0.3 = 0.63; pnl 29.37.
  fill(Side::Buy, "3", "100", "0.3", 3000);
  ASSERT_EQ(tracker.trades().size(), 2u);
  const RoundTrip& short_trade = tracker.trades()[1];
  EXPECT_EQ(short_trade.direction, Side::Sell);
  EXPECT_EQ(short_trade.entry_ts, Timestamp::from_millis(2000));
  EXPECT_EQ(short_trade.entry_price, px("110"));
  EXPECT_EQ(short_trade.exit_price, px("100"));
  EXPECT_EQ(short_trade.quantity, qty("3"));
  EXPECT_EQ(short_trade.fees, money("0.63"));
  EXPECT_EQ(short_trade.pnl, money("29.37"));
  // Nothing lost in the split: the trades' pnl adds up to the account's.
  EXPECT_EQ(long_trade.pnl + short_trade.pnl, portfolio.position().realized_pnl - portfolio.position().fees);
}

TEST_F(TradeTrackerTest, FlipFeeSplitRoundsHalfEvenAndGivesTheRemainderToTheNewTrade) {
  fill(Side::Buy, "1", "100", "0", 1000);
  // Fee 0.0000001 (raw 10) on a 4-unit sell closing 1: 10 × 1/4 = 2.5 → even 2 to the old trade,
  // the remaining 8 to the new one.
  fill(Side::Sell, "4", "100", "0.0000001", 2000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  EXPECT_EQ(tracker.trades()[0].fees, Money::from_raw(2));
  fill(Side::Buy, "3", "100", "0", 3000);
  ASSERT_EQ(tracker.trades().size(), 2u);
  EXPECT_EQ(tracker.trades()[1].fees, Money::from_raw(8));
}

TEST_F(TradeTrackerTest, ShortRoundTripPnlIsEntryLessExitLessFees) {
  fill(Side::Sell, "1.5", "200", "0.3", 1000);
  fill(Side::Buy, "1.5", "180", "0.27", 2000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  const RoundTrip& t = tracker.trades()[0];
  EXPECT_EQ(t.direction, Side::Sell);
  EXPECT_EQ(t.entry_price, px("200"));
  EXPECT_EQ(t.exit_price, px("180"));
  EXPECT_EQ(t.quantity, qty("1.5"));
  // realized 300 − 270 = 30; fees 0.57; pnl 29.43.
  EXPECT_EQ(t.fees, money("0.57"));
  EXPECT_EQ(t.pnl, money("29.43"));
}

TEST_F(TradeTrackerTest, AnOpenTradeIsNotInTrades) {
  EXPECT_FALSE(tracker.has_open_trade());
  fill(Side::Buy, "1", "100", "0.1", 1000);
  EXPECT_TRUE(tracker.has_open_trade());
  EXPECT_TRUE(tracker.trades().empty());
}

TEST_F(TradeTrackerTest, ALosingTradeHasANegativePnl) {
  fill(Side::Buy, "1", "100", "0.1", 1000);
  fill(Side::Sell, "1", "95", "0.095", 2000);
  ASSERT_EQ(tracker.trades().size(), 1u);
  // realized 95 − 100 = −5; fees 0.195; pnl −5.195.
  EXPECT_EQ(tracker.trades()[0].pnl, money("-5.195"));
}

}  // namespace
}  // namespace smoops::engine
