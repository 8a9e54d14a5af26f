// tests/data/bad_yaml_plugins: bot files that are valid YAML config but name a plugin that does
// not exist, a plugin of the wrong kind, or parameters the real plugin refuses. Each file's first
// line says what the error must be ("# expect: LINE:COL: message"); the error is checked against
// the real sma_cross and sim plugins loaded from build/plugins.

#include <gtest/gtest.h>

#include <fstream>

#include "config/bot_config.hpp"
#include "engine/bot_plugins.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

std::filesystem::path corpus_dir() { return test::test_source_dir() / "data/bad_yaml_plugins"; }

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir()))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string expectation(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  const std::string prefix = "# expect: ";
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : "(no expect line)";
}

class BadPluginYaml : public ::testing::TestWithParam<std::string> {};

TEST_P(BadPluginYaml, IsRefusedAtThePlaceWithTheExpectedMessage) {
  const auto file = corpus_dir() / GetParam();
  const config::BotConfig bot = config::load_bot_config(file);  // valid as config
  const plugin::PluginRegistry registry({test::plugin_build_dir()});
  try {
    engine::create_bot_plugins(bot, registry);
    FAIL() << "no error for " << file;
  } catch (const config::ConfigError& e) {
    // The expectation is a prefix: messages about missing plugins go on to list the search path.
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ":" + expectation(file), 0), 0u) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadPluginYaml, ::testing::ValuesIn(corpus_files()),
                         [](const auto& info) { return info.param.substr(0, info.param.size() - 5); });

TEST(BadPluginYamlCorpus, HasTheCasesItClaims) { EXPECT_GE(corpus_files().size(), 10u); }

}  // namespace
}  // namespace smoops
