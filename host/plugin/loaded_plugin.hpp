#pragma once
// A plugin file opened with Boost.DLL whose descriptor passed every check. Internal to the
// plugin room: the rest of the host sees only PluginRegistry and PluginInfo.

#include <filesystem>
#include <memory>
#include <string_view>

#include <boost/dll/shared_library.hpp>

#include "plugin/plugin_registry.hpp"

namespace smoops::plugin {

/// The library and its validated descriptor; the descriptor lives inside the library, so the two
/// travel together.
struct LoadedPlugin {
  std::shared_ptr<boost::dll::shared_library> library;
  const PluginDescriptor* descriptor = nullptr;
  PluginInfo info;
};

/// Opens `file`, resolves the entry symbol and validates the descriptor (ABI version first).
/// Throws PluginError naming the file for every reason it cannot be used.
LoadedPlugin load_plugin_file(const std::filesystem::path& file);

/// True for "x.so" and "x.so.1", "x.so.1.2": the names a directory scan considers.
bool is_shared_library_name(std::string_view file_name);

}  // namespace smoops::plugin
