#pragma once
// A model plugin that links libtorch comes in two files, so that hosts which never use it do not
// pay for libtorch: loading libtorch costs about 1.5 s and 150 MB of memory, and every smoops
// command and every smoopsd start opens every plugin file in the search path to read its
// descriptor.
//
//   <plugins>/smoops_NAME.so            the plugin the host scans: this header, no libtorch
//   <plugins>/impl/smoops_NAME_impl.so  the libtorch code, opened the first time a bot creates
//                                        the model or `smoops train` creates its trainer
//
// The implementation library exports `extern "C" Model* <model_symbol>(const Params&)` and
// optionally `ModelTrainer* <trainer_symbol>(const Params&)`; the classes below forward to them.
// The implementation stays loaded until the process ends (libtorch is not made to be unloaded).

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "smoops/model.hpp"
#include "smoops/params.hpp"
#include "smoops/training.hpp"

namespace smoops::models {

/// The folder, beside the plugin file, that holds the implementation libraries.
inline constexpr const char* kImplFolder = "impl";

/// The implementation library `file` from the impl folder beside this plugin file, opened once.
/// Throws std::runtime_error with the loader's message when it cannot be opened.
inline void* implementation_library(const std::string& file) {
  static std::mutex mutex;
  static std::map<std::string, void*> opened;
  const std::lock_guard lock(mutex);
  if (const auto it = opened.find(file); it != opened.end()) return it->second;
  Dl_info self{};
  if (dladdr(reinterpret_cast<const void*>(&implementation_library), &self) == 0 || self.dli_fname == nullptr)
    throw std::runtime_error("cannot tell where this plugin file is, to find " + file);
  const std::filesystem::path path = std::filesystem::path(self.dli_fname).parent_path() / kImplFolder / file;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    throw std::runtime_error("cannot load " + path.string() + " (this plugin's libtorch part): " +
                             (why ? why : "unknown reason"));
  }
  opened.emplace(file, handle);
  return handle;
}

/// Calls the factory `symbol` of the implementation library `file`.
template <class Interface>
std::unique_ptr<Interface> create_from_implementation(const std::string& file, const char* symbol, const Params& params) {
  void* library = implementation_library(file);
  auto* factory = reinterpret_cast<Interface* (*)(const Params&)>(dlsym(library, symbol));
  if (factory == nullptr) throw std::runtime_error(file + " does not export " + symbol + "; rebuild the plugin");
  std::unique_ptr<Interface> object(factory(params));
  if (!object) throw std::runtime_error(std::string(symbol) + " in " + file + " returned nothing");
  return object;
}

/// A Model whose work is done by the implementation library's model.
class ForwardingModel : public Model {
 public:
  explicit ForwardingModel(std::unique_ptr<Model> impl) : impl_(std::move(impl)) {}
  ModelSpec spec() const override { return impl_->spec(); }
  void predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) override {
    impl_->predict(inputs, batch, outputs);
  }

 private:
  std::unique_ptr<Model> impl_;
};

/// A ModelTrainer whose work is done by the implementation library's trainer.
class ForwardingTrainer : public ModelTrainer {
 public:
  explicit ForwardingTrainer(std::unique_ptr<ModelTrainer> impl) : impl_(std::move(impl)) {}
  TrainingResult train(const TrainingJob& job, TrainingProgress& progress) override { return impl_->train(job, progress); }

 private:
  std::unique_ptr<ModelTrainer> impl_;
};

}  // namespace smoops::models
