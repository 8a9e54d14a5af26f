#include "ml_signal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace smoops::ml_signal {
namespace {

// How far the model's probabilities may sum from 1 before the output counts as invalid.
constexpr double kProbabilityTolerance = 1e-3;

// A double as short text for limits and messages: "0.6", "0.0005", "1e-05".
std::string short_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 6);
  return std::string(buffer, result.ptr);
}

// A model's float probability as the double with the same shortest decimal text (0.9f → 0.9, not
// 0.899999976...), so that messages, the bus and the threshold all see the number the model meant.
double probability(float value) {
  char buffer[32];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
  double parsed = value;
  std::from_chars(buffer, written.ptr, parsed);
  return parsed;
}

std::string join(const std::vector<std::string>& names) {
  std::string text = "[";
  for (const auto& n : names) text += (text.size() > 1 ? ", " : "") + n;
  return text + "]";
}

}  // namespace

MlSignal::MlSignal(const Params& params) : params_(MlSignalParams::from(params)) {
  confidence_limit_ = ">= " + short_text(params_.confidence);
  cooldown_limit_ = ">= " + std::to_string(params_.cooldown) + " bars";
  if (params_.trend) {
    trend_.emplace(params_.trend->timeframe, static_cast<std::size_t>(params_.trend->sma));
    trend_limit_ = "> 0 (last " + params_.trend->timeframe_text + " close / SMA " +
                   std::to_string(params_.trend->sma) + " - 1)";
  }
  if (params_.volatility) {
    const VolatilityParams& v = *params_.volatility;
    volatility_.emplace(static_cast<std::size_t>(v.window));
    if (v.min && v.max) volatility_limit_ = "[" + short_text(*v.min) + ", " + short_text(*v.max) + "]";
    else if (v.min) volatility_limit_ = ">= " + short_text(*v.min);
    else volatility_limit_ = "<= " + short_text(*v.max);
  }
  signal_.checks.reserve(4);
}

void MlSignal::on_start(Context& ctx) {
  model_ = ctx.model();
  if (model_ == nullptr)
    throw std::runtime_error("ml_signal needs a model: add a `model:` section to the bot YAML, e.g. "
                             "model: {plugin: transformer, params: {path: models/btc-5m}}");
  const ModelSpec spec = model_->spec();

  // Three class probabilities: labelled down, flat, up in any order, or unlabelled in that order.
  const auto& directions = direction_labels();
  bool classes_ok = spec.outputs == 3 && (spec.labels.empty() || spec.labels.size() == 3);
  for (std::size_t d = 0; classes_ok && !spec.labels.empty() && d < directions.size(); ++d) {
    const auto found = std::find(spec.labels.begin(), spec.labels.end(), directions[d]);
    classes_ok = found != spec.labels.end();
    if (classes_ok) output_of_[d] = static_cast<std::size_t>(found - spec.labels.begin());
  }
  if (!classes_ok)
    throw std::runtime_error("ml_signal needs a model that outputs 3 class probabilities labelled down, flat, up "
                             "(in any order; unlabelled outputs are taken in that order), but the model has " +
                             std::to_string(spec.outputs) + " outputs labelled " + join(spec.labels));
  try {
    pipeline_.emplace(spec.features);
    window_.emplace(spec.window, pipeline_->size());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("ml_signal cannot compute the model's inputs: ") + e.what());
  }
  decision_bars_ = pipeline_->lookback() + spec.window;
  row_.assign(pipeline_->size(), 0.0F);
  outputs_.assign(spec.outputs, 0.0F);
  ctx.log().info("ml_signal: model window " + std::to_string(spec.window) + " x " + join(spec.features) +
                 ", first decision after " + std::to_string(pipeline_->lookback() + spec.window) + " bars");
}

std::size_t MlSignal::warmup_bars(const Context&) const {
  std::size_t bars = decision_bars_;
  if (params_.volatility) bars = std::max(bars, static_cast<std::size_t>(params_.volatility->window) + 1);
  if (params_.trend) {
    constexpr std::int64_t kMinuteNanos = 60'000'000'000;
    const std::int64_t minutes_per_bucket = std::max<std::int64_t>(1, params_.trend->timeframe.nanos / kMinuteNanos);
    // A first bucket that starts part-way is not a full one: one bucket more, and the bar that closes the last.
    bars = std::max(bars, static_cast<std::size_t>((params_.trend->sma + 1) * minutes_per_bucket + 1));
  }
  return bars;
}

