#pragma once
// The trainer of the `transformer` model (SMOOPS_MODEL_TRAINER), built from the `params:` of the
// model config that `smoops train` reads.

#include <cstddef>
#include <cstdint>

#include "smoops/params.hpp"
#include "smoops/training.hpp"

namespace smoops::transformer {

/// Network shape and optimisation settings, with their defaults.
struct TrainerParams {
  std::size_t d_model = 32;
  std::size_t heads = 4;
  std::size_t layers = 2;
  std::size_t ff = 64;
  double dropout = 0.1;
  std::size_t epochs = 20;
  std::size_t batch_size = 256;
  double learning_rate = 0.001;
  double weight_decay = 0.01;
  std::size_t warmup_steps = 100;  ///< linear warm-up, then cosine decay to 10% at the last step
  std::size_t patience = 4;        ///< epochs without a better validation loss before stopping
  double min_delta = 0.0;          ///< how much lower a validation loss must be to count as better

  /// Throws ParamError at the offending parameter.
  static TrainerParams from(const Params& params);
};

class TransformerTrainer final : public ModelTrainer {
 public:
  explicit TransformerTrainer(const Params& params) : params_(TrainerParams::from(params)) {}
  TrainingResult train(const TrainingJob& job, TrainingProgress& progress) override;

 private:
  TrainerParams params_;
};

}  // namespace smoops::transformer
