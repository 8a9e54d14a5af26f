#pragma once
// The daemon's own YAML (smoopsd.yaml): where plugins and bot files are, and how to log.
// Relative paths in the file are resolved against the directory of the file. An empty file is
// a valid daemon config: every setting has a default.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"

namespace smoops::config {

/// A whole daemon file.
struct DaemonConfig {
  std::filesystem::path file;
  std::vector<std::filesystem::path> plugin_dirs;  ///< `plugin_dirs:`, absolute
  std::vector<std::filesystem::path> bot_files;    ///< `bots:`, absolute
  std::optional<std::filesystem::path> bots_dir;   ///< `bots_dir:`, absolute
  SourceMark bots_dir_mark;                        ///< where bots_dir was written (for listing errors)
  /// The `log:` section.
  struct Log {
    std::string level = "info";                ///< trace, debug, info, warn or error
    std::optional<std::filesystem::path> file;  ///< absolute; absent: log to stderr
  } log;

  /// bot_files, then the *.yaml and *.yml files directly in bots_dir sorted by path; throws
  /// ConfigError at bots_dir when the folder cannot be listed.
  std::vector<std::filesystem::path> all_bot_files() const;
};

/// Reads and validates a daemon file; throws ConfigError.
DaemonConfig load_daemon_config(const std::filesystem::path& file);
/// Parses daemon YAML text; `file` names it in errors and relative paths resolve against its directory.
DaemonConfig parse_daemon_config(std::string_view yaml_text, const std::filesystem::path& file);

}  // namespace smoops::config
