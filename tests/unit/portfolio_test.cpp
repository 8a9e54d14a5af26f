// Portfolio: cash, position, cost basis and PnL, to the last 10^-8, with fees. Every case also
// checks the identities the header promises:
//   equity == cash + market value == initial cash + realized + unrealized − fees.

#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/portfolio.hpp"

namespace smoops::engine {
namespace {

Price px(const char* text) { return Price::parse_or_throw(text); }
Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }
Money money(const char* text) { return Money::parse_or_throw(text); }

void expect_identities(const Portfolio& p) {
  const Position& pos = p.position();
  EXPECT_EQ(p.equity(), p.cash() + p.market_value());
  EXPECT_EQ(p.equity(), p.initial_cash() + pos.realized_pnl + pos.unrealized_pnl - pos.fees)
      << "equity " << p.equity().to_string() << ", realized " << pos.realized_pnl.to_string() << ", unrealized "
      << pos.unrealized_pnl.to_string() << ", fees " << pos.fees.to_string();
}

TEST(Portfolio, StartsFlatWithItsInitialCash) {
  const Portfolio p(money("1000"));
  EXPECT_EQ(p.cash(), money("1000"));
  EXPECT_EQ(p.equity(), money("1000"));
  EXPECT_TRUE(p.position().quantity.is_zero());
  expect_identities(p);
}

TEST(Portfolio, BuyThenSellAllRealizesProceedsLessCost) {
  Portfolio p(money("100000"));
  // Buy 0.5 @ 20000: notional 10000, fee 10 → cash 100000 − 10000 − 10 = 89990.
  EXPECT_EQ(p.apply_fill(Side::Buy, px("20000"), qty("0.5"), money("10")), Money());
  EXPECT_EQ(p.cash(), money("89990"));
  EXPECT_EQ(p.position().quantity, qty("0.5"));
  EXPECT_EQ(p.position().cost_basis, money("10000"));
  EXPECT_EQ(p.position().average_entry_price, px("20000"));
  EXPECT_EQ(p.mark_price(), px("20000"));  // the first fill marks the position
  EXPECT_EQ(p.equity(), money("99990"));   // 89990 + 0.5 × 20000
  expect_identities(p);

  // Sell 0.5 @ 21000: proceeds 10500, fee 10.5 → realized 10500 − 10000 = 500;
  // cash 89990 + 10500 − 10.5 = 100479.5; fees 20.5.
  EXPECT_EQ(p.apply_fill(Side::Sell, px("21000"), qty("0.5"), money("10.5")), money("500"));
  EXPECT_EQ(p.cash(), money("100479.5"));
  EXPECT_TRUE(p.position().quantity.is_zero());
  EXPECT_TRUE(p.position().cost_basis.is_zero());
  EXPECT_TRUE(p.position().average_entry_price.is_zero());
  EXPECT_TRUE(p.position().unrealized_pnl.is_zero());
  EXPECT_EQ(p.position().realized_pnl, money("500"));
  EXPECT_EQ(p.position().fees, money("20.5"));
  EXPECT_EQ(p.equity(), money("100479.5"));  // 100000 + 500 − 20.5
  expect_identities(p);
}

TEST(Portfolio, PartialCloseRemovesBasisProportionallyHalfEven) {
  Portfolio p(money("1000"));
  // Two buys: 1 @ 10.00000001 and 1 @ 10, fee 0.01 each → basis 20.00000001 (raw 2000000001), held 2.
  p.apply_fill(Side::Buy, px("10.00000001"), qty("1"), money("0.01"));
  p.apply_fill(Side::Buy, px("10"), qty("1"), money("0.01"));
  EXPECT_EQ(p.position().cost_basis, money("20.00000001"));
  // cash 1000 − 10.00000001 − 0.01 − 10 − 0.01 = 979.97999999
  EXPECT_EQ(p.cash(), money("979.97999999"));
  expect_identities(p);

  // Sell 1 of 2 @ 11: basis removed = 2000000001 × 1/2 = 1000000000.5 → even 1000000000 = 10.
  // realized = 11 − 10 = 1; basis left 10.00000001 (HalfUp would remove 10.00000001 and realize 0.99999999).
  EXPECT_EQ(p.apply_fill(Side::Sell, px("11"), qty("1"), money("0.01")), money("1"));
  EXPECT_EQ(p.position().cost_basis, money("10.00000001"));
  EXPECT_EQ(p.position().average_entry_price, px("10.00000001"));
  EXPECT_EQ(p.position().quantity, qty("1"));
  // cash 979.97999999 + 11 − 0.01 = 990.96999999
  EXPECT_EQ(p.cash(), money("990.96999999"));
  expect_identities(p);

  // Sell the last 1 @ 11: all the remaining basis goes: realized 11 − 10.00000001 = 0.99999999.
  EXPECT_EQ(p.apply_fill(Side::Sell, px("11"), qty("1"), money("0.01")), money("0.99999999"));
  // Round trip exact: 22 − 20.00000001 = 1.99999999.
  EXPECT_EQ(p.position().realized_pnl, money("1.99999999"));
  EXPECT_EQ(p.position().fees, money("0.04"));
  // cash 990.96999999 + 11 − 0.01 = 1001.95999999 = 1000 + 1.99999999 − 0.04
  EXPECT_EQ(p.cash(), money("1001.95999999"));
  EXPECT_EQ(p.equity(), money("1001.95999999"));
  expect_identities(p);
}

TEST(Portfolio, PartialCloseOfAThirdIsExactWhenTheBasisDivides) {
  Portfolio p(money("1000"));
  // Buy 3 @ 100 → basis 300; sell 1 @ 90 → basis removed 300 × 1/3 = 100, realized 90 − 100 = −10.
  p.apply_fill(Side::Buy, px("100"), qty("3"), money("0.3"));
  EXPECT_EQ(p.apply_fill(Side::Sell, px("90"), qty("1"), money("0.09")), money("-10"));
  EXPECT_EQ(p.position().cost_basis, money("200"));
  EXPECT_EQ(p.position().average_entry_price, px("100"));
  // cash 1000 − 300 − 0.3 + 90 − 0.09 = 789.61
  EXPECT_EQ(p.cash(), money("789.61"));
  expect_identities(p);
}

TEST(Portfolio, MultipleBuysAverageTheEntryPrice) {
  Portfolio p(money("1000"));
  // 1 @ 100 + 3 @ 104 = 100 + 312 = 412 over 4 → average 103.
  p.apply_fill(Side::Buy, px("100"), qty("1"), money("0.1"));
  p.apply_fill(Side::Buy, px("104"), qty("3"), money("0.312"));
  EXPECT_EQ(p.position().quantity, qty("4"));
  EXPECT_EQ(p.position().cost_basis, money("412"));
  EXPECT_EQ(p.position().average_entry_price, px("103"));
  // cash 1000 − 100 − 0.1 − 312 − 0.312 = 587.588
  EXPECT_EQ(p.cash(), money("587.588"));
  expect_identities(p);
}

TEST(Portfolio, AverageEntryIsRoundedHalfEvenButTheBasisStaysExact) {
  Portfolio p(money("1000"));
  // 1 @ 100 + 2 @ 101 = 302 over 3 = 100.666666666… → 100.66666667.
  p.apply_fill(Side::Buy, px("100"), qty("1"), Money());
  p.apply_fill(Side::Buy, px("101"), qty("2"), Money());
  EXPECT_EQ(p.position().cost_basis, money("302"));
  EXPECT_EQ(p.position().average_entry_price, px("100.66666667"));
  // 20.00000001 over 2 = 10.000000005 → tie → even 10.
  Portfolio q(money("1000"));
  q.apply_fill(Side::Buy, px("10.00000001"), qty("1"), Money());
  q.apply_fill(Side::Buy, px("10"), qty("1"), Money());
  EXPECT_EQ(q.position().average_entry_price, px("10"));
  expect_identities(p);
  expect_identities(q);
}

TEST(Portfolio, FlipLongToShortRealizesTheClosingPartAndOpensAtTheFillPrice) {
  Portfolio p(money("1000"));
  // Buy 2 @ 100, fee 0.2 → cash 799.8, basis 200.
  p.apply_fill(Side::Buy, px("100"), qty("2"), money("0.2"));
  // Sell 5 @ 110, fee 0.55: closes 2 (220 − 200 = 20 realized), opens 3 short at 110 (basis −330).
  EXPECT_EQ(p.apply_fill(Side::Sell, px("110"), qty("5"), money("0.55")), money("20"));
  EXPECT_EQ(p.position().quantity, qty("-3"));
  EXPECT_EQ(p.position().cost_basis, money("-330"));
  EXPECT_EQ(p.position().average_entry_price, px("110"));
  // cash 799.8 + 550 − 0.55 = 1349.25
  EXPECT_EQ(p.cash(), money("1349.25"));
  // Still marked at 100 (the first fill): short 3 worth −300, unrealized −300 − (−330) = +30.
  EXPECT_EQ(p.position().unrealized_pnl, money("30"));
  EXPECT_EQ(p.equity(), money("1049.25"));  // 1000 + 20 + 30 − 0.75
  expect_identities(p);
  p.mark(px("110"));
  EXPECT_TRUE(p.position().unrealized_pnl.is_zero());
  EXPECT_EQ(p.equity(), money("1019.25"));  // 1000 + 20 − 0.75
  expect_identities(p);
}

TEST(Portfolio, FlipShortToLongOpensTheRestAtTheFillPrice) {
  Portfolio p(money("1000"));
  // Sell 1 @ 50 (basis −50); buy 3 @ 40: closes 1 (realized −40 − (−50) = 10), opens 2 long at 40.
  p.apply_fill(Side::Sell, px("50"), qty("1"), money("0.05"));
  EXPECT_EQ(p.apply_fill(Side::Buy, px("40"), qty("3"), money("0.12")), money("10"));
  EXPECT_EQ(p.position().quantity, qty("2"));
  EXPECT_EQ(p.position().cost_basis, money("80"));
  EXPECT_EQ(p.position().average_entry_price, px("40"));
  // cash 1000 + 50 − 0.05 − 120 − 0.12 = 929.83
  EXPECT_EQ(p.cash(), money("929.83"));
  expect_identities(p);
}

TEST(Portfolio, FlipSplitsARoundedNotionalExactly) {
  Portfolio p(money("1000"));
  // Buy 1 @ 1.00000001; sell 1.5 @ 1.00000001: fill notional 1.5 × 1.00000001 = 1.500000015
  // → tie → even 1.50000002. Closing part 1 × 1.00000001 = 1.00000001, so realized 0; the
  // opening part gets the rest: 1.50000002 − 1.00000001 = 0.50000001.
  p.apply_fill(Side::Buy, px("1.00000001"), qty("1"), Money());
  EXPECT_EQ(p.apply_fill(Side::Sell, px("1.00000001"), qty("1.5"), Money()), Money());
  EXPECT_EQ(p.position().quantity, qty("-0.5"));
  EXPECT_EQ(p.position().cost_basis, money("-0.50000001"));
  // cash 1000 − 1.00000001 + 1.50000002 = 1000.50000001
  EXPECT_EQ(p.cash(), money("1000.50000001"));
  expect_identities(p);
}

TEST(Portfolio, ShortThenCoverRealizesEntryLessExit) {
  Portfolio p(money("1000"));
  // Sell 1.5 @ 200, fee 0.3: cash 1000 + 300 − 0.3 = 1299.7; basis −300.
  EXPECT_EQ(p.apply_fill(Side::Sell, px("200"), qty("1.5"), money("0.3")), Money());
  EXPECT_EQ(p.position().quantity, qty("-1.5"));
  EXPECT_EQ(p.position().cost_basis, money("-300"));
  EXPECT_EQ(p.position().average_entry_price, px("200"));
  EXPECT_EQ(p.cash(), money("1299.7"));
  EXPECT_EQ(p.market_value(), money("-300"));
  expect_identities(p);
  // Buy 1.5 @ 180, fee 0.27: realized −270 − (−300) = 30; cash 1299.7 − 270 − 0.27 = 1029.43.
  EXPECT_EQ(p.apply_fill(Side::Buy, px("180"), qty("1.5"), money("0.27")), money("30"));
  EXPECT_TRUE(p.position().quantity.is_zero());
  EXPECT_EQ(p.cash(), money("1029.43"));
  EXPECT_EQ(p.equity(), money("1029.43"));  // 1000 + 30 − 0.57
  EXPECT_EQ(p.position().fees, money("0.57"));
  expect_identities(p);
}

TEST(Portfolio, PartialCoverOfAShortAtALossRealizesTheLoss) {
  Portfolio p(money("1000"));
  // Sell 3 @ 50 (basis −150); buy 1 @ 60: removed −150 × 1/3 = −50; realized −60 − (−50) = −10.
  p.apply_fill(Side::Sell, px("50"), qty("3"), Money());
  EXPECT_EQ(p.apply_fill(Side::Buy, px("60"), qty("1"), Money()), money("-10"));
  EXPECT_EQ(p.position().quantity, qty("-2"));
  EXPECT_EQ(p.position().cost_basis, money("-100"));
  expect_identities(p);
}

TEST(Portfolio, PartialFillsAccumulateIntoOnePosition) {
  Portfolio p(money("1000"));
  // 0.3 @ 100 + 0.3 @ 101 + 0.4 @ 102 = 30 + 30.3 + 40.8 = 101.1 for 1.0 → average 101.1.
  // Fees 0.1% each: 0.03 + 0.0303 + 0.0408 = 0.1011.
  p.apply_fill(Side::Buy, px("100"), qty("0.3"), money("0.03"));
  p.apply_fill(Side::Buy, px("101"), qty("0.3"), money("0.0303"));
  p.apply_fill(Side::Buy, px("102"), qty("0.4"), money("0.0408"));
  EXPECT_EQ(p.position().quantity, qty("1"));
  EXPECT_EQ(p.position().cost_basis, money("101.1"));
  EXPECT_EQ(p.position().average_entry_price, px("101.1"));
  EXPECT_EQ(p.position().fees, money("0.1011"));
  // cash 1000 − 101.1 − 0.1011 = 898.7989
  EXPECT_EQ(p.cash(), money("898.7989"));
  expect_identities(p);
}

TEST(Portfolio, MarkToMarketRevaluesTheOpenPosition) {
  Portfolio p(money("1000"));
  // Buy 2 @ 100, fee 0.2 → cash 799.8.
  p.apply_fill(Side::Buy, px("100"), qty("2"), money("0.2"));
  p.mark(px("112.5"));
  // unrealized 2 × 112.5 − 200 = 25; equity 799.8 + 225 = 1024.8 = 1000 + 25 − 0.2.
  EXPECT_EQ(p.mark_price(), px("112.5"));
  EXPECT_EQ(p.market_value(), money("225"));
  EXPECT_EQ(p.position().unrealized_pnl, money("25"));
  EXPECT_EQ(p.equity(), money("1024.8"));
  expect_identities(p);
  p.mark(px("90"));
  // unrealized 180 − 200 = −20; equity 799.8 + 180 = 979.8.
  EXPECT_EQ(p.position().unrealized_pnl, money("-20"));
  EXPECT_EQ(p.equity(), money("979.8"));
  expect_identities(p);
}

TEST(Portfolio, MarkOfAShortGainsWhenThePriceFalls) {
  Portfolio p(money("1000"));
  p.apply_fill(Side::Sell, px("100"), qty("2"), money("0.2"));
  p.mark(px("95"));
  // short 2: market value −190, unrealized −190 − (−200) = 10; equity 1199.8 − 190 = 1009.8.
  EXPECT_EQ(p.position().unrealized_pnl, money("10"));
  EXPECT_EQ(p.equity(), money("1009.8"));
  expect_identities(p);
}

TEST(Portfolio, ZeroOrNegativeQuantityThrowsAndChangesNothing) {
  Portfolio p(money("1000"));
  p.apply_fill(Side::Buy, px("100"), qty("1"), money("0.1"));
  EXPECT_THROW(p.apply_fill(Side::Buy, px("100"), Quantity(), Money()), std::invalid_argument);
  EXPECT_THROW(p.apply_fill(Side::Sell, px("100"), qty("-1"), money("0.1")), std::invalid_argument);
  EXPECT_EQ(p.cash(), money("899.9"));
  EXPECT_EQ(p.position().quantity, qty("1"));
  EXPECT_EQ(p.position().fees, money("0.1"));
  expect_identities(p);
}

}  // namespace
}  // namespace smoops::engine
