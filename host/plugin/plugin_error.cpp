#include "plugin/plugin_registry.hpp"

namespace smoops::plugin {

namespace {

// Prefixing the path makes every message usable on its own in a log or a terminal.
std::string with_file_prefix(const std::filesystem::path& file, const std::string& message) {
  return file.empty() ? message : file.string() + ": " + message;
}

}  // namespace

PluginError::PluginError(std::filesystem::path file, const std::string& message)
    : std::runtime_error(with_file_prefix(file, message)), file_(std::move(file)) {}

}  // namespace smoops::plugin
