#pragma once
// Features for price models, computed from bars. One implementation serves training
// (`smoops train` turns a whole series into rows) and live inference (a strategy pushes each bar
// as it closes), so a model sees the same numbers in both.
//
// Every feature at bar t is a function of bars t-L..t only, where L is its lookback: nothing
// depends on when the pipeline started or on any later bar. Features use floating point; they
// never touch balances.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/market_data.hpp"

namespace smoops {

/// The features a FeaturePipeline knows. N is a positive bar count (at most 10,000).
///   ret_N           log(close_t / close_{t-N})
///   vol_N           standard deviation of the last N one-bar log returns
///   rsi_N           relative strength index over the last N closes' changes, scaled to [0, 1]
///                   (simple averages, so it depends on the last N changes only); 0.5 when flat
///   sma_gap_N       close_t / mean(last N closes) - 1
///   volume_ratio_N  log((1 + volume_t) / (1 + mean of the last N volumes))
///   log_volume      log(1 + volume_t)
///   range           (high_t - low_t) / close_t
///   body            log(close_t / open_t)
inline constexpr std::string_view kFeatureHelp =
    "ret_N, vol_N, rsi_N, sma_gap_N, volume_ratio_N (N a bar count), log_volume, range, body";

/// The default feature list of `smoops train`.
inline std::vector<std::string> default_features() {
  return {"ret_1", "ret_4", "ret_16", "vol_16", "rsi_14", "sma_gap_32", "volume_ratio_32", "range", "body"};
}

namespace detail {

enum class FeatureKind { Return, Volatility, Rsi, SmaGap, VolumeRatio, LogVolume, Range, Body };

struct FeatureDef {
  FeatureKind kind;
  std::size_t n = 0;  ///< the bar count of the parameterised kinds
  std::size_t volatility = 0;  ///< vol_N: its index in FeaturePipeline's volatilities
  /// Bars before t this feature reads (ret_4 reads t-4..t: 4).
  std::size_t lookback() const {
    switch (kind) {
      case FeatureKind::Return:
      case FeatureKind::Volatility:
      case FeatureKind::Rsi: return n;
      case FeatureKind::SmaGap:
      case FeatureKind::VolumeRatio: return n - 1;
      default: return 0;
    }
  }
};

inline FeatureDef parse_feature(std::string_view name) {
  struct Fixed { std::string_view name; FeatureKind kind; };
  for (const Fixed f : {Fixed{"log_volume", FeatureKind::LogVolume}, Fixed{"range", FeatureKind::Range},
                        Fixed{"body", FeatureKind::Body}})
    if (name == f.name) return {f.kind, 0, 0};
  struct Prefix { std::string_view prefix; FeatureKind kind; };
  for (const Prefix p : {Prefix{"ret_", FeatureKind::Return}, Prefix{"vol_", FeatureKind::Volatility},
                         Prefix{"rsi_", FeatureKind::Rsi}, Prefix{"sma_gap_", FeatureKind::SmaGap},
                         Prefix{"volume_ratio_", FeatureKind::VolumeRatio}}) {
    if (!name.starts_with(p.prefix)) continue;
    const std::string_view digits = name.substr(p.prefix.size());
    std::size_t n = 0;
    bool ok = !digits.empty() && digits.size() <= 5 && digits.front() != '0';
    for (char c : digits) {
      if (c < '0' || c > '9') { ok = false; break; }
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (!ok || n > 10'000 || (n < 2 && (p.kind == FeatureKind::Volatility || p.kind == FeatureKind::Rsi)))
      throw std::invalid_argument("feature '" + std::string(name) + "': " + std::string(p.prefix) +
                                  "N needs a bar count N from " +
                                  (p.kind == FeatureKind::Volatility || p.kind == FeatureKind::Rsi ? "2" : "1") +
                                  " to 10000");
    return {p.kind, n, 0};
  }
  throw std::invalid_argument("unknown feature '" + std::string(name) + "' (known: " + std::string(kFeatureHelp) + ")");
}

}  // namespace detail

/// The sample standard deviation (n − 1) of the last `window` one-bar log returns of the closes
/// given: the vol_N feature, and a measure a strategy can keep on its own (ml_signal's volatility
/// band). Two passes over a fixed ring, so tiny returns lose nothing to cancellation.
class ReturnVolatility {
 public:
  /// Throws std::invalid_argument for a window below 2.
  explicit ReturnVolatility(std::size_t window) : returns_(window) {
    if (window < 2) throw std::invalid_argument("return volatility needs a window of at least 2");
  }

  /// Adds a close (positive).
  void on_close(double close) {
    if (has_previous_) returns_[count_++ % returns_.size()] = std::log(close / previous_close_);
    previous_close_ = close;
    has_previous_ = true;
  }
  /// True once `window` returns were seen.
  bool ready() const { return count_ >= returns_.size(); }
  /// Returns seen so far, capped at the window.
  std::size_t available() const { return count_ < returns_.size() ? static_cast<std::size_t>(count_) : returns_.size(); }
  /// The standard deviation; 0 until ready().
  double stddev() const {
    if (!ready()) return 0;
    double sum = 0;
    for (double r : returns_) sum += r;
    const double n = static_cast<double>(returns_.size());
    const double mean = sum / n;
    double squares = 0;
    for (double r : returns_) squares += (r - mean) * (r - mean);
    return std::sqrt(squares / (n - 1));
  }
  /// Forgets every close.
  void reset() {
    count_ = 0;
    has_previous_ = false;
  }

 private:
  std::vector<double> returns_;  // a ring indexed by count_ % window
  std::uint64_t count_ = 0;
  double previous_close_ = 0;
  bool has_previous_ = false;
};

/// Turns bars into feature rows, one bar at a time.
class FeaturePipeline {
 public:
  /// Throws std::invalid_argument for an unknown or malformed name, a duplicate or an empty list.
  explicit FeaturePipeline(std::vector<std::string> names) : names_(std::move(names)) {
    if (names_.empty()) throw std::invalid_argument("the feature list is empty");
    for (std::size_t i = 0; i < names_.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j)
        if (names_[i] == names_[j]) throw std::invalid_argument("feature '" + names_[i] + "' is listed twice");
      defs_.push_back(detail::parse_feature(names_[i]));
      lookback_ = std::max(lookback_, defs_.back().lookback());
      if (defs_.back().kind == detail::FeatureKind::Volatility) {
        defs_.back().volatility = volatilities_.size();
        volatilities_.emplace_back(defs_.back().n);
      }
    }
    history_.resize(lookback_ + 1);
  }

  const std::vector<std::string>& names() const { return names_; }
  /// Values per row.
  std::size_t size() const { return names_.size(); }
  /// Bars before t that the row at t reads: the first row comes with bar lookback() + 1.
  std::size_t lookback() const { return lookback_; }

  /// Adds the bar that just closed. When enough bars were seen, writes the row for this bar into
  /// `out` (size() values) and returns true. Throws std::invalid_argument for a bar whose prices
  /// are not positive, whose high/low do not enclose its open/close, or whose features are not
  /// finite, and for a timestamp that does not increase.
  bool push(const Bar& bar, std::span<float> out) {
    if (out.size() != size()) throw std::invalid_argument("feature row has the wrong size");
    if (seen_ > 0 && bar.ts.nanos <= last_ts_)
      throw std::invalid_argument("bar at " + std::to_string(bar.ts.nanos) + " ns does not come after the previous one");
    const double open = bar.open.to_double(), high = bar.high.to_double(), low = bar.low.to_double(),
                 close = bar.close.to_double(), volume = bar.volume.to_double();
    if (!(open > 0 && high > 0 && low > 0 && close > 0) || volume < 0 || high < low ||
        std::max(open, close) > high || std::min(open, close) < low)
      throw std::invalid_argument("bar at " + std::to_string(bar.ts.nanos) +
                                  " ns is not a valid bar (prices must be positive, low <= open, close <= high, volume >= 0)");
    last_ts_ = bar.ts.nanos;
    history_[seen_ % history_.size()] = {open, high, low, close, volume};
    ++seen_;
    for (ReturnVolatility& v : volatilities_) v.on_close(close);
    if (seen_ <= lookback_) return false;
    for (std::size_t i = 0; i < defs_.size(); ++i) {
      const double value = compute(defs_[i]);
      if (!std::isfinite(value))
        throw std::invalid_argument("feature '" + names_[i] + "' is not finite at bar " + std::to_string(bar.ts.nanos) + " ns");
      out[i] = static_cast<float>(value);
    }
    return true;
  }

  /// Forgets every bar seen.
  void reset() {
    seen_ = 0;
    for (ReturnVolatility& v : volatilities_) v.reset();
  }

 private:
  struct Sample { double open, high, low, close, volume; };

  /// The bar `back` bars before the newest (0: the newest).
  const Sample& at(std::size_t back) const { return history_[(seen_ - 1 - back) % history_.size()]; }

  double compute(const detail::FeatureDef& d) const {
    using detail::FeatureKind;
    const Sample& now = at(0);
    switch (d.kind) {
      case FeatureKind::Return: return std::log(now.close / at(d.n).close);
      case FeatureKind::Volatility: return volatilities_[d.volatility].stddev();
      case FeatureKind::Rsi: {
        double gains = 0, losses = 0;
        for (std::size_t k = 0; k < d.n; ++k) {
          const double change = at(k).close - at(k + 1).close;
          (change > 0 ? gains : losses) += std::abs(change);
        }
        return gains + losses == 0 ? 0.5 : gains / (gains + losses);
      }
      case FeatureKind::SmaGap: {
        double sum = 0;
        for (std::size_t k = 0; k < d.n; ++k) sum += at(k).close;
        return now.close / (sum / static_cast<double>(d.n)) - 1;
      }
      case FeatureKind::VolumeRatio: {
        double sum = 0;
        for (std::size_t k = 0; k < d.n; ++k) sum += at(k).volume;
        return std::log1p(now.volume) - std::log1p(sum / static_cast<double>(d.n));
      }
      case FeatureKind::LogVolume: return std::log1p(now.volume);
      case FeatureKind::Range: return (now.high - now.low) / now.close;
      case FeatureKind::Body: return std::log(now.close / now.open);
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<std::string> names_;
  std::vector<detail::FeatureDef> defs_;
  std::size_t lookback_ = 0;
  std::vector<Sample> history_;
  std::vector<ReturnVolatility> volatilities_;  // one per vol_N feature, fed every close
  std::uint64_t seen_ = 0;
  std::int64_t last_ts_ = 0;
};

/// The last `window` feature rows, oldest first: a model's input for one prediction.
class FeatureWindow {
 public:
  FeatureWindow(std::size_t window, std::size_t features)
      : window_(window), features_(features), rows_(window * features), ordered_(window * features) {
    if (window == 0 || features == 0) throw std::invalid_argument("a feature window needs at least one row and one feature");
  }
  /// Appends a row (features values), dropping the oldest once full.
  void push(std::span<const float> row) {
    if (row.size() != features_) throw std::invalid_argument("feature row has the wrong size");
    std::copy(row.begin(), row.end(), rows_.begin() + static_cast<std::ptrdiff_t>((count_ % window_) * features_));
    ++count_;
  }
  bool ready() const { return count_ >= window_; }
  void reset() { count_ = 0; }
  /// The window, row-major [window][features], oldest row first. Valid until the next push.
  std::span<const float> values() {
    if (!ready()) throw std::logic_error("the feature window is not full yet");
    const std::size_t oldest = count_ % window_;
    auto out = ordered_.begin();
    for (std::size_t k = 0; k < window_; ++k) {
      const auto from = rows_.begin() + static_cast<std::ptrdiff_t>(((oldest + k) % window_) * features_);
      out = std::copy(from, from + static_cast<std::ptrdiff_t>(features_), out);
    }
    return ordered_;
  }

 private:
  std::size_t window_, features_;
  std::vector<float> rows_;
  std::vector<float> ordered_;
  std::uint64_t count_ = 0;
};

/// Per-feature standardisation, fitted on the training period only and saved with the model.
struct Normalization {
  std::vector<double> mean;
  std::vector<double> stddev;  ///< a constant feature gets 1, so it maps to 0

  /// Fits on `rows` (row-major, `features` values per row). Throws std::invalid_argument when
  /// rows is empty or not a whole number of rows.
  static Normalization fit(std::span<const float> rows, std::size_t features) {
    if (features == 0 || rows.empty() || rows.size() % features != 0)
      throw std::invalid_argument("normalisation needs at least one whole feature row");
    const std::size_t n = rows.size() / features;
    Normalization z;
    z.mean.assign(features, 0.0);
    z.stddev.assign(features, 0.0);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t f = 0; f < features; ++f) z.mean[f] += rows[r * features + f];
    for (double& m : z.mean) m /= static_cast<double>(n);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t f = 0; f < features; ++f) {
        const double d = rows[r * features + f] - z.mean[f];
        z.stddev[f] += d * d;
      }
    for (double& s : z.stddev) {
      s = std::sqrt(s / static_cast<double>(n));
      if (!(s > 1e-12)) s = 1.0;
    }
    return z;
  }

  std::size_t size() const { return mean.size(); }

  /// Standardises `values` in place; values.size() must be a multiple of size().
  void apply(std::span<float> values) const {
    if (size() == 0 || values.size() % size() != 0) throw std::invalid_argument("values are not whole feature rows");
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::size_t f = i % size();
      values[i] = static_cast<float>((values[i] - mean[f]) / stddev[f]);
    }
  }
};

/// Direction classes of a price move, in the order models output them.
enum class Direction : std::uint8_t { Down = 0, Flat = 1, Up = 2 };
/// The class names, indexed by Direction.
inline const std::vector<std::string>& direction_labels() {
  static const std::vector<std::string> labels{"down", "flat", "up"};
  return labels;
}
/// The direction of a move from `from` to `to`: flat when |log(to / from)| <= flat_band.
inline Direction direction_of(double from, double to, double flat_band) {
  const double r = std::log(to / from);
  if (r > flat_band) return Direction::Up;
  if (r < -flat_band) return Direction::Down;
  return Direction::Flat;
}

}  // namespace smoops
