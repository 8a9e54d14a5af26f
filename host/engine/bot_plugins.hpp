#pragma once
// Turns a bot's validated config into plugin instances. Every failure (no such plugin, a plugin
// of the wrong kind, a bad parameter) becomes a ConfigError at the place in the YAML it is about.

#include "config/bot_config.hpp"
#include "plugin/plugin_registry.hpp"

namespace smoops::engine {

/// The plugin objects of one bot; they keep their libraries loaded.
struct BotPlugins {
  plugin::PluginHandle<Strategy> strategy;
  plugin::PluginHandle<Exchange> exchange;
  plugin::PluginHandle<Model> model;  ///< empty when the bot names no model
};

/// Creates the bot's strategy, exchange and model; throws config::ConfigError.
BotPlugins create_bot_plugins(const config::BotConfig& bot, const plugin::PluginRegistry& registry);

}  // namespace smoops::engine
