#include "store/migrations.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "store/embedded_migrations.hpp"
#include "store/store_error.hpp"

namespace smoops::store {
namespace {

/// The key of the session advisory lock that serializes migrations: "smoops" in ASCII, then 1.
/// Other advisory locks of smoops (bot ownership) must use other keys.
constexpr long long kMigrationLockKey = 0x736d6f6f70730001LL;

/// One row of schema_migrations.
struct AppliedRow {
  std::string name;
  std::string checksum;
  std::string applied_at;
};

/// Refuses a list of migrations that is not strictly increasing by version: applying it in
/// order would not be applying it by version.
void check_known(const std::vector<Migration>& known) {
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (known[i].version <= 0)
      throw StoreError(StoreError::Kind::Migration, "migration " + known[i].name + " has version " +
                                                        std::to_string(known[i].version) + "; versions start at 1");
    if (i > 0 && known[i].version <= known[i - 1].version)
      throw StoreError(StoreError::Kind::Migration, "migrations " + known[i - 1].name + " and " + known[i].name +
                                                        " are out of order or share a version");
  }
}

/// Runs `body`, turning libpqxx's errors into StoreErrors that say what was being done.
template <typename Body>
auto with_store_errors(const std::string& doing, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const pqxx::broken_connection& e) {
    throw StoreError(StoreError::Kind::Unreachable, "lost the connection to the database while " + doing + ": " + e.what());
  } catch (const pqxx::sql_error& e) {
    throw StoreError(StoreError::Kind::Query, "the database refused " + doing + ": " + e.what());
  }
}

/// Removes the trailing newlines libpq leaves on a server message.
std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

bool migrations_table_exists(pqxx::transaction_base& work) {
  // to_regclass follows search_path, as the unqualified names of the migrations do.
  return !work.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>();
}

