#pragma once
// Finds plugins in directories, loads them with Boost.DLL, checks their ABI and creates instances.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/plugin.hpp"
#include "smoops/training.hpp"

namespace smoops::plugin {

/// A plugin file that could not be used, or a name that could not be resolved; names the file.
class PluginError : public std::runtime_error {
 public:
  PluginError(std::filesystem::path file, const std::string& message);
  /// The offending file (empty when the error is about a name, not a file).
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

/// What a plugin file declares about itself.
struct PluginInfo {
  std::string name;
  PluginKind kind = PluginKind::Strategy;
  std::string version;
  std::uint32_t abi_version = 0;
  std::filesystem::path path;
};

/// An object created by a plugin; keeps the plugin's library loaded for as long as it lives.
template <class T>
class PluginHandle {
 public:
  PluginHandle() = default;
  PluginHandle(std::shared_ptr<void> library, std::unique_ptr<T> object)
      : library_(std::move(library)), object_(std::move(object)) {}
  PluginHandle(PluginHandle&&) noexcept = default;
  PluginHandle& operator=(PluginHandle&& other) noexcept {
    object_ = std::move(other.object_);  // destroy our object before dropping our library
    library_ = std::move(other.library_);
    return *this;
  }
  ~PluginHandle() { object_.reset(); }
  T* get() const { return object_.get(); }
  T* operator->() const { return object_.get(); }
  T& operator*() const { return *object_; }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  std::shared_ptr<void> library_;  // declared first: destroyed last
  std::unique_ptr<T> object_;
};

/// Loads one file and returns its descriptor info; throws PluginError naming the file when it
/// cannot be opened (with the loader's reason, e.g. a missing dependency), has no entry symbol
/// (not a plugin), was built against another ABI version or standard library, or has a bad kind.
PluginInfo inspect_plugin_file(const std::filesystem::path& file);

/// Every plugin found in a list of directories.
class PluginRegistry {
 public:
  /// Scans each directory (not recursively) for "*.so" files. Files that fail to load are kept in
  /// errors(); two files declaring the same kind and name are an error for that name.
  explicit PluginRegistry(std::vector<std::filesystem::path> directories);
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  /// The directories searched, in order.
  const std::vector<std::filesystem::path>& directories() const { return directories_; }
  /// Plugins that loaded, sorted by kind then name.
  const std::vector<PluginInfo>& plugins() const;
  /// Files that failed and duplicate names, in scan order.
  const std::vector<PluginError>& errors() const;
  /// The plugin of this kind and name, or nullptr.
  const PluginInfo* find(PluginKind kind, std::string_view name) const;

  /// Create instances. Throw PluginError when no usable plugin has this kind and name (the
  /// message lists the directories searched and the names available), and let the plugin's
  /// ParamError through unchanged.
  PluginHandle<Strategy> create_strategy(std::string_view name, const Params& params) const;
  PluginHandle<Exchange> create_exchange(std::string_view name, const Params& params) const;
  PluginHandle<Model> create_model(std::string_view name, const Params& params) const;
  /// The trainer of a model plugin (SMOOPS_MODEL_TRAINER); PluginError when it has none.
  PluginHandle<ModelTrainer> create_trainer(std::string_view name, const Params& params) const;

 private:
  struct Impl;
  std::vector<std::filesystem::path> directories_;
  std::unique_ptr<Impl> impl_;
};

/// The default search path: each entry of $SMOOPS_PLUGIN_PATH (colon-separated), then
/// <dir of the running executable>/../plugins (build tree) and ../lib/smoops/plugins (installed),
/// keeping only directories that exist.
std::vector<std::filesystem::path> default_plugin_directories();

}  // namespace smoops::plugin
