#pragma once
// A yaml-cpp tree as an SDK Params tree, so plugins see their parameters without yaml-cpp.
// Maps stay maps (in file order), sequences stay sequences, scalars keep their text as written,
// and every node remembers its file, 1-based line and column, and dotted path
// ("strategy.params.fast", "exchange.params.levels[2]").

#include <filesystem>
#include <string>

#include <yaml-cpp/yaml.h>

#include "smoops/params.hpp"

namespace smoops::config {

/// Converts `node` (written in `file`) to Params named `path`; throws ConfigError for a duplicate
/// or non-scalar map key.
Params to_params(const YAML::Node& node, const std::filesystem::path& file, const std::string& path);

}  // namespace smoops::config
