#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "plugin/plugin_listing.hpp"

namespace smoops::cli {

int plugins_list_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, {"plugin-dir"}, {});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const plugin::PluginRegistry registry(plugin_search_path(parsed.values("plugin-dir")));
  plugin::print_plugin_listing(registry, out, err);
  return registry.errors().empty() ? kExitOk : kExitPlugin;
}

}  // namespace smoops::cli
