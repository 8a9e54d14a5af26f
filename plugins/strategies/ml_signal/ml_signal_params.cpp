#include "ml_signal_params.hpp"

#include <charconv>
#include <string>

namespace smoops::ml_signal {
namespace {

// Throws at `value` unless `valid`; `expected` completes "must be ...".
void require(bool valid, const Params& value, const std::string& expected) {
  if (!valid) Params::fail(value.mark(), value.path() + ": must be " + expected + ", got " + value.text());
}

// The map under `key`; throws at the value when it is something else.
const Params& map_at(const Params& params, std::string_view key, const char* example) {
  const Params& value = params.at(key);
  if (value.kind() != Params::Kind::Map)
    Params::fail(value.mark(), value.path() + ": expected a map like " + example);
  return value;
}

TrendParams trend_from(const Params& trend) {
  trend.allow_only({"timeframe", "sma"});
  TrendParams parsed;
  const Params& timeframe = trend.at("timeframe");
  const auto duration = parse_timeframe(timeframe.as_string());
  if (!duration)
    Params::fail(timeframe.mark(), timeframe.path() + ": expected a timeframe such as 15m, 1h, 4h or 1d " +
                                       "(a positive whole number and s, m, h or d), got '" + timeframe.text() + "'");
  parsed.timeframe = *duration;
  parsed.timeframe_text = timeframe.text();
  parsed.sma = trend.get_int_in("sma", 1, MlSignalParams::kMaxBars);
  return parsed;
}

VolatilityParams volatility_from(const Params& volatility) {
  volatility.allow_only({"window", "min", "max"});
  VolatilityParams parsed;
  parsed.window = volatility.get_int_in("window", 2, MlSignalParams::kMaxBars, parsed.window);
  for (const char* key : {"min", "max"}) {
    if (!volatility.has(key)) continue;
    const double bound = volatility.get_double(key);
    require(bound >= 0, volatility.at(key), ">= 0");
    (std::string_view(key) == "min" ? parsed.min : parsed.max) = bound;
  }
  if (!parsed.min && !parsed.max)
    Params::fail(volatility.mark(), volatility.path() + ": needs min, max or both (a band with no bound checks nothing)");
  if (parsed.min && parsed.max)
    require(*parsed.min <= *parsed.max, volatility.at("max"), ">= min (" + volatility.at("min").text() + ")");
  return parsed;
}

}  // namespace

std::optional<Duration> parse_timeframe(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t seconds_per_unit = 0;
  switch (text.back()) {
    case 's': seconds_per_unit = 1; break;
    case 'm': seconds_per_unit = 60; break;
    case 'h': seconds_per_unit = 3600; break;
    case 'd': seconds_per_unit = 86'400; break;
    default: return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  // Up to a year: anything longer is a typo, and the product stays far from overflow.
  if (error != std::errc() || end != digits.data() + digits.size() || count <= 0 ||
      count * seconds_per_unit > 366 * 86'400)
    return std::nullopt;
  return Duration::from_seconds(count * seconds_per_unit);
}

MlSignalParams MlSignalParams::from(const Params& params) {
  params.allow_only({"confidence", "trend", "volatility", "cooldown", "size", "max_size"});
  MlSignalParams parsed;
  parsed.confidence = params.get_double("confidence", parsed.confidence);
  if (params.has("confidence"))
    require(parsed.confidence >= 0 && parsed.confidence <= 1, params.at("confidence"), "in [0, 1]");
  if (params.has("trend")) parsed.trend = trend_from(map_at(params, "trend", "{timeframe: 1h, sma: 20}"));
  if (params.has("volatility"))
    parsed.volatility = volatility_from(map_at(params, "volatility", "{window: 32, min: 0.0005, max: 0.02}"));
  parsed.cooldown = params.get_int_in("cooldown", 0, kMaxBars, 0);

  const Ratio one = Ratio::from_units(1);
  parsed.size = params.get_fixed<Ratio>("size", parsed.size);
  if (params.has("size"))
    require(parsed.size.is_positive() && parsed.size <= one, params.at("size"), "in (0, 1] (a fraction of equity)");
  parsed.max_size = params.get_fixed<Ratio>("max_size", parsed.size);
  if (params.has("max_size"))
    require(parsed.max_size >= parsed.size && parsed.max_size <= one, params.at("max_size"),
            "in [size, 1] (size is " + parsed.size.to_string() + ")");
  return parsed;
}

}  // namespace smoops::ml_signal
