// A plugin built against a future SDK: ABI version 999, and a descriptor whose layout after the
// version differs from this SDK's, so a host that read past the version would misread it.

#include <cstdint>

#include "smoops/plugin.hpp"

namespace {

struct FutureDescriptor {
  std::uint32_t abi_version;
  std::uint32_t flags;
  std::uint64_t capabilities;
  const char* display_name;
  const char* name;
};

const FutureDescriptor future_descriptor{999, 0xFFFFFFFFu, 42, "Wrong ABI", "wrong_abi"};

}  // namespace

extern "C" __attribute__((visibility("default"))) const smoops::PluginDescriptor* smoops_plugin_entry() {
  return reinterpret_cast<const smoops::PluginDescriptor*>(&future_descriptor);
}
