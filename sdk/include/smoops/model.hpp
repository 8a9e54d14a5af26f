#pragma once
// A model plugin: a batched predictor a strategy can call through Context::model().

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace smoops {

/// The shape of a model's input and output.
struct ModelSpec {
  std::size_t window = 1;             ///< time steps per sample
  std::vector<std::string> features;  ///< feature names, one per column of a time step
  std::size_t outputs = 1;            ///< values predicted per sample
  /// What each output means, one name per output (e.g. down, flat, up for class probabilities);
  /// empty when the model does not say.
  std::vector<std::string> labels;
};

/// A predictor. Inputs are row-major [batch][window][features] floats: the raw feature values, as
/// smoops::FeaturePipeline computes them (features.hpp). A model that was fitted on normalised
/// features applies its own saved normalisation.
class Model {
 public:
  virtual ~Model() = default;
  /// The input and output shape this model expects.
  virtual ModelSpec spec() const = 0;
  /// Predicts `batch` samples: inputs.size() == batch × window × features,
  /// outputs.size() == batch × spec().outputs.
  /// Throws std::invalid_argument for sizes that do not match the spec, std::runtime_error when
  /// the model fails.
  virtual void predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) = 0;
};

}  // namespace smoops
