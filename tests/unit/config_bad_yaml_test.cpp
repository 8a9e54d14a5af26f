// The bad-YAML corpus: every file in tests/data/bad_yaml must be refused with exactly the error
// written on its first line, "# expect: LINE:COL: message", so each message users see is pinned
// down and a new case is one new file.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "config/bot_config.hpp"
#include "config/config_kind.hpp"
#include "config/daemon_config.hpp"
#include "support/test_paths.hpp"

namespace smoops::config {
namespace {

constexpr std::size_t kMinimumCases = 24;
constexpr std::string_view kExpectPrefix = "# expect: ";

std::filesystem::path corpus_dir() { return test::test_source_dir() / "data/bad_yaml"; }

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir()))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// "LINE:COL: message" from the first line; an empty string when the line is malformed, which
// fails the test with the file named.
std::string expected_error(const std::filesystem::path& file) {
  std::ifstream stream(file);
  std::string first_line;
  std::getline(stream, first_line);
  if (first_line.rfind(kExpectPrefix, 0) != 0) return {};
  return first_line.substr(kExpectPrefix.size());
}

// What loading the file the way `smoops config check` would says, or "" when it loads.
std::string load_error(const std::filesystem::path& file) {
  try {
    if (detect_config_kind(file) == ConfigKind::Daemon) {
      load_daemon_config(file);
    } else {
      load_bot_config(file);
    }
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

class BadYaml : public testing::TestWithParam<std::filesystem::path> {};

TEST_P(BadYaml, IsRefusedWithTheExpectedPositionAndMessage) {
  const std::filesystem::path& file = GetParam();
  const std::string expectation = expected_error(file);
  ASSERT_FALSE(expectation.empty()) << file << " must start with '" << kExpectPrefix << "LINE:COL: message'";
  EXPECT_EQ(load_error(file), file.string() + ":" + expectation);
}

std::string case_name(const testing::TestParamInfo<std::filesystem::path>& info) {
  std::string name = info.param.stem().string();
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadYaml, testing::ValuesIn(corpus_files()), case_name);

TEST(BadYamlCorpus, HoldsEnoughCases) { EXPECT_GE(corpus_files().size(), kMinimumCases); }

}  // namespace
}  // namespace smoops::config
