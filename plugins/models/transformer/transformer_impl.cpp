// The factories of smoops_transformer_impl.so, the libtorch part of the plugin, which
// smoops_transformer.so opens on first use (plugins/models/common/torch_impl.hpp).
#include "transformer_impl.hpp"
#include "transformer_model.hpp"
#include "transformer_trainer.hpp"

extern "C" __attribute__((visibility("default"))) smoops::Model* smoops_transformer_create_model(
    const smoops::Params& params) {
  return new smoops::transformer::TransformerModel(params);
}

extern "C" __attribute__((visibility("default"))) smoops::ModelTrainer* smoops_transformer_create_trainer(
    const smoops::Params& params) {
  return new smoops::transformer::TransformerTrainer(params);
}
