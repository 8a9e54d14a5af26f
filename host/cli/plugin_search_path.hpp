#pragma once
// The plugin directories a command searches: --plugin-dir options first, then the defaults.

#include <filesystem>
#include <string>
#include <vector>

#include "plugin/plugin_registry.hpp"

namespace smoops::cli {

/// `explicit_dirs` (from --plugin-dir or a daemon config), then default_plugin_directories().
inline std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::filesystem::path>& explicit_dirs) {
  std::vector<std::filesystem::path> dirs = explicit_dirs;
  for (auto& dir : plugin::default_plugin_directories()) dirs.push_back(dir);
  return dirs;
}

/// The same, from --plugin-dir strings.
inline std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& explicit_dirs) {
  return plugin_search_path(std::vector<std::filesystem::path>(explicit_dirs.begin(), explicit_dirs.end()));
}

}  // namespace smoops::cli
