#include "transformer_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_files.hpp"
#include "transformer_net.hpp"

namespace smoops::transformer {

struct TransformerModel::Impl {
  std::filesystem::path dir;
  ModelFile file;
  TransformerNet net{nullptr};
  int threads = 1;
  std::vector<float> buffer;  // the normalised inputs of the last call; grows to the largest batch
};

namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& message) {
  throw std::runtime_error(file.string() + ": " + message);
}

/// libtorch's intra-op thread count is process-wide; with its OpenMP backend it applies to the
/// calling thread, so each bot's loop sets its own before predicting.
void use_threads(int threads) {
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

}  // namespace

TransformerModel::TransformerModel(const Params& params) : impl_(std::make_unique<Impl>()) {
  params.allow_only({"path", "threads"});
  const Params& path = params.at("path");
  if (path.as_string().empty()) Params::fail(path.mark(), path.path() + ": expected a model directory, got ''");
  impl_->dir = path.as_path();  // relative: from the folder of the YAML it was written in
  impl_->threads = static_cast<int>(params.get_int_in("threads", 1, 256, 1));

  const std::filesystem::path& dir = impl_->dir;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error))
    fail(dir, "model directory not found (train one with `smoops train --out " + dir.string() + "`)");
  const std::filesystem::path model_file = dir / kModelFile;
  impl_->file = read_model_file(model_file);
  const ModelSpec& spec = impl_->file.spec;

  Architecture architecture = read_architecture(dir / kArchitectureFile);
  if (architecture.window != spec.window)
    fail(model_file, "spec.window is " + std::to_string(spec.window) + " but the network was trained on windows of " +
                         std::to_string(architecture.window) + " (" + kArchitectureFile + ")");
  architecture.features = spec.features.size();
  architecture.classes = spec.labels.size();

  use_threads(impl_->threads);
  impl_->net = TransformerNet(architecture);
  load_weights(impl_->net, dir / kWeightsFile, model_file);
  impl_->net->eval();
}

TransformerModel::~TransformerModel() = default;

ModelSpec TransformerModel::spec() const { return impl_->file.spec; }

void TransformerModel::predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) {
  const ModelSpec& spec = impl_->file.spec;
  const std::size_t features = spec.features.size();
  const std::size_t per_sample = spec.window * features;
  if (inputs.size() != batch * per_sample)
    throw std::invalid_argument("transformer: expected " + std::to_string(batch * per_sample) + " input values (batch " +
                                std::to_string(batch) + " x window " + std::to_string(spec.window) + " x " +
                                std::to_string(features) + " features), got " + std::to_string(inputs.size()));
  if (outputs.size() != batch * spec.outputs)
    throw std::invalid_argument("transformer: expected room for " + std::to_string(batch * spec.outputs) +
                                " outputs (batch " + std::to_string(batch) + " x " + std::to_string(spec.outputs) +
                                " classes), got " + std::to_string(outputs.size()));
  if (batch == 0) return;

  // A NaN that reached the network would come out as NaN probabilities: refuse it here, saying where.
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!std::isfinite(inputs[i]))
      throw std::runtime_error("transformer: input is not finite (sample " + std::to_string(i / per_sample) +
                               ", time step " + std::to_string(i % per_sample / features) + ", feature '" +
                               spec.features[i % features] + "' = " + std::to_string(inputs[i]) + ")");

  std::vector<float>& buffer = impl_->buffer;
  if (buffer.size() < inputs.size()) buffer.resize(inputs.size());
  std::copy(inputs.begin(), inputs.end(), buffer.begin());
  impl_->file.normalization.apply(std::span<float>(buffer.data(), inputs.size()));

  use_threads(impl_->threads);
  const torch::Tensor windows = torch::from_blob(
      buffer.data(),
      {static_cast<std::int64_t>(batch), static_cast<std::int64_t>(spec.window), static_cast<std::int64_t>(features)},
      torch::kFloat32);
  const torch::Tensor result = probabilities(impl_->net, windows).contiguous();
  const float* probabilities_out = result.data_ptr<float>();
  // Checked before anything is written: the caller's outputs never hold a NaN.
  if (!std::all_of(probabilities_out, probabilities_out + outputs.size(), [](float p) { return std::isfinite(p); }))
    throw std::runtime_error("transformer (" + impl_->dir.string() + "): model output is not finite");
  std::memcpy(outputs.data(), probabilities_out, outputs.size() * sizeof(float));
}

}  // namespace smoops::transformer
