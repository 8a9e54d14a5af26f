// Where plugins are looked for when the configuration names no directories.

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <system_error>

#include <boost/dll/runtime_symbol_info.hpp>

#include "plugin/plugin_registry.hpp"

namespace smoops::plugin {

namespace {

std::vector<std::filesystem::path> entries_of_plugin_path_variable() {
  std::vector<std::filesystem::path> entries;
  const char* variable = std::getenv("SMOOPS_PLUGIN_PATH");
  if (variable == nullptr) return entries;
  std::string_view rest = variable;
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string_view entry = rest.substr(0, colon);
    if (!entry.empty()) entries.emplace_back(entry);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return entries;
}

// Relative to the executable, so a build tree and a relocated install both work without setup.
std::vector<std::filesystem::path> directories_beside_executable() {
  boost::dll::fs::error_code error;
  const auto executable = boost::dll::program_location(error);
  if (error) return {};
  const std::filesystem::path prefix = std::filesystem::path(executable.string()).parent_path().parent_path();
  return {prefix / "plugins", prefix / SMOOPS_PLUGIN_INSTALL_RELATIVE_DIR};
}

}  // namespace

std::vector<std::filesystem::path> default_plugin_directories() {
  std::vector<std::filesystem::path> candidates = entries_of_plugin_path_variable();
  for (auto& directory : directories_beside_executable()) candidates.push_back(std::move(directory));

  std::vector<std::filesystem::path> existing;
  std::vector<std::filesystem::path> seen;
  for (const auto& candidate : candidates) {
    std::error_code error;
    if (!std::filesystem::is_directory(candidate, error)) continue;
    auto identity = std::filesystem::canonical(candidate, error);
    if (error) continue;
    if (std::find(seen.begin(), seen.end(), identity) != seen.end()) continue;
    seen.push_back(identity);
    existing.push_back(candidate.lexically_normal());
  }
  return existing;
}

}  // namespace smoops::plugin
