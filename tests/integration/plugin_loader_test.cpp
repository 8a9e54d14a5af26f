// The plugin loader against real shared libraries built for these tests (tests/plugins) and the
// real plugins in build/plugins.

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>

#include "plugin/plugin_listing.hpp"
#include "plugin/plugin_registry.hpp"
#include "smoops/testing/strategy_driver.hpp"
#include "support/test_paths.hpp"

namespace smoops::plugin {
namespace {

// Passes when `text` contains every one of `parts`; on failure shows the text and what is missing.
// What a strategy run by the SDK kit's driver logged, line by line.
std::vector<std::string> logged_messages(smoops::testing::StrategyDriver& driver) {
  std::vector<std::string> messages;
  for (const smoops::testing::LogLine& line : driver.context().logger().lines()) messages.push_back(line.message);
  return messages;
}

::testing::AssertionResult contains_all(const std::string& text, std::initializer_list<std::string> parts) {
  for (const auto& part : parts)
    if (text.find(part) == std::string::npos)
      return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
  return ::testing::AssertionSuccess();
}

std::filesystem::path test_plugin(const char* name) { return test::test_plugin_dir() / name; }
std::filesystem::path duplicate_plugin_dir() { return test::test_plugin_dir().parent_path() / "test-plugins-dup"; }

const SourceMark kParamsMark{"bots/test.yaml", 3, 3};

Params params_with_level(const std::string& level) {
  Params params = Params::map(kParamsMark, "strategy.params");
  params.add("level", Params::scalar(level, {"bots/test.yaml", 4, 12}, "strategy.params.level"));
  return params;
}

Params no_params() { return Params::map(kParamsMark, "strategy.params"); }

// The message of the PluginError `action` throws; fails the test when it throws nothing.
template <class Action>
std::string plugin_error_from(Action action) {
  try {
    action();
  } catch (const PluginError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a PluginError";
  return {};
}

std::optional<std::string> registry_error_for(const PluginRegistry& registry, const std::filesystem::path& file) {
  for (const auto& error : registry.errors())
    if (error.file() == file) return error.what();
  return std::nullopt;
}

// Whether the dynamic loader still has `file` mapped (RTLD_NOLOAD never loads it).
bool is_loaded_in_process(const std::filesystem::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);  // RTLD_NOLOAD still took a reference
  return true;
}

TEST(PluginFile, GoodPluginDescribesItself) {
  const PluginInfo info = inspect_plugin_file(test_plugin("good_strategy.so"));
  EXPECT_EQ(info.name, "test_good");
  EXPECT_EQ(info.kind, PluginKind::Strategy);
  EXPECT_EQ(info.version, "2.3.4");
  EXPECT_EQ(info.abi_version, kAbiVersion);
  EXPECT_EQ(info.path, test_plugin("good_strategy.so"));
}

TEST(PluginFile, WrongAbiIsRefusedNamingFileFoundAndExpectedVersions) {
  const auto file = test_plugin("wrong_abi.so");
  const std::string message = plugin_error_from([&] { inspect_plugin_file(file); });
  EXPECT_TRUE(contains_all(
      message, {file.string(), "ABI version 999", "expects version " + std::to_string(kAbiVersion), "rebuild"}));
}

TEST(PluginFile, LibraryWithoutEntrySymbolIsNotAPlugin) {
  const auto file = test_plugin("not_a_plugin.so");
  EXPECT_EQ(plugin_error_from([&] { inspect_plugin_file(file); }),
            file.string() + ": not a smoops plugin (no 'smoops_plugin_entry' symbol)");
}

TEST(PluginFile, MissingDependencyReportsTheLoadersReason) {
  const auto file = test_plugin("missing_dependency.so");
  const std::string message = plugin_error_from([&] { inspect_plugin_file(file); });
  EXPECT_TRUE(contains_all(message, {file.string() + ": cannot load shared library: ", "libsmoops_test_dep.so",
                                     "cannot open shared object file"}));
}

TEST(PluginFile, MissingFileIsReportedWithItsPath) {
  const auto file = test_plugin("no_such_plugin.so");
  EXPECT_TRUE(contains_all(plugin_error_from([&] { inspect_plugin_file(file); }),
                           {file.string(), "cannot load shared library"}));
}

TEST(PluginRegistry, KeepsGoodPluginsAndReportsEveryBadFile) {
  const PluginRegistry registry({test::test_plugin_dir()});
  ASSERT_EQ(registry.plugins().size(), 1u);
  EXPECT_EQ(registry.plugins()[0].name, "test_good");
  ASSERT_NE(registry.find(PluginKind::Strategy, "test_good"), nullptr);
  EXPECT_EQ(registry.find(PluginKind::Strategy, "test_good")->path, test_plugin("good_strategy.so"));
  EXPECT_EQ(registry.errors().size(), 3u);
  EXPECT_TRUE(contains_all(registry_error_for(registry, test_plugin("wrong_abi.so")).value_or(""), {"999"}));
  EXPECT_TRUE(registry_error_for(registry, test_plugin("not_a_plugin.so")));
  EXPECT_TRUE(registry_error_for(registry, test_plugin("missing_dependency.so")));
}

TEST(PluginRegistry, CreatedStrategyRunsWithItsParameters) {
  const PluginRegistry registry({test::test_plugin_dir()});
  auto strategy = registry.create_strategy("test_good", params_with_level("7"));
  ASSERT_TRUE(strategy);
  smoops::testing::StrategyDriver driver(*strategy);
  driver.context().set_params(params_with_level("7"));
  driver.start();
  EXPECT_EQ(logged_messages(driver), std::vector<std::string>{"test_good started at level 7"});
}

TEST(PluginRegistry, PluginParamErrorReachesTheCallerUnchanged) {
  const PluginRegistry registry({test::test_plugin_dir()});
  try {
    registry.create_strategy("test_good", params_with_level("11"));
    FAIL() << "expected a ParamError";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.mark().to_string(), "bots/test.yaml:4:12");
    EXPECT_TRUE(
        contains_all(std::string(e.what()), {"bots/test.yaml:4:12: ", "strategy.params.level", "[1, 10]"}));
  }
}

TEST(PluginRegistry, UnknownNameListsDirectoriesAndAvailablePlugins) {
  const PluginRegistry registry({test::test_plugin_dir()});
  const std::string message = plugin_error_from([&] { registry.create_strategy("nope", no_params()); });
  EXPECT_TRUE(
      contains_all(message, {"no strategy plugin named 'nope'", "searched: " + test::test_plugin_dir().string(),
                             "available: test_good", "3 problem(s) found while loading plugins"}));
}

TEST(PluginRegistry, NameOfAnotherKindSaysWhichKindItIs) {
  const PluginRegistry registry({test::test_plugin_dir()});
  EXPECT_EQ(plugin_error_from([&] { registry.create_exchange("test_good", no_params()); }),
            "plugin 'test_good' is a strategy plugin, not an exchange plugin");
}

TEST(PluginRegistry, DuplicateNameIsAnErrorNamingBothFilesAndTheNameIsUnusable) {
  const PluginRegistry registry({test::test_plugin_dir(), duplicate_plugin_dir()});
  const auto first = test_plugin("good_strategy.so");
  const auto second = duplicate_plugin_dir() / "good_strategy_copy.so";
  const std::initializer_list<std::string> both_paths{"'test_good'", first.string(), second.string()};
  EXPECT_TRUE(contains_all(registry_error_for(registry, second).value_or(""), both_paths));
  EXPECT_EQ(registry.find(PluginKind::Strategy, "test_good"), nullptr);
  EXPECT_TRUE(
      contains_all(plugin_error_from([&] { registry.create_strategy("test_good", no_params()); }), both_paths));
}

TEST(PluginRegistry, SameDirectoryTwiceIsNotADuplicate) {
  const PluginRegistry registry({test::test_plugin_dir(), test::test_plugin_dir()});
  EXPECT_NE(registry.find(PluginKind::Strategy, "test_good"), nullptr);
  EXPECT_EQ(registry.errors().size(), 3u);
}

TEST(PluginRegistry, MissingConfiguredDirectoryIsAnError) {
  const auto missing = test::test_plugin_dir() / "no-such-directory";
  const PluginRegistry registry({missing});
  ASSERT_EQ(registry.errors().size(), 1u);
  EXPECT_EQ(registry.errors()[0].file(), missing);
  EXPECT_TRUE(contains_all(std::string(registry.errors()[0].what()), {"does not exist"}));
}

TEST(PluginRegistry, OnlySharedLibraryNamesAreConsidered) {
  const auto directory =
      std::filesystem::temp_directory_path() / ("smoops-plugin-names-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  std::filesystem::copy_file(test_plugin("good_strategy.so"), directory / "test_good.so.2",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(test_plugin("not_a_plugin.so"), directory / "not_a_plugin.so.bak",
                             std::filesystem::copy_options::overwrite_existing);
  {
    const PluginRegistry registry({directory});
    EXPECT_TRUE(registry.errors().empty()) << registry.errors().front().what();
    ASSERT_EQ(registry.plugins().size(), 1u);
    EXPECT_EQ(registry.plugins()[0].path, directory / "test_good.so.2");
  }
  std::filesystem::remove_all(directory);
}

TEST(PluginRegistry, HandleKeepsPluginLoadedAfterRegistryIsDestroyed) {
  const auto file = test_plugin("good_strategy.so");
  PluginHandle<Strategy> strategy;
  {
    const PluginRegistry registry({test::test_plugin_dir()});
    strategy = registry.create_strategy("test_good", no_params());
  }
  ASSERT_TRUE(is_loaded_in_process(file));
  {
    smoops::testing::StrategyDriver driver(*strategy);
    driver.start();  // code from the plugin: crashes if it had been unloaded
    EXPECT_EQ(logged_messages(driver), std::vector<std::string>{"test_good started at level 5"});
  }

  strategy = PluginHandle<Strategy>();
  EXPECT_FALSE(is_loaded_in_process(file)) << "the last handle should release the library";
}

TEST(PluginRegistry, FindsTheRealPluginsInTheBuildTree) {
  const PluginRegistry registry({test::plugin_build_dir()});
  for (const auto& error : registry.errors()) ADD_FAILURE() << error.what();
  const PluginInfo* sma_cross = registry.find(PluginKind::Strategy, "sma_cross");
  const PluginInfo* sim = registry.find(PluginKind::Exchange, "sim");
  ASSERT_NE(sma_cross, nullptr);
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ(sma_cross->abi_version, kAbiVersion);
  EXPECT_EQ(sim->abi_version, kAbiVersion);
}

TEST(PluginDirectories, PluginPathVariableComesFirstAndMissingEntriesAreDropped) {
  const char* previous = std::getenv("SMOOPS_PLUGIN_PATH");
  const std::optional<std::string> saved = previous ? std::optional<std::string>(previous) : std::nullopt;
  const auto missing = test::test_plugin_dir() / "no-such-directory";
  setenv("SMOOPS_PLUGIN_PATH", (missing.string() + ":" + test::test_plugin_dir().string()).c_str(), 1);
  const auto directories = default_plugin_directories();
  saved ? setenv("SMOOPS_PLUGIN_PATH", saved->c_str(), 1) : unsetenv("SMOOPS_PLUGIN_PATH");

  ASSERT_FALSE(directories.empty());
  EXPECT_EQ(directories.front(), test::test_plugin_dir());
  EXPECT_EQ(std::count(directories.begin(), directories.end(), missing), 0);
  // This test binary lives in build/tests, so <exe dir>/../plugins is build/plugins.
  if (std::filesystem::is_directory(test::plugin_build_dir())) {
    EXPECT_EQ(
        std::count_if(directories.begin(), directories.end(),
                      [](const auto& d) { return std::filesystem::equivalent(d, test::plugin_build_dir()); }),
        1);
  }
}

TEST(PluginListing, PrintsAlignedColumnsAndErrors) {
  const PluginRegistry registry({test::test_plugin_dir()});
  std::ostringstream out;
  std::ostringstream err;
  print_plugin_listing(registry, out, err);

  std::istringstream lines(out.str());
  std::string header;
  std::string row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_TRUE(contains_all(header, {"NAME", "KIND", "VERSION", "ABI", "PATH"}));
  EXPECT_EQ(row.find("test_good"), 0u);
  EXPECT_EQ(row.find("strategy"), header.find("KIND"));
  EXPECT_EQ(row.find("2.3.4"), header.find("VERSION"));
  EXPECT_EQ(row.find(test_plugin("good_strategy.so").string()), header.find("PATH"));

  EXPECT_TRUE(contains_all(err.str(), {"error: " + test_plugin("wrong_abi.so").string(),
                                       "error: " + test_plugin("not_a_plugin.so").string(),
                                       "error: " + test_plugin("missing_dependency.so").string()}));
}

}  // namespace
}  // namespace smoops::plugin
