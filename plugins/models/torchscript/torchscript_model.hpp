#pragma once
// The torchscript model plugin: runs a TorchScript module exported from Python (torch.jit.script
// or torch.jit.trace, then .save) as a smoops Model, described by a spec YAML
// (torchscript_spec.hpp). Bot parameters:
//   spec:    the spec YAML (a relative path resolves against the bot YAML's folder)
//   threads: libtorch intra-op threads, default 1 (set before each prediction: with OpenMP it is
//            the calling thread's setting, so each bot keeps its own)
//
// This header includes no libtorch header: only torchscript_model.cpp does.

#include <memory>
#include <span>
#include <vector>

#include "smoops/model.hpp"
#include "smoops/params.hpp"
#include "torchscript_spec.hpp"

namespace smoops::torchscript {

/// A loaded, checked TorchScript module. Construction throws ParamError ("FILE:LINE:COL: ...")
/// for a bad parameter or spec, a .pt file that does not load, or a spec that does not match the
/// module (checked by running it once on zeros).
class TorchScriptModel : public Model {
 public:
  explicit TorchScriptModel(const Params& params);
  ~TorchScriptModel() override;
  TorchScriptModel(const TorchScriptModel&) = delete;
  TorchScriptModel& operator=(const TorchScriptModel&) = delete;

  ModelSpec spec() const override;
  /// Normalises the raw features (when the spec has normalization), runs the module and applies
  /// softmax to logits. Throws std::invalid_argument for wrong sizes or a non-finite input,
  /// std::runtime_error when the module fails or its output is not finite.
  void predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) override;

 private:
  struct Module;  // the libtorch module, kept out of this header

  TorchScriptSpec spec_;
  std::unique_ptr<Module> module_;
  std::vector<float> input_buffer_;  // reused between calls; grows only with the largest batch
  int threads_ = 1;                   // intra-op threads, set before each prediction
};

}  // namespace smoops::torchscript
