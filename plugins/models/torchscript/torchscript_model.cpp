// The only file of this plugin that includes libtorch headers.
#include "torchscript_model.hpp"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace smoops::torchscript {
namespace {

// The useful line of a libtorch error: c10::Error without its C++ backtrace, and of a TorchScript
// interpreter error ("The following operation failed ... Traceback ...") only its last line, the
// one that says what went wrong (e.g. "RuntimeError: mat1 and mat2 shapes cannot be multiplied").
std::string torch_reason(const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  const std::string text = c10_error ? c10_error->what_without_backtrace() : error.what();
  std::istringstream lines(text);
  std::string line, first, last;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (first.empty()) first = line;
    last = line;
  }
  const bool interpreter_trace = first.find("TorchScript interpreter") != std::string::npos ||
                                 first.find("Traceback of TorchScript") != std::string::npos;
  return interpreter_trace ? last : first;
}

/// libtorch's intra-op thread count is a process setting; with its OpenMP backend (Debian's) it
/// applies to the calling thread, so each bot's loop sets its own before predicting.
void use_threads(int threads) {
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

std::string shape_of(const at::Tensor& tensor) {
  std::string text = "[";
  for (std::int64_t d = 0; d < tensor.dim(); ++d) text += (d ? ", " : "") + std::to_string(tensor.size(d));
  return text + "]";
}

std::string shape_of(std::size_t batch, std::size_t window, std::size_t features) {
  return "[" + std::to_string(batch) + ", " + std::to_string(window) + ", " + std::to_string(features) + "]";
}

}  // namespace

struct TorchScriptModel::Module {
  torch::jit::script::Module module;
};

TorchScriptModel::TorchScriptModel(const Params& params) : module_(std::make_unique<Module>()) {
  params.allow_only({"spec", "threads"});
  const Params& spec_param = params.at("spec");
  const std::filesystem::path spec_file = spec_param.as_path();
  std::error_code error;
  if (!std::filesystem::is_regular_file(spec_file, error))
    Params::fail(spec_param.mark(), spec_param.path() + ": the spec file '" + spec_file.string() + "' does not exist");
  threads_ = static_cast<int>(params.get_int_in("threads", 1, 1024, 1));
  spec_ = load_spec(spec_file);
  use_threads(threads_);

  const std::string module_file = spec_.module_file.string();
  try {
    module_->module = torch::jit::load(module_file, c10::kCPU);
  } catch (const std::exception& e) {
    Params::fail(spec_.module_mark, "file: cannot load the TorchScript file '" + module_file + "': " + torch_reason(e));
  }
  module_->module.eval();

  // One run on zeros proves that the spec's input shape is one the module accepts and that its
  // output has one float column per label, before a bot relies on it.
  const std::string input_shape = shape_of(1, spec_.window, spec_.features.size());
  const std::string mismatch = "spec does not match the model '" + module_file + "': ";
  c10::InferenceMode inference;
  at::Tensor output;
  try {
    const at::Tensor zeros =
        at::zeros({1, static_cast<std::int64_t>(spec_.window), static_cast<std::int64_t>(spec_.features.size())});
    // TorchScript's profiling executor profiles the first run and optimises the graph on the
    // second: doing both here keeps that work (~0.1 s for a small Transformer) off the first bar.
    for (int run = 0; run < 2; ++run) output = module_->module.forward({zeros}).toTensor();
  } catch (const std::exception& e) {
    Params::fail(spec_.input_mark, mismatch + "it fails on an input of shape " + input_shape +
                                       " (input.window, input.features): " + torch_reason(e));
  }
  const auto labels = static_cast<std::int64_t>(spec_.labels.size());
  if (output.scalar_type() != at::kFloat || output.dim() != 2 || output.size(0) != 1 || output.size(1) != labels)
    Params::fail(spec_.output_mark, mismatch + "for an input of shape " + input_shape + " it returns a " +
                                        std::string(c10::toString(output.scalar_type())) + " tensor of shape " +
                                        shape_of(output) + ", the spec expects a Float tensor of shape [1, " +
                                        std::to_string(labels) + "] (one column per output.labels)");
  output = output.contiguous();
  const float* values = output.data_ptr<float>();
  double sum = 0;
  bool in_unit_interval = true;
  for (std::int64_t i = 0; i < labels; ++i) {
    if (!std::isfinite(values[i]))
      Params::fail(spec_.output_mark, mismatch + "its output on zeros " + input_shape + " is not finite");
    sum += values[i];
    in_unit_interval = in_unit_interval && values[i] >= 0 && values[i] <= 1;
  }
  // A model that returns logits under `kind: probabilities` would feed strategies numbers that are
  // not confidences; its output on zeros almost never looks like a distribution.
  if (spec_.kind == OutputKind::Probabilities && (!in_unit_interval || std::abs(sum - 1) > 1e-3))
    Params::fail(spec_.output_mark, mismatch + "output.kind is probabilities but its output on zeros " + input_shape +
                                        " is not a probability distribution (values in [0, 1] summing to 1; sum " +
                                        std::to_string(sum) + "): if the model returns logits, write kind: logits");
}

