#pragma once
// The libtorch part of the `torchscript` plugin lives in its own library, opened the first time a
// model is created, so that scanning the plugin directory does not load libtorch.

namespace smoops::torchscript {

/// The implementation library, in the impl folder beside smoops_torchscript.so.
inline constexpr const char* kImplementationFile = "smoops_torchscript_impl.so";
/// Its factory: `Model* (const Params&)`.
inline constexpr const char* kCreateModelSymbol = "smoops_torchscript_create_model";

}  // namespace smoops::torchscript
