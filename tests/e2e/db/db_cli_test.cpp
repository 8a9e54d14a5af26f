// `smoops db migrate` and `smoops db status` as a user runs them: the real binary against a
// database of the test server, given with --dsn.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/migrations.hpp"
#include "support/child_process.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

const std::string kSmoops = (test::bin_dir() / "smoops").string();

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// `text` with every run of spaces made one space: table rows compared without their padding.
std::string squeezed(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' || out.empty() || out.back() != ' ') out += c;
  return out;
}

class DbCli : public ::testing::Test {
 protected:
  test::ProcessResult smoops(std::vector<std::string> args) {
    args.insert(args.begin(), kSmoops);
    return test::run_process(args, scratch_.path());
  }
  std::string query_one(const std::string& sql) {
    pqxx::connection connection(database_.dsn());
    pqxx::read_transaction work(connection);
    return work.exec1(sql)[0].as<std::string>();
  }
  std::string latest_version() const { return std::to_string(store::bundled_migrations().back().version); }

  test::TestDatabase database_;
  test::TempDir scratch_;
};

TEST_F(DbCli, StatusOfAFreshDatabaseIsBehindWithExitCode11) {
  const auto status = smoops({"db", "status", "--dsn", database_.dsn()});
  EXPECT_EQ(status.exit_code, 11) << status.out << status.err;
  EXPECT_TRUE(contains(squeezed(status.out), "VERSION NAME STATE APPLIED_AT\n")) << status.out;
  EXPECT_TRUE(contains(squeezed(status.out), "1 0001_initial.sql pending -\n")) << status.out;
  EXPECT_TRUE(contains(status.out, "run `smoops db migrate`")) << status.out;
}

TEST_F(DbCli, MigrateAppliesEverythingOnceThenStatusIsCurrent) {
  const auto first = smoops({"db", "migrate", "--dsn", database_.dsn()});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  for (const auto& migration : store::bundled_migrations())
    EXPECT_TRUE(contains(first.out, "applied " + migration.name + " (")) << first.out;
  EXPECT_TRUE(contains(first.out, "schema is current at version " + latest_version() + "\n")) << first.out;
  EXPECT_EQ(query_one("SELECT count(*) FROM schema_migrations"), std::to_string(store::bundled_migrations().size()));

  const auto second = smoops({"db", "migrate", "--dsn", database_.dsn()});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_FALSE(contains(second.out, "applied ")) << second.out;
  EXPECT_TRUE(contains(second.out, "nothing to apply")) << second.out;

  const auto status = smoops({"db", "status", "--dsn", database_.dsn()});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_TRUE(contains(squeezed(status.out), "1 0001_initial.sql applied 20")) << status.out;
  EXPECT_TRUE(contains(status.out, "schema is current at version " + latest_version())) << status.out;
}

TEST_F(DbCli, StatusJsonSaysWhetherTheSchemaIsCurrent) {
  const auto behind = smoops({"db", "status", "--json", "--dsn", database_.dsn()});
  EXPECT_EQ(behind.exit_code, 11) << behind.err;
  const auto before = nlohmann::json::parse(behind.out);
  EXPECT_EQ(before["current"], false);
  EXPECT_EQ(before["version"], 0);
  EXPECT_TRUE(contains(before["problem"].get<std::string>(), "smoops db migrate"));
  EXPECT_EQ(before["migrations"][0]["name"], "0001_initial.sql");
  EXPECT_EQ(before["migrations"][0]["state"], "pending");
  EXPECT_TRUE(before["migrations"][0]["applied_at"].is_null());

  ASSERT_EQ(smoops({"db", "migrate", "--dsn", database_.dsn()}).exit_code, 0);
  const auto current = smoops({"db", "status", "--json", "--dsn", database_.dsn()});
  EXPECT_EQ(current.exit_code, 0) << current.err;
  const auto after = nlohmann::json::parse(current.out);
  EXPECT_EQ(after["current"], true);
  EXPECT_TRUE(after["problem"].is_null());
  EXPECT_EQ(after["version"], store::bundled_migrations().back().version);
  EXPECT_EQ(after["required_version"], store::bundled_migrations().back().version);
  EXPECT_EQ(after["migrations"][0]["state"], "applied");
  EXPECT_TRUE(after["migrations"][0]["applied_at"].is_string());
}