/// schema_migrations by version; empty when the table does not exist.
std::map<int, AppliedRow> read_applied(pqxx::connection& connection) {
  return with_store_errors("reading schema_migrations", [&] {
    pqxx::read_transaction work(connection);
    std::map<int, AppliedRow> applied;
    if (!migrations_table_exists(work)) return applied;
    const pqxx::result rows = work.exec(
        "SELECT version, name, checksum,"
        " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        " FROM schema_migrations ORDER BY version");
    for (const auto& row : rows)
      applied[row[0].as<int>()] = AppliedRow{row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>()};
    return applied;
  });
}

std::vector<MigrationState> states_of(const std::map<int, AppliedRow>& applied, const std::vector<Migration>& known) {
  std::map<int, MigrationState> states;
  for (const auto& [version, row] : applied)
    states[version] = MigrationState{version, row.name, MigrationState::State::Unknown, row.applied_at};
  for (const auto& migration : known) {
    const auto row = applied.find(migration.version);
    if (row == applied.end()) {
      states[migration.version] = MigrationState{migration.version, migration.name, MigrationState::State::Pending, ""};
    } else {
      const bool edited = row->second.checksum != migration.checksum;
      states[migration.version] = MigrationState{migration.version, migration.name,
                                                 edited ? MigrationState::State::Edited : MigrationState::State::Applied,
                                                 row->second.applied_at};
    }
  }
  std::vector<MigrationState> ordered;
  for (auto& [version, state] : states) ordered.push_back(std::move(state));
  return ordered;
}

/// The highest version recorded in the database (0: none).
int database_version(const std::map<int, AppliedRow>& applied) { return applied.empty() ? 0 : applied.rbegin()->first; }

/// Throws SchemaNewer when the database has migrations `known` lacks, and Migration when an
/// applied one was edited: the two states in which neither migrating nor running is safe.
void refuse_unknown_or_edited(const std::map<int, AppliedRow>& applied, const std::vector<Migration>& known) {
  const int known_version = known.empty() ? 0 : known.back().version;
  for (const auto& [version, row] : applied) {
    const bool is_known = std::any_of(known.begin(), known.end(), [&](const Migration& m) { return m.version == version; });
    if (!is_known)
      throw StoreError(StoreError::Kind::SchemaNewer,
                       "the database schema is at version " + std::to_string(database_version(applied)) +
                           ", newer than this smoops knows (" + std::to_string(known_version) + "; " + row.name +
                           " is not one of its migrations); upgrade smoops");
  }
  for (const auto& migration : known) {
    const auto row = applied.find(migration.version);
    if (row != applied.end() && row->second.checksum != migration.checksum)
      throw StoreError(StoreError::Kind::Migration,
                       "migration " + migration.name + " was edited after it was applied (checksum in database " +
                           row->second.checksum.substr(0, 12) + "…, file " + migration.checksum.substr(0, 12) +
                           "…); restore it and put the change in a new migration");
  }
}

/// Holds the migration advisory lock of the connection's session from construction to
/// destruction, whatever ends the scope.
class MigrationLock {
 public:
  explicit MigrationLock(pqxx::connection& connection) : connection_(connection) {
    with_store_errors("taking the migration lock", [&] {
      pqxx::nontransaction work(connection_);
      if (work.exec1("SELECT pg_try_advisory_lock(" + std::to_string(kMigrationLockKey) + ")")[0].as<bool>()) return;
      spdlog::info("store: another process is migrating this database; waiting for it to finish");
      work.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
    });
  }
  ~MigrationLock() {
    try {
      pqxx::nontransaction work(connection_);
      work.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    } catch (const std::exception& e) {
      // A lost connection took the lock with it; anything else leaves it to the session's end.
      spdlog::debug("store: could not release the migration lock: {}", e.what());
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  pqxx::connection& connection_;
};

/// Applies one migration and records it, in one transaction: all of it or nothing.
void apply(pqxx::connection& connection, const Migration& migration, int database_version_before) {
  // The server's message goes last: it may span lines (LINE n: ... and a caret under the error).
  const std::string nothing_applied = "nothing of it was applied (the database stays at version " +
                                      std::to_string(database_version_before) + "): ";
  try {
    pqxx::work work(connection, "migration");
    work.exec(migration.sql);
    work.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", migration.version,
                     migration.name, migration.checksum);
    work.commit();
  } catch (const pqxx::in_doubt_error&) {
    throw StoreError(StoreError::Kind::Migration, "lost the connection while committing migration " + migration.name +
                                                      ": it may or may not be applied; run `smoops db status` to see");
  } catch (const pqxx::broken_connection& e) {
    throw StoreError(StoreError::Kind::Unreachable, "lost the connection to the database while applying migration " +
                                                        migration.name + "; " + nothing_applied + trimmed(e.what()));
  } catch (const pqxx::sql_error& e) {
    throw StoreError(StoreError::Kind::Migration,
                     "migration " + migration.name + " failed; " + nothing_applied + trimmed(e.what()));
  }
}

}  // namespace

const std::vector<Migration>& bundled_migrations() {
  static const std::vector<Migration> migrations = [] {
    std::vector<Migration> list;
    for (const auto& file : embedded_migration_files())
      list.push_back(Migration{file.version, std::string(file.name), std::string(file.bytes), sha256_hex(std::string(file.bytes))});
    std::sort(list.begin(), list.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
    return list;
  }();
  return migrations;
}

std::vector<MigrationState> migration_status(pqxx::connection& connection, const std::vector<Migration>& known) {
  check_known(known);
  return states_of(read_applied(connection), known);
}

int migrate(pqxx::connection& connection, const std::vector<Migration>& known,
            const std::function<void(const Migration&, std::chrono::milliseconds)>& on_applied) {
  check_known(known);
  const MigrationLock lock(connection);

  // Under the lock nobody else creates it, so checking first is race-free (and avoids the
  // NOTICE of CREATE TABLE IF NOT EXISTS).
  with_store_errors("creating schema_migrations", [&] {
    pqxx::work work(connection);
    if (migrations_table_exists(work)) return;
    work.exec(
        "CREATE TABLE schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    work.commit();
  });

  const std::map<int, AppliedRow> applied = read_applied(connection);
  refuse_unknown_or_edited(applied, known);

  int count = 0;
  int version = database_version(applied);
  for (const auto& migration : known) {
    if (applied.count(migration.version)) continue;
    const auto started = std::chrono::steady_clock::now();
    apply(connection, migration, version);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    version = std::max(version, migration.version);
    ++count;
    if (on_applied)
      on_applied(migration, elapsed);
    else
      spdlog::info("store: applied migration {} ({} ms)", migration.name, elapsed.count());
  }
  return count;
}

void require_current_schema(pqxx::connection& connection, const std::vector<Migration>& known) {
  check_known(known);
  const std::map<int, AppliedRow> applied = read_applied(connection);
  refuse_unknown_or_edited(applied, known);
  const auto pending = static_cast<int>(
      std::count_if(known.begin(), known.end(), [&](const Migration& m) { return applied.count(m.version) == 0; }));
  if (pending == 0) return;
  const std::string at = applied.empty() ? "the database has no smoops schema yet (version 0)"
                                         : "the database schema is at version " + std::to_string(database_version(applied));
  throw StoreError(StoreError::Kind::SchemaBehind,
                   at + ", this smoops needs " + std::to_string(known.back().version) + " (" + std::to_string(pending) +
                       (pending == 1 ? " migration" : " migrations") + " pending): run `smoops db migrate`");
}

}  // namespace smoops::store
