// The daemon file: paths resolve against its folder, defaults hold for what it leaves out, and
// bots_dir contributes its YAML files in a stable order.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/config_kind.hpp"
#include "config/daemon_config.hpp"
#include "support/test_paths.hpp"

namespace smoops::config {
namespace {

std::filesystem::path good_yaml(const char* name) { return test::test_source_dir() / "data/good_yaml" / name; }

// A fresh folder under the system temp dir, removed with its contents at the end of the test.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "smoops-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::filesystem::path& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

TEST(DaemonConfig, ExampleFileLoadsWithPathsResolvedAgainstItsFolder) {
  const DaemonConfig config = load_daemon_config(good_yaml("smoopsd.yaml"));
  const auto folder = std::filesystem::absolute(good_yaml("smoopsd.yaml")).parent_path();
  EXPECT_EQ(config.file, good_yaml("smoopsd.yaml"));
  ASSERT_EQ(config.plugin_dirs.size(), 2u);
  EXPECT_EQ(config.plugin_dirs[0], folder / "plugins");
  EXPECT_EQ(config.plugin_dirs[1], "/usr/lib/smoops/plugins");
  ASSERT_EQ(config.bot_files.size(), 1u);
  EXPECT_EQ(config.bot_files[0], folder / "btc-sma.yaml");
  EXPECT_EQ(config.bots_dir, folder / "bots.d");
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.file, folder / "log/smoopsd.log");
}

TEST(DaemonConfig, AnEmptyFileMeansEveryDefault) {
  const DaemonConfig config = parse_daemon_config("# nothing set\n", "/etc/smoops/smoopsd.yaml");
  EXPECT_TRUE(config.plugin_dirs.empty());
  EXPECT_TRUE(config.bot_files.empty());
  EXPECT_FALSE(config.bots_dir.has_value());
  EXPECT_EQ(config.log.level, "info");
  EXPECT_FALSE(config.log.file.has_value());
  EXPECT_TRUE(config.all_bot_files().empty());
}

TEST(DaemonConfig, AllBotFilesListsNamedFilesThenSortedYamlOfBotsDir) {
  TempFolder folder;
  folder.write("bots.d/b.yaml", "name: b\n");
  folder.write("bots.d/a.yml", "name: a\n");
  folder.write("bots.d/notes.txt", "not a bot\n");
  folder.write("bots.d/nested/c.yaml", "name: c\n");
  const auto daemon_file = folder.write("smoopsd.yaml", "bots: [z.yaml]\nbots_dir: bots.d\n");

  const DaemonConfig config = load_daemon_config(daemon_file);
  const std::vector<std::filesystem::path> expected{folder.path() / "z.yaml", folder.path() / "bots.d/a.yml",
                                                    folder.path() / "bots.d/b.yaml"};
  EXPECT_EQ(config.all_bot_files(), expected);
}

TEST(DaemonConfig, AnUnlistableBotsDirIsReportedAtItsKey) {
  const DaemonConfig config = parse_daemon_config("log: {level: warn}\nbots_dir: /nonexistent/smoops/bots\n",
                                                  "/etc/smoops/smoopsd.yaml");
  try {
    config.all_bot_files();
    FAIL() << "a missing bots_dir listed without error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.mark().to_string(), "/etc/smoops/smoopsd.yaml:2:11");
    EXPECT_NE(e.message().find("/nonexistent/smoops/bots"), std::string::npos) << e.what();
  }
}

TEST(ConfigKind, BotAndDaemonFilesAreToldApart) {
  EXPECT_EQ(detect_config_kind(good_yaml("btc-sma.yaml")), ConfigKind::Bot);
  EXPECT_EQ(detect_config_kind(good_yaml("smoopsd.yaml")), ConfigKind::Daemon);
}

TEST(ConfigKind, UnparseableOrMissingFilesGoToTheBotLoader) {
  TempFolder folder;
  EXPECT_EQ(detect_config_kind(folder.write("broken.yaml", "a: [1, 2\n")), ConfigKind::Bot);
  EXPECT_EQ(detect_config_kind(folder.write("list.yaml", "- a\n")), ConfigKind::Bot);
  EXPECT_EQ(detect_config_kind(folder.path() / "missing.yaml"), ConfigKind::Bot);
  EXPECT_EQ(detect_config_kind(folder.write("strategy-only.yaml", "strategy: {plugin: x}\n")), ConfigKind::Bot);
}

}  // namespace
}  // namespace smoops::config