TEST_F(DbCli, ADatabaseFromANewerSmoopsIsRefusedByMigrateAndStatus) {
  ASSERT_EQ(smoops({"db", "migrate", "--dsn", database_.dsn()}).exit_code, 0);
  {
    pqxx::connection connection(database_.dsn());
    pqxx::work work(connection);
    work.exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')");
    work.commit();
  }
  const auto migrate = smoops({"db", "migrate", "--dsn", database_.dsn()});
  EXPECT_EQ(migrate.exit_code, 11);
  EXPECT_TRUE(contains(migrate.err, "the database schema is at version 9999, newer than this smoops knows")) << migrate.err;
  EXPECT_TRUE(contains(migrate.err, "upgrade smoops")) << migrate.err;

  const auto status = smoops({"db", "status", "--dsn", database_.dsn()});
  EXPECT_EQ(status.exit_code, 11);
  EXPECT_TRUE(contains(squeezed(status.out), "9999 9999_future.sql unknown 20")) << status.out;
  EXPECT_TRUE(contains(status.out, "upgrade smoops")) << status.out;
}

TEST_F(DbCli, AnEditedMigrationIsReportedByStatusAndRefusedByMigrate) {
  ASSERT_EQ(smoops({"db", "migrate", "--dsn", database_.dsn()}).exit_code, 0);
  {
    pqxx::connection connection(database_.dsn());
    pqxx::work work(connection);
    work.exec("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");
    work.commit();
  }
  const auto status = smoops({"db", "status", "--dsn", database_.dsn()});
  EXPECT_EQ(status.exit_code, 11);
  EXPECT_TRUE(contains(squeezed(status.out), "1 0001_initial.sql edited 20")) << status.out;
  const auto migrate = smoops({"db", "migrate", "--dsn", database_.dsn()});
  EXPECT_EQ(migrate.exit_code, 11);
  EXPECT_TRUE(contains(migrate.err, "migration 0001_initial.sql was edited after it was applied")) << migrate.err;
}

TEST_F(DbCli, TwoMigratesAtOnceBothSucceedAndApplyEachMigrationOnce) {
  test::ChildProcess a({kSmoops, "db", "migrate", "--dsn", database_.dsn()}, scratch_.path(), "a");
  test::ChildProcess b({kSmoops, "db", "migrate", "--dsn", database_.dsn()}, scratch_.path(), "b");
  EXPECT_EQ(a.wait(std::chrono::seconds(60)), 0) << a.out() << a.err();
  EXPECT_EQ(b.wait(std::chrono::seconds(60)), 0) << b.out() << b.err();
  // Each migration is applied by exactly one of them.
  for (const auto& migration : store::bundled_migrations())
    EXPECT_EQ(contains(a.out(), "applied " + migration.name) + contains(b.out(), "applied " + migration.name), 1)
        << a.out() << b.out();
  EXPECT_EQ(query_one("SELECT count(*) FROM schema_migrations"), std::to_string(store::bundled_migrations().size()));
}

TEST_F(DbCli, AnUnreachableServerIsExitCode10WithAClearMessage) {
  const auto migrate = smoops({"db", "migrate", "--dsn", "host=/nonexistent password=hunter2"});
  EXPECT_EQ(migrate.exit_code, 10) << migrate.out << migrate.err;
  EXPECT_TRUE(contains(migrate.err, "error:")) << migrate.err;
  EXPECT_TRUE(contains(migrate.err, "/nonexistent")) << migrate.err;
  EXPECT_FALSE(contains(migrate.out + migrate.err, "hunter2")) << "the password must never be shown";

  const auto status = smoops({"db", "status", "--dsn", "host=/nonexistent"});
  EXPECT_EQ(status.exit_code, 10) << status.out << status.err;
}

TEST_F(DbCli, AMalformedDsnIsExitCode10) {
  const auto result = smoops({"db", "migrate", "--dsn", "host=/tmp port"});
  EXPECT_EQ(result.exit_code, 10) << result.out << result.err;
  EXPECT_TRUE(contains(result.err, "error:")) << result.err;
}

TEST_F(DbCli, UnexpectedArgumentsAreUsageErrors) {
  EXPECT_EQ(smoops({"db", "migrate", "now", "--dsn", database_.dsn()}).exit_code, 2);
  EXPECT_EQ(smoops({"db", "migrate", "--json", "--dsn", database_.dsn()}).exit_code, 2);
  EXPECT_EQ(smoops({"db", "status", "--bogus"}).exit_code, 2);
}

}  // namespace
}  // namespace smoops
