#pragma once
// Exporting a plugin. A plugin is a shared library with one C entry symbol,
// `smoops_plugin_entry`, that the host resolves with Boost.DLL. It returns a descriptor whose
// first field is the SDK ABI version, laid out so the host can read it safely even from a plugin
// built against another version; the host refuses any version but its own.
//
// Plugins and host must be built with the same compiler family and C++ standard library (the
// interfaces pass std::string, std::vector and std::unique_ptr across the boundary).
//
//   class SmaCross : public smoops::Strategy { public: explicit SmaCross(const smoops::Params&); ... };
//   SMOOPS_PLUGIN("sma_cross", "1.0.0", SmaCross)

#include <cstdint>
#include <memory>
#include <type_traits>

#include "smoops/exchange.hpp"
#include "smoops/model.hpp"
#include "smoops/params.hpp"
#include "smoops/strategy.hpp"

namespace smoops {

/// The SDK ABI version. Bumped on any change to a type or interface that crosses the boundary.
/// 2: ExchangeSession::state_dir, Exchange::query_order and Exchange::order_fills.
/// 3: ModelSpec::labels, Context::signal, model trainers (training.hpp).
/// 4: Clock (clock.hpp) behind Context::clock, Context::warming_up, Strategy::warmup_bars;
///    SimulatedVenue out of Exchange; Exchange::bar_history; ExchangeSession::credentials and
///    market_data_only; ExchangeEvents thread-safe.
inline constexpr std::uint32_t kAbiVersion = 4;

/// What a plugin provides.
enum class PluginKind : std::uint32_t { Strategy = 1, Exchange = 2, Model = 3 };

/// "strategy", "exchange" or "model".
constexpr const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::Strategy: return "strategy";
    case PluginKind::Exchange: return "exchange";
    case PluginKind::Model: return "model";
  }
  return "unknown";
}

/// The C++ standard library a plugin was built with; the host checks it matches its own.
#if defined(_LIBCPP_VERSION)
inline constexpr const char* kStdLibrary = "libc++";
#else
inline constexpr const char* kStdLibrary = "libstdc++";
#endif

/// What `smoops_plugin_entry` returns. Fields before `std_library` never change between ABI
/// versions; everything after them is only read once abi_version matched.
struct PluginDescriptor {
  std::uint32_t abi_version;   ///< kAbiVersion the plugin was compiled with
  std::uint32_t kind;          ///< a PluginKind
  const char* name;            ///< the name bots use, e.g. "sma_cross"
  const char* version;         ///< the plugin's own version, e.g. "1.0.0"
  const char* std_library;     ///< kStdLibrary the plugin was compiled with
  /// Exactly one of these is set, matching `kind`. They may throw ParamError for bad params.
  std::unique_ptr<Strategy> (*create_strategy)(const Params&);
  std::unique_ptr<Exchange> (*create_exchange)(const Params&);
  std::unique_ptr<Model> (*create_model)(const Params&);
};

/// The C signature of the entry symbol.
using PluginEntry = const PluginDescriptor*();

/// Name of the entry symbol the host looks up.
inline constexpr const char* kPluginEntrySymbol = "smoops_plugin_entry";

/// Builds the descriptor for class T, deducing its kind from its base class.
template <class T>
constexpr PluginDescriptor make_plugin_descriptor(const char* name, const char* version) {
  PluginDescriptor d{kAbiVersion, 0, name, version, kStdLibrary, nullptr, nullptr, nullptr};
  if constexpr (std::is_base_of_v<Strategy, T>) {
    d.kind = static_cast<std::uint32_t>(PluginKind::Strategy);
    d.create_strategy = [](const Params& p) -> std::unique_ptr<Strategy> { return std::make_unique<T>(p); };
  } else if constexpr (std::is_base_of_v<Exchange, T>) {
    d.kind = static_cast<std::uint32_t>(PluginKind::Exchange);
    d.create_exchange = [](const Params& p) -> std::unique_ptr<Exchange> { return std::make_unique<T>(p); };
  } else {
    static_assert(std::is_base_of_v<Model, T>, "a plugin class derives from Strategy, Exchange or Model");
    d.kind = static_cast<std::uint32_t>(PluginKind::Model);
    d.create_model = [](const Params& p) -> std::unique_ptr<Model> { return std::make_unique<T>(p); };
  }
  return d;
}

}  // namespace smoops

/// Exports CLASS (derived from Strategy, Exchange or Model, constructible from const Params&)
/// as the plugin NAME at VERSION. Use once per shared library.
#define SMOOPS_PLUGIN(NAME, VERSION, CLASS)                                                      \
  extern "C" __attribute__((visibility("default"))) const ::smoops::PluginDescriptor*          \
  smoops_plugin_entry() {                                                                       \
    static const ::smoops::PluginDescriptor descriptor =                                        \
        ::smoops::make_plugin_descriptor<CLASS>(NAME, VERSION);                                 \
    return &descriptor;                                                                         \
  }
