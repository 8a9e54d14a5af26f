// The factory of smoops_torchscript_impl.so, the libtorch part of the plugin, which
// smoops_torchscript.so opens on first use (plugins/models/common/torch_impl.hpp).
#include "torchscript_impl.hpp"
#include "torchscript_model.hpp"

extern "C" __attribute__((visibility("default"))) smoops::Model* smoops_torchscript_create_model(
    const smoops::Params& params) {
  return new smoops::torchscript::TorchScriptModel(params);
}
