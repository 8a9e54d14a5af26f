#pragma once
// The ml_signal strategy: long-only spot trading on a direction model's predictions (down / flat
// / up), behind a signal-quality gate. Each bar, once the model's feature window is full, it
// predicts one sample and decides:
//   up    buy up to a target position (a fraction of equity that grows with confidence), if the
//         confidence, trend, volatility and cooldown checks pass;
//   down  sell the whole position, if the confidence and cooldown checks pass (trend and
//         volatility never block an exit);
//   flat  hold.
// Every decision is reported through Context::signal with its checks. Invalid model output (NaN,
// probabilities that do not sum to 1, predict throwing) is never traded on: the bar is a hold
// with reason "model output invalid: ...", an error is logged, and the bot keeps running.
// docs/ml-signal.md is the user's description.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "market_filters.hpp"
#include "ml_signal_params.hpp"
#include "smoops/features.hpp"
#include "smoops/strategy.hpp"

namespace smoops::ml_signal {

/// The strategy plugin class.
class MlSignal : public Strategy {
 public:
  /// Validates the parameters (ParamError at the offending value).
  explicit MlSignal(const Params& params);

  /// Checks the bot's model (present, three direction classes, known features) and sizes the
  /// buffers; throws std::runtime_error with what is wrong, which halts the bot at start.
  void on_start(Context& ctx) override;
  /// After on_start: the bars its first decision needs (the features' lookback plus the model's
  /// window), or its filters if they need more: the volatility window plus one, and for the trend
  /// `sma` + 1 higher-timeframe bars counted in one-minute bars (the bot's bar interval is not
  /// known here; a longer interval only fetches more history than needed). The cooldown is not
  /// warmed up: it counts from the bot's own orders, and warm-up sends none.
  std::size_t warmup_bars(const Context& ctx) const override;
  void on_bar(Context& ctx, const Bar& bar) override;

  /// The fraction of equity to hold for a buy at `confidence` (>= the threshold): `size` at the
  /// threshold, `max_size` at 1, linear in between, truncated to 1e-8.
  Ratio target_fraction(double confidence) const;
  /// fraction × equity / close, rounded down to a multiple of `lot`; zero when equity is not
  /// positive. Fixed-point throughout.
  static Quantity target_quantity(Ratio fraction, Money equity, Price close, Quantity lot);

 private:
  /// Runs the model on the current window; false with `problem` set when it threw or its output
  /// is not a probability distribution.
  bool predict(std::string& problem);
  void decide(Context& ctx, const Bar& bar);
  /// Appends the entry-only checks (trend, volatility) and returns the reason of the first that
  /// failed, or nullptr.
  const char* add_entry_checks();
  /// Appends the cooldown check; true when it passed.
  bool add_cooldown_check();
  void buy(Context& ctx, const Bar& bar);
  void sell(Context& ctx);
  /// Submits a market order; true when accepted (false: the reason is in signal_.reason).
  bool submit(Context& ctx, Side side, Quantity quantity);
  void hold(const std::string& reason);

  MlSignalParams params_;
  std::optional<TrendFilter> trend_;
  std::optional<ReturnVolatility> volatility_;

  Model* model_ = nullptr;
  std::optional<FeaturePipeline> pipeline_;
  std::optional<FeatureWindow> window_;
  std::size_t decision_bars_ = 0;  // bars before the first decision: lookback + model window
  std::vector<float> row_;      // the newest feature row
  std::vector<float> outputs_;  // the model's output for one sample
  /// The output index of each direction, indexed by Direction (down, flat, up).
  std::array<std::size_t, 3> output_of_ = {0, 1, 2};

  std::uint64_t bars_ = 0;                       // bars seen, this one included
  std::optional<std::uint64_t> last_order_bar_;  // bars_ when the last accepted order went out
  Direction prediction_ = Direction::Flat;
  double confidence_ = 0;

  Signal signal_;  // reused for every decision, so steady state reuses its buffers
  std::string confidence_limit_, cooldown_limit_, trend_limit_, volatility_limit_;
};

}  // namespace smoops::ml_signal
