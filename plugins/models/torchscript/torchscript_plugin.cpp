// The plugin entry of `torchscript`. This file links no libtorch; the model forwards to
// smoops_torchscript_impl.so, opened the first time one is created.
#include "common/torch_impl.hpp"
#include "smoops/plugin.hpp"
#include "torchscript_impl.hpp"

namespace smoops::torchscript {

class TorchScriptPluginModel final : public models::ForwardingModel {
 public:
  explicit TorchScriptPluginModel(const Params& params)
      : ForwardingModel(models::create_from_implementation<Model>(kImplementationFile, kCreateModelSymbol, params)) {}
};

}  // namespace smoops::torchscript

SMOOPS_PLUGIN("torchscript", "1.0.0", smoops::torchscript::TorchScriptPluginModel)
