#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "config/bot_config.hpp"
#include "config/config_kind.hpp"
#include "config/daemon_config.hpp"
#include "engine/bot_plugins.hpp"

namespace smoops::cli {
namespace {

// A bot is sound when its YAML is and its plugins exist and accept their params.
void check_bot_file(const std::filesystem::path& file, const plugin::PluginRegistry& registry) {
  const config::BotConfig bot = config::load_bot_config(file);
  engine::create_bot_plugins(bot, registry);
}

}  // namespace

int config_check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, {"plugin-dir"}, {});
  if (parsed.positionals().empty()) throw UsageError("config check needs at least one FILE");
  const std::vector<std::string> cli_dirs = parsed.values("plugin-dir");
  int failures = 0;
  for (const std::string& name : parsed.positionals()) {
    try {
      if (config::detect_config_kind(name) == config::ConfigKind::Daemon) {
        const config::DaemonConfig daemon = config::load_daemon_config(name);
        std::vector<std::filesystem::path> dirs(cli_dirs.begin(), cli_dirs.end());
        dirs.insert(dirs.end(), daemon.plugin_dirs.begin(), daemon.plugin_dirs.end());
        const plugin::PluginRegistry registry(plugin_search_path(dirs));
        const auto bots = daemon.all_bot_files();
        for (const auto& bot_file : bots) check_bot_file(bot_file, registry);
        out << name << ": ok (daemon, " << bots.size() << " bots)\n";
      } else {
        const plugin::PluginRegistry registry(plugin_search_path(cli_dirs));
        check_bot_file(name, registry);
        out << name << ": ok (bot)\n";
      }
    } catch (const config::ConfigError& e) {
      err << "error: " << e.what() << '\n';
      ++failures;
    }
  }
  return failures ? kExitConfig : kExitOk;
}

}  // namespace smoops::cli