void MlSignal::on_bar(Context& ctx, const Bar& bar) {
  ++bars_;
  bool row_ready = false;
  try {
    row_ready = pipeline_->push(bar, row_);
  } catch (const std::invalid_argument& e) {
    // No decision on a bar we cannot compute features for; the window restarts so that no
    // prediction ever sees a window with a hole in it.
    window_->reset();
    ctx.log().error(std::string("ml_signal: bar rejected, no decision: ") + e.what());
    return;
  }
  const double close = bar.close.to_double();
  if (trend_) trend_->on_bar(bar.ts, close);
  if (volatility_) volatility_->on_close(close);
  if (!row_ready) return;
  window_->push(row_);
  if (window_->ready()) decide(ctx, bar);
}

bool MlSignal::predict(std::string& problem) {
  try {
    model_->predict(window_->values(), 1, outputs_);
  } catch (const std::exception& e) {
    problem = std::string("predict failed: ") + e.what();
    return false;
  }
  double sum = 0;
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const float p = outputs_[i];
    if (!std::isfinite(p) || p < -kProbabilityTolerance || p > 1 + kProbabilityTolerance) {
      problem = "output " + std::to_string(i) + " is " + short_text(p) + ", not a probability";
      return false;
    }
    sum += p;
  }
  if (std::abs(sum - 1) > kProbabilityTolerance) {
    problem = "probabilities sum to " + short_text(sum) + ", not 1";
    return false;
  }
  // The most probable class; ties go to flat, then down (never trade on a coin toss).
  prediction_ = Direction::Flat;
  for (Direction d : {Direction::Down, Direction::Up})
    if (outputs_[output_of_[static_cast<std::size_t>(d)]] > outputs_[output_of_[static_cast<std::size_t>(prediction_)]])
      prediction_ = d;
  confidence_ = probability(outputs_[output_of_[static_cast<std::size_t>(prediction_)]]);
  return true;
}

void MlSignal::decide(Context& ctx, const Bar& bar) {
  signal_.checks.clear();
  signal_.quantity = Quantity();
  std::string problem;
  if (!predict(problem)) {
    signal_.prediction = "none";
    signal_.confidence = 0;
    hold("model output invalid: " + problem);
    ctx.log().error("ml_signal: model output invalid, no trade on this bar: " + problem);
    ctx.signal(signal_);
    return;
  }
  signal_.prediction = direction_labels()[static_cast<std::size_t>(prediction_)];
  signal_.confidence = confidence_;
  const bool confident = confidence_ >= params_.confidence;
  signal_.checks.push_back({"confidence", confident, confidence_, confidence_limit_});

  switch (prediction_) {
    case Direction::Up: {
      const char* failed = add_entry_checks();
      const bool cooled = add_cooldown_check();
      if (!confident) hold("confidence below threshold");
      else if (failed) hold(failed);
      else if (!cooled) hold("cooldown");
      else buy(ctx, bar);
      break;
    }
    case Direction::Down: {
      const bool cooled = add_cooldown_check();
      if (!confident) hold("confidence below threshold");
      else if (!cooled) hold("cooldown");
      else sell(ctx);
      break;
    }
    case Direction::Flat:
      add_cooldown_check();
      hold("prediction flat");
      break;
  }
  ctx.signal(signal_);
}

