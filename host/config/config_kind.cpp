#include "config/config_kind.hpp"

#include "config/yaml_document.hpp"

namespace smoops::config {

ConfigKind detect_config_kind(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = parse_yaml_document(read_config_text(file), file);
  } catch (const ConfigError&) {
    return ConfigKind::Bot;
  }
  if (!root.IsMap()) return ConfigKind::Bot;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) continue;
    const std::string& key = entry.first.Scalar();
    if (key == "name" || key == "strategy") return ConfigKind::Bot;
  }
  return ConfigKind::Daemon;
}

}  // namespace smoops::config
