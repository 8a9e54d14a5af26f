#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "config/config_kind.hpp"
#include "config/daemon_config.hpp"
#include "engine/bot_validation.hpp"

namespace smoops::cli {
namespace {

// A plugin file that cannot be used does not stop a bot that does not need it, but the operator
// should hear of it.
void warn_about_plugin_files(const plugin::PluginRegistry& registry, std::ostream& err) {
  for (const auto& error : registry.errors()) err << "warning: " << error.what() << '\n';
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
        warn_about_plugin_files(registry, err);
        const auto bots = engine::validate_daemon_bots(daemon, registry);
        out << name << ": ok (daemon, " << bots.size() << " bots)\n";
      } else {
        const plugin::PluginRegistry registry(plugin_search_path(cli_dirs));
        warn_about_plugin_files(registry, err);
        engine::validate_bot_file(name, registry);
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
