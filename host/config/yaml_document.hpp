#pragma once
// Turning a config file into a yaml-cpp tree, with every failure (unreadable file, YAML syntax
// error, duplicate key) reported as a ConfigError that says where it is.

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config_error.hpp"

namespace smoops::config {

/// The whole text of a config file; throws ConfigError(file, "cannot read file: <reason>").
std::string read_config_text(const std::filesystem::path& file);

/// The one YAML document in `text`: a Null node when there is none (empty or comments only).
/// Syntax errors and a second document throw ConfigError at their position in `file`.
YAML::Node parse_yaml_document(std::string_view text, const std::filesystem::path& file);

/// A yaml-cpp position (0-based) as a 1-based SourceMark; yaml-cpp's "no position" becomes 1:1.
SourceMark source_mark(const YAML::Mark& mark, const std::filesystem::path& file);

/// The entries of a YAML map in file order, after checking that every key is a scalar and that no
/// key is written twice (yaml-cpp itself keeps both silently). `path` prefixes the messages.
std::vector<std::pair<YAML::Node, YAML::Node>> unique_map_entries(const YAML::Node& map,
                                                                  const std::filesystem::path& file,
                                                                  const std::string& path);

/// "path: " or "" for the top level: how messages name the value they are about.
std::string message_prefix(const std::string& path);

/// "a.b" from "a" and "b"; just "b" under the top level.
std::string child_path(const std::string& parent, std::string_view key);

}  // namespace smoops::config
