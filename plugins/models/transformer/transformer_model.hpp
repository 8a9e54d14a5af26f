#pragma once
// The `transformer` model: loads a directory written by `smoops train` and predicts class
// probabilities (down / flat / up) for windows of raw feature rows.
//
//   model: {plugin: transformer, params: {path: models/btc, threads: 1}}
//
// No libtorch type appears here: the network lives behind a pointer to an implementation.

#include <cstddef>
#include <memory>
#include <span>

#include "smoops/model.hpp"
#include "smoops/params.hpp"

namespace smoops::transformer {

class TransformerModel final : public Model {
 public:
  /// Reads path/model.json, path/architecture.json and path/weights.pt. Throws ParamError for bad
  /// params and std::runtime_error naming the file for a missing, malformed or mismatched file.
  explicit TransformerModel(const Params& params);
  ~TransformerModel() override;

  ModelSpec spec() const override;
  /// Throws std::invalid_argument for wrong sizes and std::runtime_error for an input or an
  /// output that is not finite.
  void predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smoops::transformer
