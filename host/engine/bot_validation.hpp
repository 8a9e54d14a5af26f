#pragma once
// Everything that can be checked about bots before any of them runs, in one place, so that
// `smoops config check` and `smoopsd` accept and refuse exactly the same files.

#include <filesystem>
#include <vector>

#include "config/bot_config.hpp"
#include "config/daemon_config.hpp"
#include "plugin/plugin_registry.hpp"

namespace smoops::engine {

/// Loads a bot file and checks its YAML, that its plugins exist and accept their params, and
/// that its data file (if it names one) opens with the right header. Throws config::ConfigError
/// at the place in the YAML the problem is about.
config::BotConfig validate_bot_file(const std::filesystem::path& file, const plugin::PluginRegistry& registry);

/// validate_bot_file for every bot of a daemon config, and that no two bots share a name (their
/// client order ids would collide).
std::vector<config::BotConfig> validate_daemon_bots(const config::DaemonConfig& daemon,
                                                    const plugin::PluginRegistry& registry);

}  // namespace smoops::engine
