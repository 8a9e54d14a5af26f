#pragma once
// Fixed-point decimal values for money: prices, quantities, amounts and rates.
//
// Every value is a signed 64-bit integer count of 10^-8 units ("raw"), so 1.5 is stored as
// 150'000'000. The range is ±92'233'720'368.54775807. Addition and subtraction are exact and
// throw std::overflow_error instead of wrapping. Products (notional = price × quantity, fee =
// notional × rate) are computed in 128 bits and rounded once, by the rounding mode the caller
// names (half-to-even unless stated), so they never overflow in between; a result that does not
// fit in 64 bits throws std::overflow_error. Nothing here goes through floating point except
// to_double(), which exists for indicators and reports, never for balances.

#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace smoops {

/// Number of decimal places every fixed-point value carries.
inline constexpr int kFixedDecimals = 8;
/// 10^kFixedDecimals: the raw value of 1.
inline constexpr std::int64_t kFixedScale = 100'000'000;

/// How a product or quotient that falls between two representable values is rounded.
enum class Rounding : std::uint8_t {
  HalfEven,  ///< to nearest, ties to the even neighbour (banker's rounding); the default
  HalfUp,    ///< to nearest, ties away from zero
  Down,      ///< toward zero (truncate)
  Floor,     ///< toward negative infinity
  Ceil,      ///< toward positive infinity
};

namespace detail {

/// Divides a 128-bit numerator by a positive denominator with the given rounding.
constexpr __int128 divide_rounded(__int128 numerator, __int128 denominator, Rounding mode) {
  if (denominator <= 0) throw std::domain_error("fixed-point division by a non-positive value");
  __int128 quotient = numerator / denominator;  // truncates toward zero
  __int128 remainder = numerator % denominator;
  if (remainder == 0) return quotient;
  const bool negative = numerator < 0;
  const __int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
  switch (mode) {
    case Rounding::Down: return quotient;
    case Rounding::Floor: return negative ? quotient - 1 : quotient;
    case Rounding::Ceil: return negative ? quotient : quotient + 1;
    case Rounding::HalfUp:
      if (twice >= denominator) return negative ? quotient - 1 : quotient + 1;
      return quotient;
    case Rounding::HalfEven:
      if (twice > denominator || (twice == denominator && (quotient % 2) != 0))
        return negative ? quotient - 1 : quotient + 1;
      return quotient;
  }
  return quotient;
}

/// Narrows a 128-bit value to 64 bits, throwing std::overflow_error when it does not fit.
constexpr std::int64_t narrow(__int128 value, const char* what) {
  if (value > INT64_MAX || value < INT64_MIN) throw std::overflow_error(what);
  return static_cast<std::int64_t>(value);
}

}  // namespace detail

/// A decimal with 8 fractional digits stored as an integer; Tag keeps prices, quantities and
/// money from being mixed up by accident.
template <class Tag>
class Fixed {
 public:
  constexpr Fixed() = default;

  /// The value whose raw integer (units of 10^-8) is `raw`.
  static constexpr Fixed from_raw(std::int64_t raw) { Fixed f; f.raw_ = raw; return f; }
  /// A whole number of units, e.g. from_units(3) == 3.0.
  static constexpr Fixed from_units(std::int64_t units) {
    return from_raw(detail::narrow(static_cast<__int128>(units) * kFixedScale, "fixed-point value out of range"));
  }
  /// Parses a plain decimal ("-12.345", "7", "0.00000001"); no exponent, at most 8 decimals
  /// (trailing zeros beyond that are accepted). Returns nullopt on anything else or overflow.
  static constexpr std::optional<Fixed> parse(std::string_view text);
  /// Like parse() but throws std::invalid_argument naming the text.
  static Fixed parse_or_throw(std::string_view text) {
    if (auto v = parse(text)) return *v;
    throw std::invalid_argument("'" + std::string(text) +
                                "' is not a decimal number with at most 8 decimal places");
  }

  /// The raw integer, in units of 10^-8.
  constexpr std::int64_t raw() const { return raw_; }
  /// Nearest double; for indicators and reports only.
  constexpr double to_double() const { return static_cast<double>(raw_) / kFixedScale; }
  /// Shortest exact decimal text: "1.5", "-0.00000001", "42".
  std::string to_string() const;

  constexpr bool is_zero() const { return raw_ == 0; }
  constexpr bool is_negative() const { return raw_ < 0; }
  constexpr bool is_positive() const { return raw_ > 0; }
  constexpr Fixed abs() const { return raw_ < 0 ? -*this : *this; }

