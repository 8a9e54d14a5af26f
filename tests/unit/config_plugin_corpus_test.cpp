// tests/data/bad_yaml_plugins holds files whose errors only the plugin registry or the plugin
// itself can find. Config validation must let them through, and the position each one expects
// ("# expect: LINE:COL:") must be where config put the offending plugin name or parameter.

#include <gtest/gtest.h>

#include <fstream>

#include "config/bot_config.hpp"
#include "support/test_paths.hpp"

namespace smoops::config {
namespace {

std::filesystem::path corpus_dir() { return test::test_source_dir() / "data/bad_yaml_plugins"; }
std::filesystem::path plugin_case(const char* name) { return corpus_dir() / name; }

// "FILE:LINE:COL" from the file's "# expect: LINE:COL:" line.
std::string expected_mark(const std::filesystem::path& file) {
  std::ifstream stream(file);
  std::string first_line;
  std::getline(stream, first_line);
  const std::string prefix = "# expect: ";
  if (first_line.rfind(prefix, 0) != 0 || first_line.back() != ':') return "(malformed expect line)";
  return file.string() + ":" + first_line.substr(prefix.size(), first_line.size() - prefix.size() - 1);
}

TEST(PluginCorpus, EveryFilePassesConfigValidation) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir())) {
    EXPECT_NO_THROW(load_bot_config(entry.path())) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 3u);
}

TEST(PluginCorpus, UnknownPluginIsExpectedAtThePluginName) {
  const auto file = plugin_case("unknown_strategy_plugin.yaml");
  const BotConfig config = load_bot_config(file);
  EXPECT_EQ(config.strategy.plugin, "sma_crosss");
  EXPECT_EQ(config.strategy.mark.to_string(), expected_mark(file));
}

TEST(PluginCorpus, ParamTypoIsExpectedWhereAllowOnlyReportsIt) {
  const auto file = plugin_case("sma_cross_param_typo.yaml");
  const BotConfig config = load_bot_config(file);
  try {
    config.strategy.params.allow_only({"fast", "slow", "quantity"});
    FAIL() << "'fats' was allowed";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.mark().to_string(), expected_mark(file));
    EXPECT_EQ(e.message(), "unknown parameter 'strategy.params.fats' (did you mean 'fast'?)");
  }
}

TEST(PluginCorpus, NonIntegerParamIsExpectedAtItsValue) {
  const auto file = plugin_case("sma_cross_param_not_integer.yaml");
  const BotConfig config = load_bot_config(file);
  EXPECT_EQ(config.strategy.params.at("fast").mark().to_string(), expected_mark(file));
  EXPECT_THROW(config.strategy.params.get_int("fast"), ParamError);
}

}  // namespace
}  // namespace smoops::config
