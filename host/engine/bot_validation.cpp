#include "engine/bot_validation.hpp"

#include <map>

#include "data/csv_bar_reader.hpp"
#include "engine/bot_plugins.hpp"

namespace smoops::engine {

config::BotConfig validate_bot_file(const std::filesystem::path& file, const plugin::PluginRegistry& registry) {
  config::BotConfig bot = config::load_bot_config(file);
  create_bot_plugins(bot, registry);
  if (bot.data && !bot.data->live_feed()) {
    try {
      data::CsvBarReader reader(bot.data->csv);
    } catch (const data::DataError& e) {
      throw config::ConfigError(bot.data->mark, std::string("data.csv: ") + e.what());
    }
  }
  return bot;
}

std::vector<config::BotConfig> validate_daemon_bots(const config::DaemonConfig& daemon,
                                                    const plugin::PluginRegistry& registry) {
  std::vector<config::BotConfig> bots;
  std::map<std::string, std::filesystem::path> files_by_name;
  for (const auto& file : daemon.all_bot_files()) {
    bots.push_back(validate_bot_file(file, registry));
    auto [it, inserted] = files_by_name.emplace(bots.back().name, file);
    if (!inserted)
      throw config::ConfigError(file.string(), "bot name '" + bots.back().name + "' is already used by " +
                                                   it->second.string() + "; bot names must be unique");
  }
  return bots;
}

}  // namespace smoops::engine
