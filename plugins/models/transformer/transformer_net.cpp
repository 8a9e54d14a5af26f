#include "transformer_net.hpp"

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace smoops::transformer {

namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& message) {
  throw std::runtime_error(file.string() + ": " + message);
}

std::int64_t as_int(std::size_t value) { return static_cast<std::int64_t>(value); }

/// pe[t][j] = sin(t / 10000^(2i/d)) for even j = 2i, cos(...) for odd j = 2i + 1.
torch::Tensor sinusoidal_encoding(std::size_t window, std::size_t d_model) {
  torch::Tensor pe = torch::empty({as_int(window), as_int(d_model)}, torch::kFloat32);
  auto values = pe.accessor<float, 2>();
  for (std::size_t t = 0; t < window; ++t)
    for (std::size_t j = 0; j < d_model; ++j) {
      const double angle = static_cast<double>(t) /
                           std::pow(10000.0, static_cast<double>(j - j % 2) / static_cast<double>(d_model));
      values[as_int(t)][as_int(j)] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  return pe;
}

std::string shape_of(const torch::Tensor& tensor) {
  std::ostringstream text;
  text << tensor.sizes();
  return text.str();
}

/// The first line of a libtorch error, without its C++ backtrace.
std::string first_line(const c10::Error& e) {
  const std::string what = e.what_without_backtrace();
  return what.substr(0, what.find('\n'));
}

}  // namespace

TransformerNetImpl::TransformerNetImpl(const Architecture& architecture) : architecture_(architecture) {
  const auto& a = architecture_;
  input_ = register_module("input", torch::nn::Linear(as_int(a.features), as_int(a.d_model)));
  positional_ = register_buffer("positional", sinusoidal_encoding(a.window, a.d_model));
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (std::size_t i = 0; i < a.layers; ++i)
    layers_->push_back(torch::nn::TransformerEncoderLayer(
        torch::nn::TransformerEncoderLayerOptions(as_int(a.d_model), as_int(a.heads))
            .dim_feedforward(as_int(a.ff))
            .dropout(a.dropout)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({as_int(a.d_model)})));
  output_ = register_module("output", torch::nn::Linear(as_int(a.d_model), as_int(a.classes)));
}

torch::Tensor TransformerNetImpl::forward(const torch::Tensor& windows) {
  // [batch][window][features] -> [batch][window][d_model], plus the position of each step.
  torch::Tensor x = input_->forward(windows) + positional_;
  // libtorch's encoder layers take [sequence][batch][d_model].
  x = x.transpose(0, 1);
  for (const auto& layer : *layers_) x = layer->as<torch::nn::TransformerEncoderLayer>()->forward(x);
  // The last time step sees the whole window through attention; it alone predicts.
  return output_->forward(norm_->forward(x[-1]));
}

torch::Tensor probabilities(TransformerNet& net, const torch::Tensor& windows) {
  net->eval();
  c10::InferenceMode inference;
  return torch::softmax(net->forward(windows), 1);
}

std::string save_weights(TransformerNet& net, const std::filesystem::path& file) {
  c10::Dict<std::string, torch::Tensor> tensors;
  for (const auto& parameter : net->named_parameters()) tensors.insert(parameter.key(), parameter.value().detach());
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(tensors));
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail(file, "cannot be written");
  return checksum_of(bytes);
}

void load_weights(TransformerNet& net, const std::filesystem::path& file, const std::filesystem::path& spec_file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) fail(file, "weights file not found");
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.eof() && !in) fail(file, "cannot be read");
  // The archive has no checksum of its own: a changed byte inside a tensor would load silently.
  // Checked before libtorch parses anything: libtorch 1.13 reads past the end of a truncated
  // archive held in memory (AddressSanitizer caught it), so it only ever sees the exact bytes the
  // trainer wrote.
  const Architecture& a = net->architecture();
  if (const std::string checksum = checksum_of(bytes); checksum != a.weights_checksum)
    fail(file, "corrupt or truncated: its checksum is " + checksum + " (" + std::to_string(bytes.size()) + " bytes) but " +
                   kArchitectureFile + " recorded " + a.weights_checksum + " when it was written");

  c10::IValue loaded;
  try {
    loaded = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    fail(file, "not a readable weights file (truncated or corrupt?): " + first_line(e));
  } catch (const std::exception& e) {
    fail(file, std::string("not a readable weights file (truncated or corrupt?): ") + e.what());
  }
  if (!loaded.isGenericDict()) fail(file, "expected a dictionary of named tensors");
  const c10::Dict<c10::IValue, c10::IValue> tensors = loaded.toGenericDict();

  torch::NoGradGuard no_grad;
  std::size_t matched = 0;
  for (auto& parameter : net->named_parameters()) {
    const std::string& name = parameter.key();
    const auto found = tensors.find(name);
    if (found == tensors.end()) fail(file, "tensor '" + name + "' is missing");
    if (!found->value().isTensor()) fail(file, "'" + name + "' is not a tensor");
    const torch::Tensor value = found->value().toTensor();
    torch::Tensor& target = parameter.value();
    if (value.scalar_type() != torch::kFloat32) fail(file, "'" + name + "' is not a float32 tensor");
    if (value.sizes() != target.sizes()) {
      // The two mismatches a user makes: a feature list or a label list that is not the one the
      // weights were trained with.
      if (name == "input.weight" && value.dim() == 2 && value.size(0) == target.size(0))
        fail(file, "the input layer takes " + std::to_string(value.size(1)) + " features but " + spec_file.string() +
                       " lists " + std::to_string(a.features));
      if (name == "output.weight" && value.dim() == 2 && value.size(1) == target.size(1))
        fail(file, "the output layer gives " + std::to_string(value.size(0)) + " classes but " + spec_file.string() +
                       " lists " + std::to_string(a.classes) + " labels");
      fail(file, "'" + name + "' has shape " + shape_of(value) + " but the architecture needs " + shape_of(target) +
                     " (do " + kArchitectureFile + " and " + kWeightsFile + " come from the same training?)");
    }
    target.copy_(value);
    ++matched;
  }
  if (matched != tensors.size())
    fail(file, "holds " + std::to_string(tensors.size()) + " tensors but the architecture has " +
                   std::to_string(matched) + " parameters (do " + kArchitectureFile + " and " + kWeightsFile +
                   " come from the same training?)");
  for (const auto& parameter : net->named_parameters())
    if (!torch::isfinite(parameter.value()).all().item<bool>())
      fail(file, "tensor '" + parameter.key() + "' holds values that are not finite");
}

}  // namespace smoops::transformer
