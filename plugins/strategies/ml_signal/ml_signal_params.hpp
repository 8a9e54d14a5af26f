#pragma once
// The parameters of ml_signal, validated once in the constructor (docs/ml-signal.md lists them).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smoops/params.hpp"
#include "smoops/time.hpp"

namespace smoops::ml_signal {

/// `trend: {timeframe: 1h, sma: 20}`: buys need the higher timeframe's last close above its SMA.
struct TrendParams {
  Duration timeframe;    ///< length of one higher-timeframe bar, > 0
  std::string timeframe_text;  ///< as written, e.g. "1h" (for messages)
  std::int64_t sma = 0;  ///< higher-timeframe closes in the average, >= 1
};

/// `volatility: {window: 32, min: 0.0005, max: 0.02}`: entries need the std of the last `window`
/// one-bar log returns inside [min, max]; an absent bound is no bound.
struct VolatilityParams {
  std::int64_t window = 32;    ///< returns in the standard deviation, >= 2
  std::optional<double> min;
  std::optional<double> max;
};

/// The validated parameters of ml_signal.
struct MlSignalParams {
  double confidence = 0.5;               ///< the predicted class's probability must be >= this
  std::optional<TrendParams> trend;      ///< absent: no trend filter
  std::optional<VolatilityParams> volatility;  ///< absent: no volatility band
  std::int64_t cooldown = 0;             ///< bars since the bot's last order needed before another
  Ratio size = Ratio::from_raw(kFixedScale / 10);  ///< equity fraction at the threshold confidence
  Ratio max_size = size;                 ///< equity fraction at confidence 1 (>= size)

  /// Largest window or bar count a parameter accepts: bounds what a YAML typo can allocate.
  static constexpr std::int64_t kMaxBars = 100'000;

  /// Reads and validates every key; throws ParamError at the offending value (unknown keys get a
  /// "did you mean" suggestion).
  static MlSignalParams from(const Params& params);
};

/// Parses a timeframe such as "30s", "15m", "1h" or "1d" (a positive integer and a unit);
/// nullopt for anything else.
std::optional<Duration> parse_timeframe(std::string_view text);

}  // namespace smoops::ml_signal
