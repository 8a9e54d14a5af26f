#pragma once
// Where tests find the shared market data, the built plugins and their own fixtures.

#include <cstdlib>
#include <filesystem>

namespace smoops::test {

/// ../shared/data (read-only), or $SMOOPS_SHARED_DATA when set.
inline std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("SMOOPS_SHARED_DATA")) return env;
  return SMOOPS_SHARED_DATA_DIR;
}
/// A file of ../shared/data.
inline std::filesystem::path shared_data(const char* name) { return shared_data_dir() / name; }
/// build/plugins: the real plugins.
inline std::filesystem::path plugin_build_dir() { return SMOOPS_PLUGIN_BUILD_DIR; }
/// build/test-plugins: plugins built only for tests.
inline std::filesystem::path test_plugin_dir() { return SMOOPS_TEST_PLUGIN_DIR; }
/// build/test-plugins-faulty: a strategy that throws on purpose (test_throwing), alone.
inline std::filesystem::path faulty_plugin_dir() { return std::filesystem::path(SMOOPS_TEST_PLUGIN_DIR).parent_path() / "test-plugins-faulty"; }
/// tests/ in the source tree (fixtures such as tests/data/bad_yaml).
inline std::filesystem::path test_source_dir() { return SMOOPS_TEST_SOURCE_DIR; }
/// build/bin: smoops and smoopsd.
inline std::filesystem::path bin_dir() { return SMOOPS_BIN_DIR; }

}  // namespace smoops::test
