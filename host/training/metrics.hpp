#pragma once
// How well class probabilities predict the labels, and the naive baselines a model must beat.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "training/dataset.hpp"

namespace smoops::training {

/// Accuracy and log loss of a predictor on some samples.
struct ClassScore {
  std::string name;
  double accuracy = 0;   ///< share of samples whose most probable class is the label
  double log_loss = 0;   ///< mean −log p(label), probabilities clamped to [1e-7, 1]
  std::size_t samples = 0;
};

/// Scores `probabilities` ([sample][class]) against `labels`. Throws std::invalid_argument when the
/// sizes disagree or a probability is not finite.
ClassScore score(std::string name, std::span<const float> probabilities, std::size_t classes,
                 std::span<const std::uint8_t> labels);

/// Always predicts the class most frequent in the training labels, with the training class
/// frequencies as its probabilities.
std::vector<float> majority_baseline(const TrainingSamples& train, std::size_t classes, std::size_t samples);

/// Predicts that the last move goes on: the direction from close(t − horizon) to close(t). Its
/// probability is the share of training samples where that held; the rest is split evenly.
std::vector<float> persistence_baseline(const Dataset& data, const TrainingSamples& samples);

/// Share of each class in `labels`.
std::vector<double> class_shares(std::span<const std::uint8_t> labels, std::size_t classes);

}  // namespace smoops::training
