#pragma once
// How `smoops` commands that use the database find it: --dsn DSN, --state-dir DIR (the private
// cluster's home), or --daemon-config smoopsd.yaml (its `store:` section); with none of them,
// the PG* environment if set, else the private cluster under the default state directory.

#include <memory>
#include <optional>
#include <set>
#include <string>

#include <pqxx/pqxx>

#include "cli/arguments.hpp"
#include "store/store_location.hpp"

namespace smoops::cli {

/// The option names open_store() reads; add them to a command's valued options.
inline const std::set<std::string> kStoreOptions{"dsn", "state-dir", "daemon-config"};
/// The usage text of those options (one line each, indented like usage()).
std::string store_options_usage();

/// A connection to the store, ready for use, and what keeps its server alive.
struct StoreSession {
  store::StoreTarget target;
  std::unique_ptr<pqxx::connection> connection;
};

/// What the caller needs from the schema.
enum class SchemaNeed {
  None,     ///< `db migrate`, `db status`: the caller handles the schema
  Current,  ///< every other command: the schema must be current (a private cluster smoops runs
            ///< itself is migrated automatically; any other server must be migrated with
            ///< `smoops db migrate`, and the error says so)
};

/// Resolves the store from the options, connects (StoreError on failure) and checks the schema.
/// --dsn and --daemon-config together is a UsageError.
StoreSession open_store(const Arguments& args, SchemaNeed need);

}  // namespace smoops::cli
