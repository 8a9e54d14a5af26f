#pragma once
// Training a model plugin with `smoops train`. The host reads the data, computes the feature rows
// (features.hpp), fits the normalisation on the training period, labels each sample and splits
// the samples chronologically; the plugin's trainer fits its weights to them and writes its files.
// A model plugin that can be trained exports a trainer with SMOOPS_MODEL_TRAINER.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "smoops/model.hpp"
#include "smoops/params.hpp"

namespace smoops {

/// Labelled samples. Sample i is the window of rows ends[i]-window+1 .. ends[i].
struct TrainingSamples {
  std::vector<std::size_t> ends;     ///< row index of each sample's last time step
  std::vector<std::uint8_t> labels;  ///< class of each sample: an index into ModelSpec::labels
  std::size_t size() const { return ends.size(); }
};

/// What a trainer is given.
struct TrainingJob {
  ModelSpec spec;                ///< window, feature names, outputs == labels.size() classes
  std::span<const float> rows;   ///< normalised feature rows, row-major [row][feature]
  TrainingSamples train;         ///< fitted on
  TrainingSamples validation;    ///< early stopping and the learning-rate schedule look here only
  std::uint64_t seed = 0;        ///< the same seed, data and threads give the same weights
  std::size_t threads = 1;       ///< intra-op threads to train with
  std::string out_dir;           ///< where the trainer writes its files (exists, empty)
};

/// One epoch's figures.
struct EpochMetrics {
  std::size_t epoch = 0;              ///< from 1
  double train_loss = 0;              ///< mean cross-entropy over the epoch's batches
  double validation_loss = 0;         ///< mean cross-entropy on the validation samples
  double validation_accuracy = 0;     ///< share of validation samples whose argmax is right
  double learning_rate = 0;           ///< at the end of the epoch
  double seconds = 0;                 ///< wall time of the epoch, validation included
};

/// Where a trainer reports as it goes; `smoops train` draws the progress bar from it.
class TrainingProgress {
 public:
  virtual ~TrainingProgress() = default;
  /// After each optimiser step of an epoch (from 1) with that batch's loss.
  virtual void on_batch(std::size_t epoch, std::size_t epochs, std::size_t batch, std::size_t batches, double loss) = 0;
  /// After each epoch; `best` when its validation loss is the lowest so far.
  virtual void on_epoch(const EpochMetrics& metrics, std::size_t epochs, bool best) = 0;
};

/// What a trainer returns.
struct TrainingResult {
  std::vector<EpochMetrics> epochs;  ///< every epoch run
  std::size_t best_epoch = 0;        ///< the epoch whose weights were saved
  bool stopped_early = false;        ///< validation loss stopped improving before the last epoch
  std::vector<std::string> files;    ///< the files written into out_dir
  /// The saved weights' outputs on the validation samples, [sample][class] probabilities,
  /// computed in memory before saving: the loaded model must reproduce them exactly.
  std::vector<float> validation_outputs;
};

/// Fits a model. Construct from the `params:` of the model config (throw ParamError for bad ones).
class ModelTrainer {
 public:
  virtual ~ModelTrainer() = default;
  /// Trains, then writes the weights of the best epoch into job.out_dir. The model plugin loads
  /// them back from that directory (with the model.json that `smoops train` writes beside them).
  /// Throws std::invalid_argument for a job it cannot train, std::runtime_error on failure.
  virtual TrainingResult train(const TrainingJob& job, TrainingProgress& progress) = 0;
};

/// Name of the optional trainer symbol of a model plugin.
inline constexpr const char* kTrainerEntrySymbol = "smoops_model_trainer";
/// Its signature: returns a new trainer the caller owns. May throw ParamError.
using TrainerEntry = ModelTrainer*(const Params&);

}  // namespace smoops

/// Exports CLASS (derived from ModelTrainer, constructible from const Params&) as the trainer of
/// this model plugin. Use at most once per shared library, beside SMOOPS_PLUGIN.
#define SMOOPS_MODEL_TRAINER(CLASS)                                                              \
  extern "C" __attribute__((visibility("default"))) ::smoops::ModelTrainer* smoops_model_trainer( \
      const ::smoops::Params& params) {                                                           \
    return new CLASS(params);                                                                     \
  }
