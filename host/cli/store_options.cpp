#include "cli/store_options.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "config/daemon_config.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace smoops::cli {
namespace {

/// How long a command waits for an unreachable server before giving up (exit 10).
constexpr std::chrono::seconds kConnectGiveUp{10};

/// Where the options say the store is: a DSN (nullopt: the PG* environment or the private
/// cluster) and the private cluster's state directory.
struct StoreChoice {
  std::optional<std::string> dsn;
  std::filesystem::path state_dir;
  bool state_dir_given = false;  ///< --state-dir: the private cluster, whatever PG* says
};

StoreChoice choose_store(const Arguments& args) {
  StoreChoice choice;
  choice.dsn = args.value("dsn");
  const auto state_dir = args.value("state-dir");
  const auto daemon_config = args.value("daemon-config");
  if (choice.dsn && daemon_config) throw UsageError("--dsn and --daemon-config both name a database; give one of them");
  if (daemon_config) {
    const config::DaemonConfig daemon = config::load_daemon_config(*daemon_config);
    if (!daemon.store.enabled)
      throw UsageError(*daemon_config + " has store.enabled: false, so that daemon keeps no database; use --dsn or " +
                       "--state-dir to name one");
    choice.dsn = daemon.store.dsn;
    if (daemon.store.state_dir) choice.state_dir = *daemon.store.state_dir;
  }
  if (state_dir) {
    choice.state_dir = *state_dir;  // wins over the daemon file's
    choice.state_dir_given = true;
  }
  if (choice.state_dir.empty()) choice.state_dir = store::default_state_dir();
  return choice;
}

}  // namespace

std::string store_options_usage() {
  return "store options (db, runs, backtest --store): --dsn DSN (libpq key=value or postgresql:// URI),\n"
         "  or --daemon-config smoopsd.yaml (its store: section), or --state-dir DIR (smoops's private\n"
         "  PostgreSQL cluster there); with none of them, the server that PGHOST, PGHOSTADDR, PGDATABASE or\n"
         "  PGSERVICE names, else the private cluster in $SMOOPS_STATE_DIR, /var/lib/smoops (as root) or\n"
         "  ~/.local/state/smoops\n";
}

StoreSession open_store(const Arguments& args, SchemaNeed need) {
  const StoreChoice choice = choose_store(args);
  StoreSession session;
  // The CLI does not manage the cluster: a server it had to start is stopped when it is done,
  // one that was running (smoopsd's, `smoops db start`) is left alone.
  session.target = store::resolve_store(choice.dsn, choice.state_dir, /*manage_cluster=*/false,
                                        /*use_environment=*/!choice.state_dir_given);
  session.connection = store::connect_with_retry(session.target.dsn, kConnectGiveUp);
  if (need == SchemaNeed::Current) {
    if (session.target.cluster) {
      // smoops owns that database: keeping it current is its job, not the user's.
      const int applied = store::migrate(*session.connection, store::bundled_migrations(),
                                         [](const store::Migration& migration, std::chrono::milliseconds elapsed) {
                                           spdlog::debug("applied {} ({} ms)", migration.name, elapsed.count());
                                         });
      if (applied > 0) spdlog::info("migrated the private cluster's database: {} migration(s) applied", applied);
    } else {
      store::require_current_schema(*session.connection, store::bundled_migrations());
    }
  }
  return session;
}

}  // namespace smoops::cli
