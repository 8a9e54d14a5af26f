#include "training/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace smoops::training {
namespace {

/// The direction of the move that ended at bar t (from t − horizon), the persistence guess.
std::uint8_t last_move(const Dataset& data, std::size_t t) {
  const std::size_t h = data.options.horizon;
  if (t < h) return static_cast<std::uint8_t>(Direction::Flat);
  return static_cast<std::uint8_t>(
      direction_of(data.bars[t - h].close.to_double(), data.bars[t].close.to_double(), data.options.flat_band));
}

}  // namespace

ClassScore score(std::string name, std::span<const float> probabilities, std::size_t classes,
                 std::span<const std::uint8_t> labels) {
  if (classes == 0 || probabilities.size() != labels.size() * classes)
    throw std::invalid_argument("scoring " + name + ": " + std::to_string(probabilities.size()) + " probabilities for " +
                                std::to_string(labels.size()) + " samples of " + std::to_string(classes) + " classes");
  ClassScore s;
  s.name = std::move(name);
  s.samples = labels.size();
  if (labels.empty()) return s;
  std::size_t right = 0;
  double loss = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto p = probabilities.subspan(i * classes, classes);
    for (float v : p)
      if (!std::isfinite(v)) throw std::invalid_argument("scoring " + s.name + ": probability is not finite at sample " + std::to_string(i));
    const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    if (best == labels[i]) ++right;
    loss -= std::log(std::clamp(static_cast<double>(p[labels[i]]), 1e-7, 1.0));
  }
  s.accuracy = static_cast<double>(right) / static_cast<double>(labels.size());
  s.log_loss = loss / static_cast<double>(labels.size());
  return s;
}

std::vector<double> class_shares(std::span<const std::uint8_t> labels, std::size_t classes) {
  std::vector<double> shares(classes, 0.0);
  for (std::uint8_t label : labels)
    if (label < classes) shares[label] += 1.0;
  for (double& s : shares) s = labels.empty() ? 0.0 : s / static_cast<double>(labels.size());
  return shares;
}

std::vector<float> majority_baseline(const TrainingSamples& train, std::size_t classes, std::size_t samples) {
  const std::vector<double> shares = class_shares(train.labels, classes);
  std::vector<float> out;
  out.reserve(samples * classes);
  for (std::size_t i = 0; i < samples; ++i)
    for (double s : shares) out.push_back(static_cast<float>(s));
  return out;
}

std::vector<float> persistence_baseline(const Dataset& data, const TrainingSamples& samples) {
  constexpr std::size_t kClasses = 3;
  // How often the next move had the last move's direction, over the training samples.
  std::size_t held = 0;
  for (std::size_t i = 0; i < data.train.size(); ++i)
    if (last_move(data, data.bar_of_row(data.train.ends[i])) == data.train.labels[i]) ++held;
  // At least a little over 1/3, so that the guess stays the most probable class (what the
  // baseline's accuracy counts) even on a series where moves tend to reverse.
  const double p_same = std::max(0.34, data.train.size() == 0 ? 0.0
                                                              : static_cast<double>(held) / static_cast<double>(data.train.size()));
  const double p_other = (1.0 - p_same) / (kClasses - 1);
  std::vector<float> out;
  out.reserve(samples.size() * kClasses);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::uint8_t guess = last_move(data, data.bar_of_row(samples.ends[i]));
    for (std::size_t c = 0; c < kClasses; ++c) out.push_back(static_cast<float>(c == guess ? p_same : p_other));
  }
  return out;
}

}  // namespace smoops::training
