// Schema migrations against a real PostgreSQL server: the bundled migrations, and lists made up
// by the tests (edited, failing, newer, slow) to drive every path of the runner.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "store/migrations.hpp"
#include "store/store_error.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace smoops::store {
namespace {

using State = MigrationState::State;

Migration make_migration(int version, const std::string& name, const std::string& sql) {
  return Migration{version, name, sql, sha256_hex(sql)};
}

const Migration kCreateA = make_migration(1, "0001_create_a.sql", "CREATE TABLE a (id integer PRIMARY KEY);");
const Migration kCreateB = make_migration(2, "0002_create_b.sql", "CREATE TABLE b (id integer PRIMARY KEY);");

/// Runs `body` and returns the StoreError it throws (failing the test when it throws none).
template <typename Body>
StoreError store_error_of(Body&& body) {
  try {
    body();
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a StoreError";
  return StoreError(StoreError::Kind::Query, "(none thrown)");
}

std::vector<std::string> column(pqxx::connection& connection, const std::string& sql) {
  pqxx::read_transaction work(connection);
  std::vector<std::string> values;
  for (const auto& row : work.exec(sql)) values.push_back(row[0].is_null() ? "NULL" : row[0].as<std::string>());
  return values;
}

bool table_exists(pqxx::connection& connection, const std::string& table) {
  return column(connection, "SELECT to_regclass('" + table + "') IS NOT NULL")[0] == "t";
}

/// schema_migrations as "version|name|checksum|applied_at" lines.
std::vector<std::string> migration_rows(pqxx::connection& connection) {
  return column(connection,
                "SELECT version || '|' || name || '|' || checksum || '|' || applied_at::text"
                " FROM schema_migrations ORDER BY version");
}

class Migrations : public ::testing::Test {
 protected:
  test::TestDatabase database_;
  pqxx::connection connection_{database_.dsn()};
};

TEST(BundledMigrations, AreTheFilesOfTheMigrationsFolderByteForByte) {
  const std::filesystem::path folder = test::test_source_dir().parent_path() / "migrations";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  const auto& bundled = bundled_migrations();
  ASSERT_FALSE(bundled.empty());
  ASSERT_EQ(bundled.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bundled[i].name, files[i].filename().string());
    EXPECT_EQ(bundled[i].version, std::stoi(files[i].filename().string().substr(0, 4)));
    EXPECT_EQ(bundled[i].sql, bytes.str()) << files[i];
    EXPECT_EQ(bundled[i].checksum, sha256_hex(bytes.str()));
  }
}

TEST_F(Migrations, FreshApplyCreatesEveryTableOfTheSchema) {
  const auto& bundled = bundled_migrations();
  EXPECT_EQ(migrate(connection_, bundled), static_cast<int>(bundled.size()));

  const auto tables = column(connection_,
                             "SELECT table_name FROM information_schema.tables"
                             " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
  for (const char* table : {"bots", "runs", "orders", "order_events", "fills", "positions", "equity",
                            "backtest_trades", "schema_migrations"})
    EXPECT_NE(std::find(tables.begin(), tables.end(), table), tables.end()) << "missing table " << table;

  const auto rows = migration_rows(connection_);
  ASSERT_EQ(rows.size(), bundled.size());
  for (std::size_t i = 0; i < bundled.size(); ++i)
    EXPECT_EQ(rows[i].rfind(std::to_string(bundled[i].version) + "|" + bundled[i].name + "|" + bundled[i].checksum + "|", 0), 0u)
        << rows[i];
  EXPECT_NO_THROW(require_current_schema(connection_, bundled));
  for (const auto& state : migration_status(connection_, bundled)) {
    EXPECT_EQ(state.state, State::Applied) << state.name;
    EXPECT_EQ(state.applied_at.size(), std::string("2026-01-01T00:00:00Z").size()) << state.applied_at;
  }
}

TEST_F(Migrations, ReapplyingIsANoOp) {
  const auto& bundled = bundled_migrations();
  migrate(connection_, bundled);
  const auto before = migration_rows(connection_);
  const auto tables_before = column(connection_, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()");

  EXPECT_EQ(migrate(connection_, bundled), 0);
  EXPECT_EQ(migration_rows(connection_), before);
  EXPECT_EQ(column(connection_, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"),
            tables_before);
}

TEST_F(Migrations, MoneyColumnsAreExactNumericsAndNothingIsFloatingPoint) {
  migrate(connection_, bundled_migrations());
  const auto floating = column(connection_,
                               "SELECT table_name || '.' || column_name FROM information_schema.columns"
                               " WHERE table_schema = current_schema() AND data_type IN ('real', 'double precision')");
  EXPECT_TRUE(floating.empty()) << "floating-point columns: " << ::testing::PrintToString(floating);

  // Every numeric column holds the engine's fixed-point values: numeric(28, 8).
  const auto numerics = column(connection_,
                               "SELECT table_name || '.' || column_name || ' ' || coalesce(numeric_precision::text, '?')"
                               " || ',' || coalesce(numeric_scale::text, '?') FROM information_schema.columns"
                               " WHERE table_schema = current_schema() AND data_type = 'numeric'");
  EXPECT_GE(numerics.size(), 20u);
  for (const auto& described : numerics) EXPECT_NE(described.find(" 28,8"), std::string::npos) << described;
  for (const char* money : {"fills.price", "fills.quantity", "fills.fee", "positions.cash", "positions.realized_pnl",
                            "equity.equity", "orders.limit_price", "backtest_trades.pnl", "runs.initial_cash"})
    EXPECT_NE(std::find(numerics.begin(), numerics.end(), std::string(money) + " 28,8"), numerics.end()) << money;
}

TEST_F(Migrations, AppliesOnlyThePendingOnesInOrder) {
  EXPECT_EQ(migrate(connection_, {kCreateA}), 1);
  EXPECT_EQ(migrate(connection_, {kCreateA, kCreateB}), 1);
  EXPECT_TRUE(table_exists(connection_, "b"));
  EXPECT_EQ(column(connection_, "SELECT version FROM schema_migrations ORDER BY version"),
            (std::vector<std::string>{"1", "2"}));
}

TEST_F(Migrations, ReportsEachAppliedMigrationToTheCaller) {
  std::vector<std::string> reported;
  migrate(connection_, {kCreateA, kCreateB}, [&](const Migration& m, std::chrono::milliseconds) { reported.push_back(m.name); });
  EXPECT_EQ(reported, (std::vector<std::string>{"0001_create_a.sql", "0002_create_b.sql"}));
}

TEST_F(Migrations, AnEditedAppliedMigrationIsRefused) {
  migrate(connection_, {kCreateA});
  const Migration edited = make_migration(1, "0001_create_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);");

  const StoreError error = store_error_of([&] { migrate(connection_, {edited, kCreateB}); });
  EXPECT_EQ(error.kind(), StoreError::Kind::Migration);
  const std::string message = error.what();
  EXPECT_NE(message.find("migration 0001_create_a.sql was edited after it was applied"), std::string::npos) << message;
  EXPECT_NE(message.find("checksum in database " + kCreateA.checksum.substr(0, 12)), std::string::npos) << message;
  EXPECT_NE(message.find("file " + edited.checksum.substr(0, 12)), std::string::npos) << message;
  EXPECT_NE(message.find("restore it and put the change in a new migration"), std::string::npos) << message;
  EXPECT_FALSE(table_exists(connection_, "b")) << "nothing is applied after a refusal";

  EXPECT_EQ(store_error_of([&] { require_current_schema(connection_, {edited}); }).kind(), StoreError::Kind::Migration);
  const auto states = migration_status(connection_, {edited, kCreateB});
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].state, State::Edited);
  EXPECT_EQ(states[1].state, State::Pending);
}

TEST_F(Migrations, AFailingMigrationLeavesNothingOfItAndKeepsTheEarlierOnes) {
  // Its first statement succeeds, its second fails: the first must be rolled back with it.
  const Migration failing = make_migration(2, "0002_broken.sql",
                                           "CREATE TABLE half_done (id integer);\n"
                                           "INSERT INTO no_such_table VALUES (1);\n");
  const StoreError error = store_error_of([&] { migrate(connection_, {kCreateA, failing}); });
  EXPECT_EQ(error.kind(), StoreError::Kind::Migration);
  const std::string message = error.what();
  EXPECT_NE(message.find("migration 0002_broken.sql failed; nothing of it was applied (the database stays at version 1)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("relation \"no_such_table\" does not exist"), std::string::npos) << message;

  EXPECT_TRUE(table_exists(connection_, "a"));
  EXPECT_FALSE(table_exists(connection_, "half_done"));
  EXPECT_EQ(column(connection_, "SELECT version FROM schema_migrations"), (std::vector<std::string>{"1"}));
  const auto states = migration_status(connection_, {kCreateA, failing});
  EXPECT_EQ(states[0].state, State::Applied);
  EXPECT_EQ(states[1].state, State::Pending);

  // Fixed (it was never applied, so it may still change), it applies.
  const Migration fixed = make_migration(2, "0002_broken.sql", "CREATE TABLE half_done (id integer);\n");
  EXPECT_EQ(migrate(connection_, {kCreateA, fixed}), 1);
  EXPECT_TRUE(table_exists(connection_, "half_done"));
}

TEST_F(Migrations, TheLockIsReleasedWhenAMigrationFails) {
  const Migration failing = make_migration(1, "0001_broken.sql", "SELECT 1/0;");
  EXPECT_THROW(migrate(connection_, {failing}), StoreError);
  // The same session is still open: had it kept the lock, this would count it.
  EXPECT_EQ(column(connection_, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"), (std::vector<std::string>{"0"}));
  pqxx::connection other(database_.dsn());
  auto done = std::async(std::launch::async, [&] { return migrate(other, {kCreateA}); });
  ASSERT_EQ(done.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "migrate is blocked on a leaked lock";
  EXPECT_EQ(done.get(), 1);
}

TEST_F(Migrations, ADatabaseMigratedByANewerSmoopsIsRefused) {
  migrate(connection_, {kCreateA, kCreateB});

  const StoreError error = store_error_of([&] { migrate(connection_, {kCreateA}); });
  EXPECT_EQ(error.kind(), StoreError::Kind::SchemaNewer);
  const std::string message = error.what();
  EXPECT_NE(message.find("the database schema is at version 2, newer than this smoops knows (1"), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade smoops"), std::string::npos) << message;

  EXPECT_EQ(store_error_of([&] { require_current_schema(connection_, {kCreateA}); }).kind(), StoreError::Kind::SchemaNewer);
  const auto states = migration_status(connection_, {kCreateA});
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[1].state, State::Unknown);
  EXPECT_EQ(states[1].name, "0002_create_b.sql");
}

TEST_F(Migrations, RequireCurrentSchemaSaysWhatToRunWhenBehind) {
  const StoreError fresh = store_error_of([&] { require_current_schema(connection_, {kCreateA, kCreateB}); });
  EXPECT_EQ(fresh.kind(), StoreError::Kind::SchemaBehind);
  EXPECT_NE(std::string(fresh.what()).find("2 migrations pending): run `smoops db migrate`"), std::string::npos) << fresh.what();
  for (const auto& state : migration_status(connection_, {kCreateA, kCreateB})) EXPECT_EQ(state.state, State::Pending);

  migrate(connection_, {kCreateA});
  const StoreError behind = store_error_of([&] { require_current_schema(connection_, {kCreateA, kCreateB}); });
  EXPECT_EQ(behind.kind(), StoreError::Kind::SchemaBehind);
  EXPECT_NE(std::string(behind.what()).find("the database schema is at version 1, this smoops needs 2 (1 migration pending)"),
            std::string::npos)
      << behind.what();

  migrate(connection_, {kCreateA, kCreateB});
  EXPECT_NO_THROW(require_current_schema(connection_, {kCreateA, kCreateB}));
}

TEST_F(Migrations, ConcurrentMigratesApplyEachMigrationExactlyOnce) {
  // A slow migration widens the window in which an unserialized runner would apply it twice.
  std::vector<Migration> known = bundled_migrations();
  known.push_back(make_migration(9000, "9000_slow.sql", "SELECT pg_sleep(0.3); CREATE TABLE slow_marker (id integer);"));

  constexpr int kRunners = 6;
  std::vector<std::unique_ptr<pqxx::connection>> connections;
  for (int i = 0; i < kRunners; ++i) connections.push_back(std::make_unique<pqxx::connection>(database_.dsn()));
  std::atomic<int> ready{0};
  std::vector<std::future<int>> runs;
  for (int i = 0; i < kRunners; ++i)
    runs.push_back(std::async(std::launch::async, [&, i] {
      ++ready;
      while (ready.load() < kRunners) std::this_thread::yield();
      return migrate(*connections[i], known);
    }));
  int applied = 0;
  for (auto& run : runs) applied += run.get();  // rethrows a runner's failure

  EXPECT_EQ(applied, static_cast<int>(known.size()));
  EXPECT_EQ(column(connection_, "SELECT count(*) FROM schema_migrations"),
            (std::vector<std::string>{std::to_string(known.size())}));
  EXPECT_NO_THROW(require_current_schema(connection_, known));
}

TEST_F(Migrations, AListThatIsNotSortedByVersionIsRefused) {
  EXPECT_EQ(store_error_of([&] { migrate(connection_, {kCreateB, kCreateA}); }).kind(), StoreError::Kind::Migration);
  EXPECT_EQ(store_error_of([&] { migrate(connection_, {kCreateA, kCreateA}); }).kind(), StoreError::Kind::Migration);
  EXPECT_FALSE(table_exists(connection_, "a"));
}

}  // namespace
}  // namespace smoops::store
