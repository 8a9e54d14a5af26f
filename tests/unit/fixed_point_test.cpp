// Fixed-point money: exact parsing and printing, overflow that throws instead of wrapping, every
// rounding mode on ties and non-ties, and products (notional, fees) computed in 128 bits and
// rounded once. Raw values are in units of 10^-8.

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "smoops/fixed_point.hpp"

namespace smoops {
namespace {

constexpr std::int64_t kMaxRaw = INT64_MAX;  //  9'223'372'036'854'775'807
constexpr std::int64_t kMinRaw = INT64_MIN;  // -9'223'372'036'854'775'808

Price price(const char* text) { return Price::parse_or_throw(text); }
Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }
Money money(const char* text) { return Money::parse_or_throw(text); }
Ratio ratio(const char* text) { return Ratio::parse_or_throw(text); }

// ---- parse ----

TEST(FixedParse, ReadsDecimalsExactly) {
  EXPECT_EQ(Price::parse("1.5")->raw(), 150'000'000);
  EXPECT_EQ(Price::parse("-12.345")->raw(), -1'234'500'000);
  EXPECT_EQ(Price::parse("7")->raw(), 700'000'000);
  EXPECT_EQ(Price::parse("0.00000001")->raw(), 1);
  EXPECT_EQ(Price::parse("16727.3")->raw(), 1'672'730'000'000);
  EXPECT_EQ(Price::parse("-0")->raw(), 0);
}

TEST(FixedParse, AcceptsEightDecimalsAndRejectsANinthSignificantOne) {
  EXPECT_EQ(Quantity::parse("0.12345678")->raw(), 12'345'678);
  EXPECT_FALSE(Quantity::parse("0.123456789").has_value());
  EXPECT_FALSE(Quantity::parse("0.000000001").has_value());
}

TEST(FixedParse, AcceptsTrailingZerosBeyondEightDecimals) {
  EXPECT_EQ(Quantity::parse("0.1234567800000")->raw(), 12'345'678);
  EXPECT_EQ(Quantity::parse("2.000000000000")->raw(), 200'000'000);
}

TEST(FixedParse, RejectsAnythingButAPlainDecimal) {
  for (const char* text : {"1e5", "", ".", "-", " 1", "1 ", "1.2.3", "abc", "1,5", "--1", "0x10", "1.5e-3"})
    EXPECT_FALSE(Money::parse(text).has_value()) << "'" << text << "'";
}

TEST(FixedParse, ParsesTheInt64EdgesAndRejectsOneUnitBeyond) {
  // INT64_MAX = 9223372036854775807 raw = 92233720368.54775807
  EXPECT_EQ(Money::parse("92233720368.54775807")->raw(), kMaxRaw);
  EXPECT_FALSE(Money::parse("92233720368.54775808").has_value());
  // INT64_MIN = -9223372036854775808 raw = -92233720368.54775808
  EXPECT_EQ(Money::parse("-92233720368.54775808")->raw(), kMinRaw);
  EXPECT_FALSE(Money::parse("-92233720368.54775809").has_value());
  // 10^11 units = 10^19 raw > INT64_MAX.
  EXPECT_FALSE(Money::parse("100000000000").has_value());
  EXPECT_FALSE(Money::parse("99999999999999999999999999999").has_value());
}

TEST(FixedParse, ParseOrThrowNamesTheText) {
  try {
    (void)Money::parse_or_throw("1e5");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'1e5'"), std::string::npos) << e.what();
  }
}

// ---- to_string ----

TEST(FixedToString, PrintsTheShortestExactDecimal) {
  EXPECT_EQ(Price::from_raw(150'000'000).to_string(), "1.5");
  EXPECT_EQ(Price::from_raw(-1).to_string(), "-0.00000001");
  EXPECT_EQ(Price::from_units(42).to_string(), "42");
  EXPECT_EQ(Price().to_string(), "0");
  EXPECT_EQ(Price::from_raw(-50'000'000).to_string(), "-0.5");
  EXPECT_EQ(Price::from_raw(1'672'730'000'000).to_string(), "16727.3");
}

TEST(FixedToString, PrintsTheInt64EdgesAndRoundTrips) {
  EXPECT_EQ(Money::from_raw(kMaxRaw).to_string(), "92233720368.54775807");
  EXPECT_EQ(Money::from_raw(kMinRaw).to_string(), "-92233720368.54775808");
  for (std::int64_t raw : {kMaxRaw, kMinRaw, std::int64_t{1}, std::int64_t{-1}, std::int64_t{123'456'789}})
    EXPECT_EQ(Money::parse(Money::from_raw(raw).to_string())->raw(), raw);
}

// ---- overflow ----

TEST(FixedOverflow, AdditionBeyondInt64Throws) {
  EXPECT_THROW(Money::from_raw(kMaxRaw) + Money::from_raw(1), std::overflow_error);
  EXPECT_THROW(Money::from_raw(kMinRaw) + Money::from_raw(-1), std::overflow_error);
  EXPECT_EQ((Money::from_raw(kMaxRaw - 1) + Money::from_raw(1)).raw(), kMaxRaw);
}

TEST(FixedOverflow, SubtractionBeyondInt64Throws) {
  EXPECT_THROW(Money::from_raw(kMinRaw) - Money::from_raw(1), std::overflow_error);
  EXPECT_THROW(Money::from_raw(kMaxRaw) - Money::from_raw(-1), std::overflow_error);
  EXPECT_THROW(Money() - Money::from_raw(kMinRaw), std::overflow_error);
  EXPECT_EQ((Money::from_raw(kMinRaw + 1) - Money::from_raw(1)).raw(), kMinRaw);
}

TEST(FixedOverflow, CompoundAssignmentThatOverflowsThrows) {
  Money m = Money::from_raw(kMaxRaw);
  EXPECT_THROW(m += Money::from_raw(1), std::overflow_error);
  Money n = Money::from_raw(kMinRaw);
  EXPECT_THROW(n -= Money::from_raw(1), std::overflow_error);
}

TEST(FixedOverflow, NegatingInt64MinThrows) {
  EXPECT_THROW(-Money::from_raw(kMinRaw), std::overflow_error);
  EXPECT_THROW(Money::from_raw(kMinRaw).abs(), std::overflow_error);
  EXPECT_EQ((-Money::from_raw(kMaxRaw)).raw(), kMinRaw + 1);
}

TEST(FixedOverflow, FromUnitsAndTimesBeyondRangeThrow) {
  // 92233720369 units = 9223372036900000000 raw > INT64_MAX.
  EXPECT_THROW(Money::from_units(92'233'720'369), std::overflow_error);
  EXPECT_EQ(Money::from_units(92'233'720'368).raw(), 9'223'372'036'800'000'000);
  EXPECT_THROW(Money::from_raw(kMaxRaw).times(2), std::overflow_error);
  EXPECT_EQ(qty("0.001").times(3), qty("0.003"));
}

// ---- rounding modes (mul_div) ----

struct RoundingCase {
  std::int64_t raw;
  std::int64_t numerator;
  std::int64_t denominator;
  std::int64_t half_even, half_up, down, floor, ceil;
};

TEST(FixedRounding, MulDivRoundsTiesAndNonTiesInEveryMode) {
  const RoundingCase cases[] = {
      //  raw  num den  HalfEven HalfUp Down Floor Ceil
      {5, 1, 2, 2, 3, 2, 2, 3},         //  2.5: tie, even neighbour 2
      {7, 1, 2, 4, 4, 3, 3, 4},         //  3.5: tie, even neighbour 4
      {-5, 1, 2, -2, -3, -2, -3, -2},   // -2.5: tie, even neighbour -2, HalfUp away from zero
      {-7, 1, 2, -4, -4, -3, -4, -3},   // -3.5: tie, even neighbour -4
      {7, 1, 3, 2, 2, 2, 2, 3},         //  2.333…
      {8, 1, 3, 3, 3, 2, 2, 3},         //  2.666…
      {-7, 1, 3, -2, -2, -2, -3, -2},   // -2.333…
      {-8, 1, 3, -3, -3, -2, -3, -2},   // -2.666…
      {6, 1, 3, 2, 2, 2, 2, 2},         //  2 exactly: no mode moves it
      {-6, 1, 3, -2, -2, -2, -2, -2},   // -2 exactly
      {25, 3, 10, 8, 8, 7, 7, 8},       //  7.5: tie, even neighbour 8
      {15, 3, 10, 4, 5, 4, 4, 5},       //  4.5: tie, even neighbour 4
  };
  for (const auto& c : cases) {
    const Money m = Money::from_raw(c.raw);
    SCOPED_TRACE(std::to_string(c.raw) + " * " + std::to_string(c.numerator) + " / " + std::to_string(c.denominator));
    EXPECT_EQ(m.mul_div(c.numerator, c.denominator).raw(), c.half_even);  // default is half-even
    EXPECT_EQ(m.mul_div(c.numerator, c.denominator, Rounding::HalfEven).raw(), c.half_even);
    EXPECT_EQ(m.mul_div(c.numerator, c.denominator, Rounding::HalfUp).raw(), c.half_up);
    EXPECT_EQ(m.mul_div(c.numerator, c.denominator, Rounding::Down).raw(), c.down);
    EXPECT_EQ(m.mul_div(c.numerator, c.denominator, Rounding::Floor).raw(), c.floor);
    EXPECT_EQ(m.mul_div(c.numerator, c.denominator, Rounding::Ceil).raw(), c.ceil);
  }
}

TEST(FixedRounding, MulDivByANonPositiveDenominatorThrows) {
  EXPECT_THROW((void)Money::from_units(1).mul_div(1, 0), std::domain_error);
  EXPECT_THROW((void)Money::from_units(1).mul_div(1, -2), std::domain_error);
}

TEST(FixedRounding, MulDivKeepsA128BitIntermediate) {
  // INT64_MAX raw × 10 / 10: the intermediate (≈9.2e19) does not fit 64 bits, the result does.
  EXPECT_EQ(Money::from_raw(kMaxRaw).mul_div(10, 10).raw(), kMaxRaw);
  EXPECT_THROW((void)Money::from_raw(kMaxRaw).mul_div(3, 2), std::overflow_error);
}

// ---- round_to (ticks and lots) ----

TEST(FixedRoundTo, RoundsAPositiveTieToATickInEveryMode) {
  // 100.125 / 0.25 = 400.5 ticks.
  const Price p = price("100.125");
  const Price tick = price("0.25");
  EXPECT_EQ(p.round_to(tick), price("100"));                    // 400 (even)
  EXPECT_EQ(p.round_to(tick, Rounding::HalfUp), price("100.25")); // 401
  EXPECT_EQ(p.round_to(tick, Rounding::Down), price("100"));
  EXPECT_EQ(p.round_to(tick, Rounding::Floor), price("100"));
  EXPECT_EQ(p.round_to(tick, Rounding::Ceil), price("100.25"));
  // 100.375 / 0.25 = 401.5 ticks: the even neighbour is 402 = 100.5.
  EXPECT_EQ(price("100.375").round_to(tick), price("100.5"));
}

TEST(FixedRoundTo, RoundsANegativeTieToATickInEveryMode) {
  // -100.125 / 0.25 = -400.5 ticks.
  const Price p = price("-100.125");
  const Price tick = price("0.25");
  EXPECT_EQ(p.round_to(tick), price("-100"));                     // -400 (even)
  EXPECT_EQ(p.round_to(tick, Rounding::HalfUp), price("-100.25")); // -401, away from zero
  EXPECT_EQ(p.round_to(tick, Rounding::Down), price("-100"));
  EXPECT_EQ(p.round_to(tick, Rounding::Floor), price("-100.25"));
  EXPECT_EQ(p.round_to(tick, Rounding::Ceil), price("-100"));
}

TEST(FixedRoundTo, RoundsNonTiesToTheNearestTick) {
  const Price tick = price("0.25");
  // 100.1 / 0.25 = 400.4 ticks; 100.2 / 0.25 = 400.8 ticks.
  EXPECT_EQ(price("100.1").round_to(tick), price("100"));
  EXPECT_EQ(price("100.1").round_to(tick, Rounding::HalfUp), price("100"));
  EXPECT_EQ(price("100.1").round_to(tick, Rounding::Ceil), price("100.25"));
  EXPECT_EQ(price("100.2").round_to(tick), price("100.25"));
  EXPECT_EQ(price("100.2").round_to(tick, Rounding::Down), price("100"));
  // -100.2 / 0.25 = -400.8 ticks.
  EXPECT_EQ(price("-100.2").round_to(tick), price("-100.25"));
  EXPECT_EQ(price("-100.2").round_to(tick, Rounding::Down), price("-100"));
  EXPECT_EQ(price("-100.2").round_to(tick, Rounding::Ceil), price("-100"));
  EXPECT_EQ(price("-100.2").round_to(tick, Rounding::Floor), price("-100.25"));
}

TEST(FixedRoundTo, RoundsToACentTick) {
  const Price cent = price("0.01");
  // 16727.305 = 1672730.5 cents → even 1672730; 16727.315 = 1672731.5 cents → even 1672732.
  EXPECT_EQ(price("16727.305").round_to(cent), price("16727.30"));
  EXPECT_EQ(price("16727.305").round_to(cent, Rounding::HalfUp), price("16727.31"));
  EXPECT_EQ(price("16727.315").round_to(cent), price("16727.32"));
  EXPECT_EQ(price("16727.31").round_to(cent, Rounding::Ceil), price("16727.31"));  // already on a tick
}

TEST(FixedRoundTo, RoundsAQuantityDownToALot) {
  EXPECT_EQ(qty("0.0019").round_to(qty("0.001"), Rounding::Down), qty("0.001"));
  EXPECT_EQ(qty("0.0019").round_to(qty("0.001")), qty("0.002"));
}

TEST(FixedRoundTo, ANonPositiveIncrementThrows) {
  EXPECT_THROW((void)price("1").round_to(Price()), std::domain_error);
  EXPECT_THROW((void)price("1").round_to(price("-0.01")), std::domain_error);
}

TEST(FixedRoundTo, AResultBeyondRangeThrows) {
  // 92233720368.54775807 rounded up to a whole unit is 92233720369 = 9223372036900000000 raw > INT64_MAX.
  EXPECT_THROW((void)Price::from_raw(kMaxRaw).round_to(price("1"), Rounding::Ceil), std::overflow_error);
  EXPECT_EQ(Price::from_raw(kMaxRaw).round_to(price("1"), Rounding::Floor), price("92233720368"));
}

// ---- is_multiple_of ----

TEST(FixedMultiple, RecognisesWholeMultiplesOfAnIncrement) {
  EXPECT_TRUE(qty("0.003").is_multiple_of(qty("0.001")));
  EXPECT_FALSE(qty("0.0015").is_multiple_of(qty("0.001")));
  EXPECT_TRUE(qty("0").is_multiple_of(qty("0.001")));
  EXPECT_TRUE(qty("-0.002").is_multiple_of(qty("0.001")));
  EXPECT_TRUE(price("100.25").is_multiple_of(price("0.25")));
  EXPECT_FALSE(price("100.26").is_multiple_of(price("0.25")));
}

TEST(FixedMultiple, ANonPositiveIncrementIsNeverMatched) {
  EXPECT_FALSE(qty("1").is_multiple_of(Quantity()));
  EXPECT_FALSE(qty("1").is_multiple_of(qty("-0.5")));
}

// ---- notional ----

TEST(FixedNotional, IsExactWhereDoubleIsNot) {
  // 16727.3 × 0.00001: raw 1672730000000 × 1000 = 1672730000000000; / 10^8 = 16727300 raw = 0.167273.
  const Money n = notional(price("16727.3"), qty("0.00001"));
  EXPECT_EQ(n.raw(), 16'727'300);
  EXPECT_EQ(n.to_string(), "0.167273");
  // 0.1 × 3 = 0.3 exactly (in double, 0.1 * 3 != 0.3).
  EXPECT_EQ(notional(price("0.1"), qty("3")), money("0.3"));
}

TEST(FixedNotional, RoundsATieHalfEvenByDefault) {
  // 1.00000001 × 0.5: raw 100000001 × 50000000 = 5000000050000000 (16 digits);
  // / 10^8 = 50000000.5 → tie; even neighbour 50000000 = 0.5, HalfUp 50000001 = 0.50000001.
  EXPECT_EQ(notional(price("1.00000001"), qty("0.5")), money("0.5"));
  EXPECT_EQ(notional(price("1.00000001"), qty("0.5"), Rounding::HalfUp), money("0.50000001"));
  EXPECT_EQ(notional(price("1.00000001"), qty("0.5"), Rounding::Down), money("0.5"));
  EXPECT_EQ(notional(price("1.00000001"), qty("0.5"), Rounding::Ceil), money("0.50000001"));
  // 1.00000003 × 0.5: 100000003 × 50000000 = 5000000150000000; / 10^8 = 50000001.5 → tie;
  // even neighbour 50000002 = 0.50000002.
  EXPECT_EQ(notional(price("1.00000003"), qty("0.5")), money("0.50000002"));
  EXPECT_EQ(notional(price("1.00000003"), qty("0.5"), Rounding::Down), money("0.50000001"));
}

TEST(FixedNotional, RoundsANegativeTieHalfEven) {
  // 1.00000001 × -0.5 = -0.500000005 → even -0.5; HalfUp and Floor go to -0.50000001.
  EXPECT_EQ(notional(price("1.00000001"), qty("-0.5")), money("-0.5"));
  EXPECT_EQ(notional(price("1.00000001"), qty("-0.5"), Rounding::HalfUp), money("-0.50000001"));
  EXPECT_EQ(notional(price("1.00000001"), qty("-0.5"), Rounding::Floor), money("-0.50000001"));
  EXPECT_EQ(notional(price("1.00000001"), qty("-0.5"), Rounding::Ceil), money("-0.5"));
}

TEST(FixedNotional, UsesA128BitIntermediate) {
  // price 90000000000 = 9e18 raw, qty 0.5 = 5e7 raw: raw product 4.5e26 overflows 64 bits,
  // the result 45000000000 = 4.5e18 raw fits.
  EXPECT_EQ(notional(price("90000000000"), qty("0.5")), Money::from_units(45'000'000'000));
}

TEST(FixedNotional, AResultBeyondRangeThrows) {
  // 90000000000 × 2 = 180000000000 = 1.8e19 raw > INT64_MAX.
  EXPECT_THROW((void)notional(price("90000000000"), qty("2")), std::overflow_error);
}

// ---- apply_rate ----

TEST(FixedApplyRate, ComputesAFeeRoundedOnce) {
  // 23456.78901234 × 0.001 = 23.45678901234 → 8 decimals: 23.45678901|234, the dropped part < ½.
  // raw 2345678901234 × 100000 / 10^8 = 2345678901.234 → 2345678901.
  const Money fee = apply_rate(money("23456.78901234"), ratio("0.001"));
  EXPECT_EQ(fee, money("23.45678901"));
  EXPECT_EQ(apply_rate(money("23456.78901234"), ratio("0.001"), Rounding::Ceil), money("23.45678902"));
}

TEST(FixedApplyRate, RoundsAFeeTieHalfEven) {
  // 0.00000500 × 0.001 = 0.000000005: raw 500 × 100000 / 10^8 = 0.5 → even 0, HalfUp 1.
  EXPECT_EQ(apply_rate(money("0.000005"), ratio("0.001")), Money());
  EXPECT_EQ(apply_rate(money("0.000005"), ratio("0.001"), Rounding::HalfUp), Money::from_raw(1));
  // 0.0000015 × 0.01 = 0.000000015: raw 150 × 1000000 / 10^8 = 1.5 → even 2.
  EXPECT_EQ(apply_rate(money("0.0000015"), ratio("0.01")), Money::from_raw(2));
}

TEST(FixedApplyRate, ScalesAPriceByBasisPoints) {
  // 5 bps of 16727.31 = 16727.31 × 0.0005 = 8.363655 exactly.
  EXPECT_EQ(apply_rate(price("16727.31"), ratio("0.0005")), price("8.363655"));
}

}  // namespace
}  // namespace smoops
