#include "engine/bot_plugins.hpp"

namespace smoops::engine {
namespace {

template <class Create>
auto create_or_explain(const config::PluginRef& ref, const char* section, Create&& create) {
  try {
    return create(ref.plugin, ref.params);
  } catch (const ParamError& e) {
    throw config::ConfigError(e);
  } catch (const plugin::PluginError& e) {
    const std::string key = std::string(section) == "data.feed" ? "data.feed" : std::string(section) + ".plugin";
    throw config::ConfigError(ref.mark, key + ": " + e.what());
  }
}

}  // namespace

BotPlugins create_bot_plugins(const config::BotConfig& bot, const plugin::PluginRegistry& registry) {
  BotPlugins plugins;
  plugins.strategy = create_or_explain(bot.strategy, "strategy", [&](const std::string& name, const Params& params) {
    return registry.create_strategy(name, params);
  });
  plugins.exchange = create_or_explain(bot.exchange, "exchange", [&](const std::string& name, const Params& params) {
    return registry.create_exchange(name, params);
  });
  if (bot.model) {
    plugins.model = create_or_explain(*bot.model, "model", [&](const std::string& name, const Params& params) {
      return registry.create_model(name, params);
    });
  }
  const bool simulated = plugins.exchange->simulated_venue() != nullptr;
  if (bot.mode == config::Mode::Live && simulated)
    throw config::ConfigError(bot.exchange.mark, "exchange.plugin: mode live trades on a real venue, and '" +
                                                     bot.exchange.plugin +
                                                     "' is a simulated exchange (trade on it in mode paper)");
  if (bot.mode != config::Mode::Live && !simulated)
    throw config::ConfigError(bot.exchange.mark, "exchange.plugin: mode " + std::string(config::to_string(bot.mode)) +
                                                     " trades on a simulated exchange such as sim, and '" +
                                                     bot.exchange.plugin +
                                                     "' is a real venue (trading on it is mode live)");
  if (bot.data && bot.data->live_feed() && !exchange_serves_feed(bot)) {
    plugins.feed = create_or_explain(bot.data->feed, "data.feed", [&](const std::string& name, const Params& params) {
      return registry.create_exchange(name, params);
    });
  }
  return plugins;
}

bool exchange_serves_feed(const config::BotConfig& bot) {
  return bot.mode == config::Mode::Live && bot.data && bot.data->live_feed() &&
         bot.data->feed.plugin == bot.exchange.plugin;
}

}  // namespace smoops::engine
