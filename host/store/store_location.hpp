#pragma once
// Where the store is: an explicit DSN, the standard PG* environment variables / service file, or
// (neither) the private cluster under the state directory.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/private_cluster.hpp"

namespace smoops::store {

/// A resolved database: its DSN, a description for logs (no password), and the private cluster
/// when one is used (kept alive as long as this object).
struct StoreTarget {
  std::string dsn;
  std::string description;
  std::unique_ptr<PrivateCluster> cluster;
};

/// The default state directory: $SMOOPS_STATE_DIR, else $STATE_DIRECTORY (systemd), else
/// /var/lib/smoops as root, else $XDG_STATE_HOME/smoops or ~/.local/state/smoops.
std::filesystem::path default_state_dir();

/// True when PGHOST, PGHOSTADDR, PGDATABASE or PGSERVICE is set: libpq's defaults name a server.
bool pg_environment_set();

/// `dsn` if given; else the PG* environment (an empty DSN) when pg_environment_set() and
/// `use_environment`; else the private cluster under `state_dir` (started if needed;
/// `manage_cluster`: see PrivateCluster::ensure_running's stop_on_exit). Logs one info line
/// saying which database it is (no password). `use_environment` false: the user named the state
/// directory explicitly (`--state-dir`), so a PGHOST left in the shell must not win over it.
StoreTarget resolve_store(const std::optional<std::string>& dsn, const std::filesystem::path& state_dir,
                          bool manage_cluster, bool use_environment = true);

}  // namespace smoops::store
