#pragma once
// The libtorch part of the `transformer` plugin lives in its own library, opened the first time a
// model or trainer is created, so that scanning the plugin directory does not load libtorch.

namespace smoops::transformer {

/// The implementation library, in the impl folder beside smoops_transformer.so.
inline constexpr const char* kImplementationFile = "smoops_transformer_impl.so";
/// Its factories: `Model* (const Params&)` and `ModelTrainer* (const Params&)`.
inline constexpr const char* kCreateModelSymbol = "smoops_transformer_create_model";
inline constexpr const char* kCreateTrainerSymbol = "smoops_transformer_create_trainer";

}  // namespace smoops::transformer
