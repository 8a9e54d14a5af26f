// Opening one plugin file and deciding whether it is a plugin this host can use.

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <system_error>

#include "plugin/loaded_plugin.hpp"

namespace smoops::plugin {

namespace {

std::string quoted(const char* text) { return "'" + std::string(text) + "'"; }

// rtld_now: a missing dependency or unresolved symbol fails here, with the loader's reason,
// rather than as a crash the first time a plugin calls into it. rtld_local: two plugins may
// define the same internal symbols without one silently binding to the other's.
std::shared_ptr<boost::dll::shared_library> open_library(const std::filesystem::path& file) {
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code error;
  library->load(boost::dll::fs::path(file.string()), error,
                boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (error) {
    // Boost wraps dlerror() in its own phrasing; the loader's own words are what users search for.
    const char* loader_message = dlerror();
    throw PluginError(file, "cannot load shared library: " +
                                std::string(loader_message ? loader_message : error.message()));
  }
  return library;
}

const PluginDescriptor* call_entry(const boost::dll::shared_library& library, const std::filesystem::path& file) {
  if (!library.has(kPluginEntrySymbol))
    throw PluginError(file, std::string("not a smoops plugin (no ") + quoted(kPluginEntrySymbol) + " symbol)");
  PluginEntry& entry = library.get<PluginEntry>(kPluginEntrySymbol);
  const PluginDescriptor* descriptor = nullptr;
  try {
    descriptor = entry();
  } catch (const std::exception& e) {
    throw PluginError(file, std::string(kPluginEntrySymbol) + " threw: " + e.what());
  }
  if (descriptor == nullptr)
    throw PluginError(file, std::string("not a usable smoops plugin: ") + kPluginEntrySymbol +
                                " returned no descriptor");
  return descriptor;
}

bool is_known_kind(std::uint32_t kind) {
  return kind == static_cast<std::uint32_t>(PluginKind::Strategy) ||
         kind == static_cast<std::uint32_t>(PluginKind::Exchange) ||
         kind == static_cast<std::uint32_t>(PluginKind::Model);
}

bool has_factory_for_kind(const PluginDescriptor& descriptor, PluginKind kind) {
  switch (kind) {
    case PluginKind::Strategy: return descriptor.create_strategy != nullptr;
    case PluginKind::Exchange: return descriptor.create_exchange != nullptr;
    case PluginKind::Model: return descriptor.create_model != nullptr;
  }
  return false;
}

// Every field is checked before it is trusted; the ABI version first, because nothing after it
// has a known layout when it differs.
PluginInfo validate_descriptor(const PluginDescriptor& descriptor, const std::filesystem::path& file) {
  if (descriptor.abi_version != kAbiVersion)
    throw PluginError(file, "plugin was built against SDK ABI version " + std::to_string(descriptor.abi_version) +
                                ", this host expects version " + std::to_string(kAbiVersion) +
                                "; rebuild it against this SDK");
  if (descriptor.name == nullptr || descriptor.name[0] == '\0')
    throw PluginError(file, "plugin descriptor has no name; a plugin must declare the name bots use");
  const std::string name = quoted(descriptor.name);
  if (descriptor.std_library == nullptr || std::strcmp(descriptor.std_library, kStdLibrary) != 0)
    throw PluginError(file, "plugin " + name + " was built with the C++ standard library " +
                                (descriptor.std_library ? quoted(descriptor.std_library) : "(not declared)") +
                                ", this host uses '" + kStdLibrary +
                                "'; rebuild it with the host's compiler and standard library");
  if (!is_known_kind(descriptor.kind))
    throw PluginError(file, "plugin " + name + " declares kind " + std::to_string(descriptor.kind) +
                                ", expected 1 (strategy), 2 (exchange) or 3 (model)");
  if (descriptor.version == nullptr)
    throw PluginError(file, "plugin " + name + " declares no version");
  const auto kind = static_cast<PluginKind>(descriptor.kind);
  if (!has_factory_for_kind(descriptor, kind))
    throw PluginError(file, "plugin " + name + " is a " + to_string(kind) + " plugin but has no create_" +
                                to_string(kind) + " factory");
  return PluginInfo{descriptor.name, kind, descriptor.version, descriptor.abi_version, file};
}

}  // namespace

LoadedPlugin load_plugin_file(const std::filesystem::path& given_file) {
  // Absolute, so every message and listing names the file unambiguously, whatever the cwd.
  std::error_code error;
  const std::filesystem::path absolute_file = std::filesystem::absolute(given_file, error);
  const std::filesystem::path file = error ? given_file : absolute_file.lexically_normal();
  auto library = open_library(file);
  const PluginDescriptor* descriptor = call_entry(*library, file);
  PluginInfo info = validate_descriptor(*descriptor, file);
  return LoadedPlugin{std::move(library), descriptor, std::move(info)};
}

PluginInfo inspect_plugin_file(const std::filesystem::path& file) { return load_plugin_file(file).info; }

bool is_shared_library_name(std::string_view file_name) {
  // Strip trailing ".<digits>" groups (a versioned soname), then require ".so".
  while (true) {
    const auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return false;
    const std::string_view suffix = file_name.substr(dot + 1);
    if (suffix == "so") return dot > 0;
    const bool all_digits = !suffix.empty() && std::all_of(suffix.begin(), suffix.end(), [](unsigned char c) {
      return std::isdigit(c) != 0;
    });
    if (!all_digits) return false;
    file_name = file_name.substr(0, dot);
  }
}

}  // namespace smoops::plugin
