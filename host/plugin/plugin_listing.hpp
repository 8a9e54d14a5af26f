#pragma once
// The table `smoops plugins list` prints.

#include <ostream>

#include "plugin/plugin_registry.hpp"

namespace smoops::plugin {

/// Writes the registry's plugins to `out` as an aligned table (NAME, KIND, VERSION, ABI, PATH),
/// then each file that could not be used to `err`, one "error: ..." line each.
void print_plugin_listing(const PluginRegistry& registry, std::ostream& out, std::ostream& err);

}  // namespace smoops::plugin