  constexpr Fixed operator-() const {
    if (raw_ == INT64_MIN) throw std::overflow_error("fixed-point negation overflow");
    return from_raw(-raw_);
  }
  constexpr Fixed& operator+=(Fixed other) {
    if (__builtin_add_overflow(raw_, other.raw_, &raw_)) throw std::overflow_error("fixed-point addition overflow");
    return *this;
  }
  constexpr Fixed& operator-=(Fixed other) {
    if (__builtin_sub_overflow(raw_, other.raw_, &raw_)) throw std::overflow_error("fixed-point subtraction overflow");
    return *this;
  }
  friend constexpr Fixed operator+(Fixed a, Fixed b) { return a += b; }
  friend constexpr Fixed operator-(Fixed a, Fixed b) { return a -= b; }
  friend constexpr auto operator<=>(Fixed, Fixed) = default;
  friend constexpr bool operator==(Fixed, Fixed) = default;

  /// This value times an integer count, exact or throws std::overflow_error.
  constexpr Fixed times(std::int64_t count) const {
    return from_raw(detail::narrow(static_cast<__int128>(raw_) * count, "fixed-point multiplication overflow"));
  }
  /// This value × numerator / denominator, rounded once.
  constexpr Fixed mul_div(std::int64_t numerator, std::int64_t denominator, Rounding mode = Rounding::HalfEven) const {
    return from_raw(detail::narrow(
        detail::divide_rounded(static_cast<__int128>(raw_) * numerator, denominator, mode),
        "fixed-point multiplication overflow"));
  }
  /// This value rounded to a multiple of `increment` (a tick or lot size; must be positive).
  constexpr Fixed round_to(Fixed increment, Rounding mode = Rounding::HalfEven) const {
    return from_raw(detail::narrow(detail::divide_rounded(raw_, increment.raw_, mode) * increment.raw_,
                                   "fixed-point rounding overflow"));
  }
  /// True when this value is a whole multiple of `increment` (which must be positive).
  constexpr bool is_multiple_of(Fixed increment) const {
    return increment.raw_ > 0 && raw_ % increment.raw_ == 0;
  }

 private:
  std::int64_t raw_ = 0;
};

struct PriceTag {};
struct QuantityTag {};
struct MoneyTag {};
struct RatioTag {};

/// A price in quote-asset units per one base-asset unit.
using Price = Fixed<PriceTag>;
/// An amount of the base asset; signed where it is a position (negative = short).
using Quantity = Fixed<QuantityTag>;
/// An amount of the quote asset: cash, notional, fees, PnL.
using Money = Fixed<MoneyTag>;
/// A dimensionless rate such as a fee rate (0.001 = 0.1%).
using Ratio = Fixed<RatioTag>;

/// price × quantity in quote units, computed in 128 bits and rounded once.
constexpr Money notional(Price price, Quantity quantity, Rounding mode = Rounding::HalfEven) {
  return Money::from_raw(detail::narrow(
      detail::divide_rounded(static_cast<__int128>(price.raw()) * quantity.raw(), kFixedScale, mode),
      "notional out of range"));
}

/// amount × rate (e.g. a fee from a notional and a fee rate), rounded once.
constexpr Money apply_rate(Money amount, Ratio rate, Rounding mode = Rounding::HalfEven) {
  return amount.mul_div(rate.raw(), kFixedScale, mode);
}

/// price × rate (e.g. slippage from a price and basis points), rounded once.
constexpr Price apply_rate(Price price, Ratio rate, Rounding mode = Rounding::HalfEven) {
  return price.mul_div(rate.raw(), kFixedScale, mode);
}

/// Reinterprets a value with another tag, keeping the raw integer (e.g. a Money mark as a Price).
template <class To, class From>
constexpr Fixed<To> retag(Fixed<From> value) { return Fixed<To>::from_raw(value.raw()); }

template <class Tag>
constexpr std::optional<Fixed<Tag>> Fixed<Tag>::parse(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) { negative = text[i] == '-'; ++i; }
  __int128 value = 0;
  int integer_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i] - '0');
    if (value > static_cast<__int128>(INT64_MAX)) return std::nullopt;
    ++integer_digits;
    ++i;
  }
  int fraction_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (fraction_digits < kFixedDecimals) {
        value = value * 10 + (text[i] - '0');
      } else if (text[i] != '0') {
        return std::nullopt;  // more precision than we can hold exactly
      }
      ++fraction_digits;
      ++i;
    }
  }
  if (i != text.size() || (integer_digits == 0 && fraction_digits == 0)) return std::nullopt;
  for (int d = fraction_digits < kFixedDecimals ? fraction_digits : kFixedDecimals; d < kFixedDecimals; ++d) value *= 10;
  if (negative) value = -value;
  if (value > INT64_MAX || value < INT64_MIN) return std::nullopt;
  return from_raw(static_cast<std::int64_t>(value));
}

template <class Tag>
std::string Fixed<Tag>::to_string() const {
  const bool negative = raw_ < 0;
  unsigned __int128 magnitude = negative ? -static_cast<__int128>(raw_) : raw_;
  const auto units = static_cast<std::uint64_t>(magnitude / kFixedScale);
  auto fraction = static_cast<std::uint64_t>(magnitude % kFixedScale);
  std::string out = negative ? "-" : "";
  out += std::to_string(units);
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, static_cast<std::size_t>(kFixedDecimals) - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

}  // namespace smoops
