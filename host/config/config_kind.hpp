#pragma once
// Which loader a config file needs, for `smoops config check FILE...` where bot and daemon files
// are mixed.

#include <filesystem>

namespace smoops::config {

/// A bot file or the daemon's file.
enum class ConfigKind { Bot, Daemon };

/// Bot when the top-level map has a `name` or `strategy` key, Daemon for any other map. A file
/// that cannot be read, parsed, or is not a map counts as Bot, so that the bot loader, the stricter
/// of the two, reports the problem.
ConfigKind detect_config_kind(const std::filesystem::path& file);

}  // namespace smoops::config
