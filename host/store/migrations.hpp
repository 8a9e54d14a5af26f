#pragma once
// Schema migrations: the numbered SQL files of migrations/ (NNNN_description.sql), compiled into
// the binaries so that a binary always knows exactly the schema it needs. Each is applied in its
// own transaction and recorded in schema_migrations with its SHA-256; an applied migration whose
// text changed is refused, and so is a database migrated by a newer smoops. Migrating takes a
// session advisory lock, so two processes migrating at once are serialized.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace smoops::store {

/// One migration: a file of migrations/ (or, in tests, any list made up the same way).
struct Migration {
  int version = 0;          ///< NNNN
  std::string name;         ///< the file name, e.g. "0001_initial.sql"
  std::string sql;
  std::string checksum;     ///< SHA-256 of the file's bytes, lower-case hex
};

/// The migrations built into this binary, by version.
const std::vector<Migration>& bundled_migrations();

/// The state of one migration in a database.
struct MigrationState {
  int version = 0;
  std::string name;
  enum class State { Applied, Pending, Edited, Unknown } state = State::Pending;  ///< Unknown: applied by a newer smoops
  std::string applied_at;   ///< ISO 8601, for Applied/Edited/Unknown
};

/// Every known and every applied migration, by version (reads only; no table: all pending).
/// `known` must be sorted by version (all functions here refuse a list that is not).
std::vector<MigrationState> migration_status(pqxx::connection& connection, const std::vector<Migration>& known);

/// Applies the pending migrations in order, each in its own transaction with its
/// schema_migrations row; returns how many. Holds a session advisory lock meanwhile, so that a
/// second process waits and then finds nothing to do. Throws StoreError (Migration) when an
/// applied one was edited or one fails (naming the file and the server's message; nothing of
/// that one is applied, the earlier ones stay), or (SchemaNewer) when the database has
/// migrations `known` lacks. `on_applied` is called after each commit; without it, each applied
/// migration is logged at info.
int migrate(pqxx::connection& connection, const std::vector<Migration>& known,
            const std::function<void(const Migration&, std::chrono::milliseconds elapsed)>& on_applied = {});

/// Throws StoreError unless every known migration is applied and unedited: SchemaBehind says
/// "run `smoops db migrate`", SchemaNewer says to upgrade smoops.
void require_current_schema(pqxx::connection& connection, const std::vector<Migration>& known);

/// SHA-256 of `bytes`, lower-case hex.
std::string sha256_hex(const std::string& bytes);

}  // namespace smoops::store
