#pragma once
// The spec YAML of a TorchScript model: which file holds the module, the shape and meaning of its
// input (a window of smoops feature rows, optionally standardised) and of its output (one column
// per label, probabilities or logits). Parsing it needs no libtorch.
//
//   file: model.pt               # relative to this YAML's folder
//   input:
//     window: 32
//     features: [ret_1, ret_4, vol_16]
//     normalization: {mean: [0, 0, 0.01], std: [0.002, 0.004, 0.003]}   # optional
//   output:
//     labels: [down, flat, up]
//     kind: probabilities        # or logits (the plugin applies softmax)

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "smoops/features.hpp"
#include "smoops/params.hpp"

namespace smoops::torchscript {

/// What the module's output columns hold.
enum class OutputKind { Probabilities, Logits };

/// A parsed, checked spec file.
struct TorchScriptSpec {
  std::filesystem::path spec_file;    ///< the YAML itself, as given
  std::filesystem::path module_file;  ///< the .pt file, resolved against the YAML's folder
  SourceMark module_mark;             ///< where `file:` was written, for errors about the .pt file
  SourceMark input_mark;              ///< where `input:` was written, for a window/features mismatch
  SourceMark output_mark;             ///< where `output:` was written, for an output shape mismatch
  std::size_t window = 0;
  std::vector<std::string> features;
  std::optional<Normalization> normalization;
  std::vector<std::string> labels;
  OutputKind kind = OutputKind::Probabilities;
};

/// Reads and checks `file`. Every problem throws ParamError "FILE:LINE:COL: what was expected"
/// (an unreadable file: FILE:1:1); the .pt file must exist, but is not opened here.
TorchScriptSpec load_spec(const std::filesystem::path& file);

/// "probabilities" or "logits".
const char* to_string(OutputKind kind);

}  // namespace smoops::torchscript