TorchScriptModel::~TorchScriptModel() = default;

ModelSpec TorchScriptModel::spec() const {
  return ModelSpec{spec_.window, spec_.features, spec_.labels.size(), spec_.labels};
}

void TorchScriptModel::predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) {
  const std::size_t features = spec_.features.size();
  const std::size_t per_sample = spec_.window * features;
  const std::size_t labels = spec_.labels.size();
  if (batch == 0) throw std::invalid_argument("torchscript: predict needs a batch of at least 1");
  if (inputs.size() != batch * per_sample)
    throw std::invalid_argument("torchscript: expected " + std::to_string(batch * per_sample) +
                                " input values (batch × window × features = " + shape_of(batch, spec_.window, features) +
                                "), got " + std::to_string(inputs.size()));
  if (outputs.size() != batch * labels)
    throw std::invalid_argument("torchscript: expected room for " + std::to_string(batch * labels) +
                                " output values (batch × labels = [" + std::to_string(batch) + ", " +
                                std::to_string(labels) + "]), got " + std::to_string(outputs.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!std::isfinite(inputs[i]))
      throw std::invalid_argument("torchscript: input value of sample " + std::to_string(i / per_sample) + ", step " +
                                  std::to_string(i % per_sample / features) + ", feature '" +
                                  spec_.features[i % features] + "' is not finite");

  use_threads(threads_);
  // resize() keeps the capacity: after the largest batch seen, no call allocates here.
  input_buffer_.resize(inputs.size());
  std::copy(inputs.begin(), inputs.end(), input_buffer_.begin());
  if (spec_.normalization) spec_.normalization->apply(input_buffer_);

  c10::InferenceMode inference;
  at::Tensor output;
  try {
    const at::Tensor input = at::from_blob(input_buffer_.data(),
                                           {static_cast<std::int64_t>(batch), static_cast<std::int64_t>(spec_.window),
                                            static_cast<std::int64_t>(features)},
                                           at::kFloat);
    output = module_->module.forward({input}).toTensor();
  } catch (const std::exception& e) {
    throw std::runtime_error("torchscript: the model '" + spec_.module_file.string() + "' failed: " + torch_reason(e));
  }
  if (output.scalar_type() != at::kFloat || output.dim() != 2 || output.size(0) != static_cast<std::int64_t>(batch) ||
      output.size(1) != static_cast<std::int64_t>(labels))
    throw std::runtime_error("torchscript: the model '" + spec_.module_file.string() + "' returned a " +
                             std::string(c10::toString(output.scalar_type())) + " tensor of shape " + shape_of(output) +
                             ", expected a Float tensor of shape [" + std::to_string(batch) + ", " +
                             std::to_string(labels) + "]");
  if (spec_.kind == OutputKind::Logits) output = at::softmax(output, 1);
  output = output.contiguous();
  const float* values = output.data_ptr<float>();
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (!std::isfinite(values[i]))
      throw std::runtime_error("model output is not finite (model '" + spec_.module_file.string() + "', sample " +
                               std::to_string(i / labels) + ", label '" + spec_.labels[i % labels] + "')");
  std::copy(values, values + outputs.size(), outputs.begin());
}

}  // namespace smoops::torchscript
