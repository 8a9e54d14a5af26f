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
  /// The exchange whose public data feeds the bot (`data.feed`), when it is not the bot's own
  /// exchange; empty for a file-fed bot, or a live bot whose exchange serves its feed.
  plugin::PluginHandle<Exchange> feed;
};

/// True when the bot's own exchange serves its live feed (mode live, `data.feed` names the
/// exchange's plugin): one set of connections, as the venue's own data.
bool exchange_serves_feed(const config::BotConfig& bot);

/// Creates the bot's strategy, exchange, model and feed; throws config::ConfigError, also when the
/// exchange does not suit the mode (backtest and paper trade on a simulated venue, live on a real one).
BotPlugins create_bot_plugins(const config::BotConfig& bot, const plugin::PluginRegistry& registry);

}  // namespace smoops::engine
