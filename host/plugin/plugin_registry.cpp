// Scanning directories for plugins, resolving names to plugins and creating instances.

#include "plugin/plugin_registry.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "plugin/loaded_plugin.hpp"

namespace smoops::plugin {

namespace {

using PluginKey = std::pair<PluginKind, std::string>;

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string joined;
  for (const auto& item : items) {
    if (!joined.empty()) joined += separator;
    joined += item;
  }
  return joined;
}

// The same file reached twice (a directory listed twice, a symlinked directory) is one plugin,
// not a duplicate.
std::filesystem::path identity_of(const std::filesystem::path& file) {
  std::error_code error;
  auto canonical = std::filesystem::canonical(file, error);
  return error ? file : canonical;
}

// Sorted so that scan order, and therefore error order and duplicate messages, do not depend
// on the file system's directory order.
std::vector<std::filesystem::path> shared_libraries_in(const std::filesystem::path& given_directory) {
  std::error_code error;
  const std::filesystem::path absolute_directory = std::filesystem::absolute(given_directory, error);
  const std::filesystem::path directory = error ? given_directory : absolute_directory.lexically_normal();
  if (!std::filesystem::exists(directory, error))
    throw PluginError(directory, "plugin directory does not exist");
  if (!std::filesystem::is_directory(directory, error))
    throw PluginError(directory, "plugin directory is not a directory");
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(directory, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    std::error_code type_error;
    if (it->is_regular_file(type_error) && is_shared_library_name(it->path().filename().string()))
      files.push_back(it->path());
  }
  if (error) throw PluginError(directory, "cannot list plugin directory: " + error.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::string duplicate_message(const PluginKey& key, const std::vector<LoadedPlugin>& copies) {
  std::vector<std::string> paths;
  for (const auto& copy : copies) paths.push_back(copy.info.path.string());
  return std::string(to_string(key.first)) + " plugin '" + key.second + "' is defined by more than one file: " +
         join(paths, ", ") + "; remove or rename all but one (a bot could not tell which one it gets)";
}

}  // namespace

struct PluginRegistry::Impl {
  std::vector<LoadedPlugin> loaded;  // usable plugins, sorted by kind then name
  std::vector<PluginInfo> infos;     // loaded[i].info, kept as a vector for plugins()
  std::vector<PluginError> errors;
  std::map<PluginKey, std::size_t> duplicate_error_index;  // names made unusable by duplicates

  void scan(const std::vector<std::filesystem::path>& directories) {
    std::map<PluginKey, std::vector<LoadedPlugin>> by_key;
    std::set<std::filesystem::path> seen;
    for (const auto& directory : directories) {
      try {
        for (const auto& file : shared_libraries_in(directory)) {
          if (!seen.insert(identity_of(file)).second) continue;
          try {
            LoadedPlugin plugin = load_plugin_file(file);
            PluginKey key{plugin.info.kind, plugin.info.name};
            by_key[std::move(key)].push_back(std::move(plugin));
          } catch (const PluginError& e) {
            errors.push_back(e);
          }
        }
      } catch (const PluginError& e) {
        errors.push_back(e);
      }
    }
    // std::map iterates by (kind, name): the order plugins() promises.
    for (auto& [key, copies] : by_key) {
      if (copies.size() == 1) {
        infos.push_back(copies.front().info);
        loaded.push_back(std::move(copies.front()));
      } else {
        duplicate_error_index.emplace(key, errors.size());
        errors.emplace_back(copies.back().info.path, duplicate_message(key, copies));
      }
    }
  }

  const LoadedPlugin* find(PluginKind kind, std::string_view name) const {
    for (const auto& plugin : loaded)
      if (plugin.info.kind == kind && plugin.info.name == name) return &plugin;
    return nullptr;
  }

  [[noreturn]] void throw_not_found(PluginKind kind, std::string_view name,
                                    const std::vector<std::filesystem::path>& directories) const {
    if (auto duplicate = duplicate_error_index.find(PluginKey{kind, std::string(name)});
        duplicate != duplicate_error_index.end())
      throw errors[duplicate->second];
    for (const auto& plugin : loaded)
      if (plugin.info.name == name)
        throw PluginError({}, "plugin '" + std::string(name) + "' is " + article_for(plugin.info.kind) + " " +
                                  to_string(plugin.info.kind) + " plugin, not " + article_for(kind) + " " +
                                  to_string(kind) + " plugin");
    std::vector<std::string> searched;
    for (const auto& directory : directories) searched.push_back(directory.string());
    std::vector<std::string> available;
    for (const auto& plugin : loaded)
      if (plugin.info.kind == kind) available.push_back(plugin.info.name);
    std::string message = std::string("no ") + to_string(kind) + " plugin named '" + std::string(name) +
                          "' (searched: " + (searched.empty() ? "no directories" : join(searched, ", ")) +
                          "; available: " + (available.empty() ? "none" : join(available, ", ")) + ")";
    if (!errors.empty())
      message += "; " + std::to_string(errors.size()) +
                 " problem(s) found while loading plugins, 'smoops plugins list' shows them";
    throw PluginError({}, message);
  }

  /// Calls make(plugin) on the plugin of this kind and name, turning what it throws (other than
  /// ParamError) into PluginError naming the file.
  template <class T, class Make>
  PluginHandle<T> create(PluginKind kind, std::string_view name, const char* what, Make&& make,
                         const std::vector<std::filesystem::path>& directories) const {
    const LoadedPlugin* plugin = find(kind, name);
    if (plugin == nullptr) throw_not_found(kind, name, directories);
    const std::string what_failed = "plugin '" + plugin->info.name + "' failed to create its " + what + ": ";
    std::unique_ptr<T> object;
    try {
      object = make(*plugin);
    } catch (const ParamError& e) {
      // Already says which parameter and where; the caller reports it as a config error. Thrown
      // again as a copy made here: the plugin's own object (its vtable) lives in the plugin's
      // code, which may be unloaded before the caller prints it.
      throw ParamError(e.mark(), e.message());
    } catch (const std::exception& e) {
      throw PluginError(plugin->info.path, what_failed + e.what());
    } catch (...) {
      throw PluginError(plugin->info.path, what_failed + "it threw something that is not a std::exception");
    }
    if (!object) throw PluginError(plugin->info.path, what_failed + "its factory returned nothing");
    // The handle shares ownership of the library so the object's code outlives the registry.
    return PluginHandle<T>(std::shared_ptr<void>(plugin->library), std::move(object));
  }

 private:
  static const char* article_for(PluginKind kind) { return kind == PluginKind::Exchange ? "an" : "a"; }
};

PluginRegistry::PluginRegistry(std::vector<std::filesystem::path> directories)
    : directories_(std::move(directories)), impl_(std::make_unique<Impl>()) {
  impl_->scan(directories_);
}

PluginRegistry::~PluginRegistry() = default;

const std::vector<PluginInfo>& PluginRegistry::plugins() const { return impl_->infos; }

const std::vector<PluginError>& PluginRegistry::errors() const { return impl_->errors; }

const PluginInfo* PluginRegistry::find(PluginKind kind, std::string_view name) const {
  const LoadedPlugin* plugin = impl_->find(kind, name);
  return plugin ? &plugin->info : nullptr;
}

PluginHandle<Strategy> PluginRegistry::create_strategy(std::string_view name, const Params& params) const {
  return impl_->create<Strategy>(
      PluginKind::Strategy, name, "strategy",
      [&](const LoadedPlugin& plugin) { return plugin.descriptor->create_strategy(params); }, directories_);
}

PluginHandle<Exchange> PluginRegistry::create_exchange(std::string_view name, const Params& params) const {
  return impl_->create<Exchange>(
      PluginKind::Exchange, name, "exchange",
      [&](const LoadedPlugin& plugin) { return plugin.descriptor->create_exchange(params); }, directories_);
}

PluginHandle<Model> PluginRegistry::create_model(std::string_view name, const Params& params) const {
  return impl_->create<Model>(
      PluginKind::Model, name, "model",
      [&](const LoadedPlugin& plugin) { return plugin.descriptor->create_model(params); }, directories_);
}

PluginHandle<ModelTrainer> PluginRegistry::create_trainer(std::string_view name, const Params& params) const {
  return impl_->create<ModelTrainer>(
      PluginKind::Model, name, "trainer",
      [&](const LoadedPlugin& plugin) {
        if (!plugin.library->has(kTrainerEntrySymbol))
          throw std::runtime_error("it cannot be trained by smoops (it exports no " + std::string(kTrainerEntrySymbol) +
                                   "); train it elsewhere and load the result");
        auto& entry = plugin.library->get<TrainerEntry>(kTrainerEntrySymbol);
        return std::unique_ptr<ModelTrainer>(entry(params));
      },
      directories_);
}

}  // namespace smoops::plugin
