#pragma once
// The daemon's own YAML (smoopsd.yaml): where plugins and bot files are, and how to log.
// Relative paths in the file are resolved against the directory of the file. An empty file is
// a valid daemon config: every setting has a default.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"

namespace smoops::config {

/// The `bus:` section: where the daemon publishes and takes commands.
struct BusConfig {
  std::string publish = "tcp://127.0.0.1:7600";   ///< PUB: updates
  std::string snapshot = "tcp://127.0.0.1:7601";  ///< ROUTER: state snapshots for late subscribers
  std::string control = "tcp://127.0.0.1:7602";   ///< ROUTER: control requests
  std::int64_t high_water_mark = 100'000;         ///< messages queued per subscriber before ZeroMQ drops
  std::int64_t queue_capacity = 65'536;           ///< messages queued from bots to the publisher
  /// `bus.curve`: required when an endpoint is not on loopback.
  struct Curve {
    std::filesystem::path secret_key_file;       ///< the daemon's Z85 secret key (public key derived)
    std::filesystem::path authorized_keys_file;  ///< clients' Z85 public keys, one per line
  };
  std::optional<Curve> curve;
  SourceMark mark;  ///< where `bus:` was written (the top of the file when absent)
};

/// What a running bot may do while the database is unreachable.
enum class OutagePolicy {
  ReduceOnly,   ///< default: orders that would open or grow a position are denied
  KeepTrading,  ///< trade as usual (order intents are journaled to the local spill file)
  Halt,         ///< halt the bot (working orders are canceled)
};

/// The `store:` section: where orders, fills, positions and runs are kept.
struct StoreConfig {
  bool enabled = true;                             ///< false: nothing is stored (throwaway runs)
  std::optional<std::string> dsn;                  ///< libpq DSN; absent: PG* environment or private cluster
  std::optional<std::filesystem::path> state_dir;  ///< absent: store::default_state_dir()
  OutagePolicy on_outage = OutagePolicy::ReduceOnly;
  std::int64_t buffer_events = 100'000;            ///< events held in memory before spilling to disk
  std::int64_t connect_timeout_s = 30;             ///< how long start-up retries an unreachable server
  SourceMark mark;
};

/// What happens to a bot's working orders when the daemon stops.
enum class OpenOrderPolicy { Cancel, Leave };

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
  BusConfig bus;
  StoreConfig store;
  /// `shutdown.open_orders`: cancel (default) or leave working orders when the daemon stops.
  OpenOrderPolicy shutdown_open_orders = OpenOrderPolicy::Cancel;

  /// bot_files, then the *.yaml and *.yml files directly in bots_dir sorted by path; throws
  /// ConfigError at bots_dir when the folder cannot be listed.
  std::vector<std::filesystem::path> all_bot_files() const;
};

/// Reads and validates a daemon file; throws ConfigError.
DaemonConfig load_daemon_config(const std::filesystem::path& file);
/// Parses daemon YAML text; `file` names it in errors and relative paths resolve against its directory.
DaemonConfig parse_daemon_config(std::string_view yaml_text, const std::filesystem::path& file);

}  // namespace smoops::config
