// The plugin entry of `transformer`: the model and its trainer. This file links no libtorch; both
// forward to smoops_transformer_impl.so, opened the first time either is created.
#include "common/torch_impl.hpp"
#include "smoops/plugin.hpp"
#include "smoops/training.hpp"
#include "transformer_impl.hpp"

namespace smoops::transformer {

class TransformerPluginModel final : public models::ForwardingModel {
 public:
  explicit TransformerPluginModel(const Params& params)
      : ForwardingModel(models::create_from_implementation<Model>(kImplementationFile, kCreateModelSymbol, params)) {}
};

class TransformerPluginTrainer final : public models::ForwardingTrainer {
 public:
  explicit TransformerPluginTrainer(const Params& params)
      : ForwardingTrainer(
            models::create_from_implementation<ModelTrainer>(kImplementationFile, kCreateTrainerSymbol, params)) {}
};

}  // namespace smoops::transformer

SMOOPS_PLUGIN("transformer", "1.0.0", smoops::transformer::TransformerPluginModel)
SMOOPS_MODEL_TRAINER(smoops::transformer::TransformerPluginTrainer)
