#pragma once
// The files of a transformer model directory, apart from the weights:
//   model.json         written by `smoops train`: the spec (window, features, labels) and the
//                      normalisation fitted on the training period; other keys are ignored here
//   architecture.json  written by the trainer: the network's shape
//   weights.pt         written by the trainer (transformer_net.hpp)
// Every reading error is a std::runtime_error naming the file and what is wrong with it.

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "smoops/features.hpp"
#include "smoops/model.hpp"

namespace smoops::transformer {

inline constexpr const char* kModelFile = "model.json";
inline constexpr const char* kArchitectureFile = "architecture.json";
inline constexpr const char* kWeightsFile = "weights.pt";

/// The shape of the network. architecture.json holds all but features and classes, which come
/// from the spec in model.json (and must match the weights).
struct Architecture {
  std::size_t window = 32;    ///< time steps per sample (the length of the positional encoding)
  std::size_t features = 9;   ///< values per time step
  std::size_t classes = 3;    ///< outputs (one logit per label)
  std::size_t d_model = 32;   ///< width of the encoder
  std::size_t heads = 4;      ///< attention heads; divides d_model
  std::size_t layers = 2;     ///< encoder layers
  std::size_t ff = 64;        ///< width of each layer's feed-forward block
  double dropout = 0.1;       ///< dropout inside the encoder layers (training only)
  /// checksum_of(weights.pt): a byte of the weights that changed after training is an error,
  /// not a silently different model.
  std::string weights_checksum;
};

/// What a model needs from model.json.
struct ModelFile {
  ModelSpec spec;                ///< window, features, labels; outputs == labels.size()
  Normalization normalization;   ///< one mean and std per feature
};

/// Reads DIR/model.json; throws std::runtime_error when it is missing, not JSON, or lacks or
/// mistypes spec.window, spec.features, spec.labels, normalization.mean or normalization.std.
ModelFile read_model_file(const std::filesystem::path& file);

/// "fnv1a64:" and the 16 hex digits of the FNV-1a hash of `bytes`.
std::string checksum_of(std::span<const char> bytes);

/// Writes architecture.json.
void write_architecture(const std::filesystem::path& file, const Architecture& architecture);
/// Reads architecture.json (features and classes stay at their defaults); throws
/// std::runtime_error naming the file and the bad key.
Architecture read_architecture(const std::filesystem::path& file);

}  // namespace smoops::transformer
