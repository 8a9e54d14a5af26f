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
    throw config::ConfigError(ref.mark, std::string(section) + ".plugin: " + e.what());
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
  return plugins;
}

}  // namespace smoops::engine
