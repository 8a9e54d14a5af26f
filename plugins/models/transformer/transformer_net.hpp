#pragma once
// The transformer network, shared by the trainer and the model so that both run the same
// definition: an input projection, a fixed sinusoidal positional encoding, a stack of Transformer
// encoder layers, a LayerNorm and a linear head on the last time step.
//
// This header includes libtorch; only the plugin's own .cpp files include it.

#include <cstddef>
#include <filesystem>
#include <string>

#include <torch/torch.h>

#include "model_files.hpp"

namespace smoops::transformer {

/// The network. forward() takes [batch][window][features] and returns logits [batch][classes].
class TransformerNetImpl : public torch::nn::Module {
 public:
  explicit TransformerNetImpl(const Architecture& architecture);
  /// Logits of the classes for a batch of windows.
  torch::Tensor forward(const torch::Tensor& windows);
  const Architecture& architecture() const { return architecture_; }

 private:
  Architecture architecture_;
  torch::nn::Linear input_{nullptr};
  torch::Tensor positional_;  // [window][d_model], a buffer: fixed, never trained or saved
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear output_{nullptr};
};
TORCH_MODULE(TransformerNet);

/// Class probabilities of `windows` in eval mode, without autograd: the one inference path of the
/// trainer's validation outputs and the model's predict().
torch::Tensor probabilities(TransformerNet& net, const torch::Tensor& windows);

/// Writes the trained parameters (not the positional buffer) to `file` as a dictionary of named
/// tensors in PyTorch's zip format (Python reads it with torch.load). The bytes depend only on the
/// values, so the same weights give the same file. Returns the file's checksum_of().
std::string save_weights(TransformerNet& net, const std::filesystem::path& file);
/// Loads parameters written by save_weights into `net`, checking that every parameter is present
/// with the shape `net` expects and that the file's checksum is the one architecture.json
/// recorded; throws std::runtime_error naming the file and what is wrong.
/// `spec_file` is named in messages about a shape that contradicts the model spec.
void load_weights(TransformerNet& net, const std::filesystem::path& file, const std::filesystem::path& spec_file);

}  // namespace smoops::transformer