const char* MlSignal::add_entry_checks() {
  const char* failed = nullptr;
  if (trend_) {
    if (trend_->ready()) {
      const bool up = trend_->gap() > 0;
      signal_.checks.push_back({"trend", up, trend_->gap(), trend_limit_});
      if (!up) failed = "against the trend";
    } else {
      signal_.checks.push_back({"trend", false, static_cast<double>(trend_->closed()),
                                "needs " + std::to_string(params_.trend->sma) + " closed " +
                                    params_.trend->timeframe_text + " bars"});
      failed = "trend warming up";
    }
  }
  if (volatility_) {
    if (volatility_->ready()) {
      const double std = volatility_->stddev();
      const VolatilityParams& band = *params_.volatility;
      const bool inside = (!band.min || std >= *band.min) && (!band.max || std <= *band.max);
      signal_.checks.push_back({"volatility", inside, std, volatility_limit_});
      if (!inside && !failed) failed = "volatility outside band";
    } else {
      signal_.checks.push_back({"volatility", false, static_cast<double>(volatility_->available()),
                                "needs " + std::to_string(params_.volatility->window) + " returns"});
      if (!failed) failed = "volatility warming up";
    }
  }
  return failed;
}

bool MlSignal::add_cooldown_check() {
  // With no order yet there is nothing to cool down from; the value is then the bars seen.
  const std::uint64_t since = last_order_bar_ ? bars_ - *last_order_bar_ : bars_;
  const bool passed = !last_order_bar_ || since >= static_cast<std::uint64_t>(params_.cooldown);
  signal_.checks.push_back({"cooldown", passed, static_cast<double>(since), cooldown_limit_});
  return passed;
}

Ratio MlSignal::target_fraction(double confidence) const {
  const double span = 1 - params_.confidence;
  const double t = span > 0 ? std::clamp((confidence - params_.confidence) / span, 0.0, 1.0) : 0.0;
  const Ratio extra = params_.max_size - params_.size;
  return params_.size + Ratio::from_raw(static_cast<std::int64_t>(std::floor(static_cast<double>(extra.raw()) * t)));
}

Quantity MlSignal::target_quantity(Ratio fraction, Money equity, Price close, Quantity lot) {
  if (!equity.is_positive() || !close.is_positive()) return Quantity();
  const Money notional = apply_rate(equity, fraction, Rounding::Down);
  const Quantity quantity = retag<QuantityTag>(notional.mul_div(kFixedScale, close.raw(), Rounding::Down));
  return quantity.round_to(lot, Rounding::Down);
}

void MlSignal::buy(Context& ctx, const Bar& bar) {
  if (!ctx.open_orders().empty()) return hold("order working");
  const Quantity target =
      target_quantity(target_fraction(confidence_), ctx.equity(), bar.close, ctx.instrument().lot_size);
  const Quantity held = ctx.position().quantity;
  if (target.is_zero()) return hold("size rounds to zero");
  if (held >= target) return hold("already in position");
  const Quantity quantity = (target - held).round_to(ctx.instrument().lot_size, Rounding::Down);
  if (!quantity.is_positive()) return hold("already in position");
  // A top-up worth less than the venue's minimum would only be denied: not worth an order.
  if (notional(bar.close, quantity) < ctx.instrument().min_notional) return hold("below min notional");
  if (submit(ctx, Side::Buy, quantity)) {
    signal_.action = "buy";
    signal_.quantity = quantity;
    signal_.reason = "all checks passed";
  }
}

void MlSignal::sell(Context& ctx) {
  if (!ctx.open_orders().empty()) return hold("order working");
  const Quantity held = ctx.position().quantity;
  if (!held.is_positive()) return hold("no position to close");
  if (submit(ctx, Side::Sell, held)) {
    signal_.action = "sell";
    signal_.quantity = held;
    signal_.reason = "all checks passed";
  }
}

bool MlSignal::submit(Context& ctx, Side side, Quantity quantity) {
  OrderRequest request;
  request.side = side;
  request.type = OrderType::Market;
  request.quantity = quantity;
  const SubmitResult result = ctx.submit(request);
  if (!result.accepted) {
    hold("order denied: " + result.reason);
    if (ctx.warming_up()) return false;  // expected: warm-up denies every order
    ctx.log().warn("ml_signal: market " + std::string(to_string(side)) + " of " + quantity.to_string() + " denied (" +
                   result.client_order_id + "): " + result.reason);
    return false;
  }
  last_order_bar_ = bars_;
  return true;
}

void MlSignal::hold(const std::string& reason) {
  signal_.action = "hold";
  signal_.quantity = Quantity();
  signal_.reason = reason;
}

}  // namespace smoops::ml_signal
