// `smoops db start|stop|dsn` and the store options, run as a user runs them: the real binary,
// its exit codes, what it prints.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/private_cluster.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/test_paths.hpp"

namespace smoops::test {
namespace {

namespace fs = std::filesystem;

/// A scratch folder for the command's output and a state directory beside it; as root the
/// cluster runs as `postgres`, which must be able to enter the temp dir.
class DbClusterCli : public ::testing::Test {
 protected:
  DbClusterCli() {
    fs::permissions(dir_.path(), fs::perms(0755));
    fs::create_directories(scratch_);
  }
  ~DbClusterCli() override {
    // A failed test must not leave a server behind.
    try {
      store::PrivateCluster::stop_if_running(state_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  ProcessResult smoops(std::vector<std::string> args) {
    args.insert(args.begin(), (bin_dir() / "smoops").string());
    return run_process(args, scratch_);
  }
  const fs::path& state() const { return state_; }
  /// Writes a file into the test's temp dir.
  fs::path write(const std::string& name, const std::string& text) const { return dir_.write(name, text); }
  std::string expected_dsn() const {
    return "host=" + (state_ / "postgres").string() + " port=5432 user=smoops dbname=smoops";
  }

 private:
  TempDir dir_;
  fs::path scratch_ = dir_.path() / "out";
  fs::path state_ = dir_.path() / "s";
};

TEST_F(DbClusterCli, StartPrintsTheDsnAndLeavesTheServerRunning) {
  const auto start = smoops({"db", "start", "--state-dir", state().string()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(start.out, expected_dsn() + "\n");
  EXPECT_NE(start.err.find("started the private PostgreSQL cluster in " + (state() / "postgres").string()),
            std::string::npos)
      << start.err;
  // smoops has exited; the server has not.
  EXPECT_TRUE(store::PrivateCluster::is_running(state()));
  const auto connection = store::connect(expected_dsn());
  EXPECT_EQ(pqxx::nontransaction(*connection).exec("SELECT current_user")[0][0].as<std::string>(), "smoops");

  const auto again = smoops({"db", "start", "--state-dir", state().string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, expected_dsn() + "\n");
  EXPECT_EQ(again.err.find("started"), std::string::npos) << again.err;
}

TEST_F(DbClusterCli, DsnPrintsTheDsnOfTheRunningCluster) {
  const auto before = smoops({"db", "dsn", "--state-dir", state().string()});
  EXPECT_EQ(before.exit_code, 10);
  EXPECT_EQ(before.out, "");
  EXPECT_NE(before.err.find("error: the private PostgreSQL cluster in " + (state() / "postgres").string() +
                            " is not running; start it with `smoops db start --state-dir " + state().string() + "`"),
            std::string::npos)
      << before.err;
  EXPECT_FALSE(fs::exists(state() / "postgres")) << "`db dsn` must not create or start anything";

  ASSERT_EQ(smoops({"db", "start", "--state-dir", state().string()}).exit_code, 0);
  const auto running = smoops({"db", "dsn", "--state-dir", state().string()});
  EXPECT_EQ(running.exit_code, 0) << running.err;
  EXPECT_EQ(running.out, expected_dsn() + "\n");
}

TEST_F(DbClusterCli, StopStopsTheServerAndSaysSo) {
  ASSERT_EQ(smoops({"db", "start", "--state-dir", state().string()}).exit_code, 0);
  const auto stop = smoops({"db", "stop", "--state-dir", state().string()});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "stopped the private PostgreSQL cluster in " + (state() / "postgres").string() + "\n");
  EXPECT_FALSE(store::PrivateCluster::is_running(state()));
  EXPECT_THROW(store::connect(expected_dsn()), store::StoreError);

  const auto again = smoops({"db", "stop", "--state-dir", state().string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "the private PostgreSQL cluster in " + (state() / "postgres").string() + " is not running\n");
}

TEST_F(DbClusterCli, ACommandMigratesAndStopsWhatItStarted) {
  const auto runs = smoops({"runs", "list", "--state-dir", state().string()});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(runs.out, "no stored runs\n");
  EXPECT_NE(runs.err.find("store: the private PostgreSQL cluster in " + (state() / "postgres").string()),
            std::string::npos)
      << runs.err;
  EXPECT_NE(runs.err.find("migration(s) applied"), std::string::npos) << runs.err;
  EXPECT_FALSE(store::PrivateCluster::is_running(state())) << "the server the command started is still running";

  // The schema stays: the next command finds it current and applies nothing.
  const auto status = smoops({"db", "status", "--state-dir", state().string()});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_EQ(smoops({"runs", "list", "--state-dir", state().string()}).err.find("applied"), std::string::npos);
}

TEST_F(DbClusterCli, ACommandLeavesARunningClusterRunning) {
  ASSERT_EQ(smoops({"db", "start", "--state-dir", state().string()}).exit_code, 0);
  const auto runs = smoops({"runs", "list", "--state-dir", state().string()});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_TRUE(store::PrivateCluster::is_running(state()));
}

TEST_F(DbClusterCli, ClusterCommandsRefuseStrayArguments) {
  const auto result = smoops({"db", "start", "now", "--state-dir", state().string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("error: unexpected argument 'now'"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(state()));
}

TEST_F(DbClusterCli, MalformedDsnExits10) {
  const auto result = smoops({"db", "status", "--dsn", "host=/tmp password=hunter2pw dbnam"});
  EXPECT_EQ(result.exit_code, 10);
  EXPECT_NE(result.err.find("error: cannot connect to PostgreSQL at host=/tmp password=*** dbnam: "), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("hunter2pw"), std::string::npos) << result.err;
}

TEST_F(DbClusterCli, WrongPasswordExits10WithoutShowingIt) {
  const std::string role = "t_cli_role_" + std::to_string(::getpid());
  {
    pqxx::connection admin(server_dsn());
    pqxx::nontransaction work(admin);
    work.exec("DROP ROLE IF EXISTS " + role);
    work.exec("CREATE ROLE " + role + " LOGIN PASSWORD 'the-right-one'");
  }
  std::string dsn = server_dsn();
  dsn.replace(dsn.find("user=smoops"), 11, "user=" + role + " password=not-the-right-one");
  const auto result = smoops({"db", "status", "--dsn", dsn});
  {
    pqxx::connection admin(server_dsn());
    pqxx::nontransaction(admin).exec("DROP ROLE IF EXISTS " + role);
  }
  EXPECT_EQ(result.exit_code, 10);
  EXPECT_NE(result.err.find("password authentication failed for user \"" + role + "\""), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("not-the-right-one"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("not-the-right-one"), std::string::npos) << result.out;
}

TEST_F(DbClusterCli, DsnAndDaemonConfigTogetherIsAUsageError) {
  const auto config = write("smoopsd.yaml", "store:\n  dsn: host=/tmp\n");
  const auto result = smoops({"db", "status", "--dsn", "host=/tmp", "--daemon-config", config.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--dsn and --daemon-config"), std::string::npos) << result.err;
}

TEST_F(DbClusterCli, DaemonConfigWithoutStoreIsRefusedClearly) {
  const auto config = write("smoopsd.yaml", "store:\n  enabled: false\n");
  const auto result = smoops({"runs", "list", "--daemon-config", config.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("store.enabled: false"), std::string::npos) << result.err;
}

TEST_F(DbClusterCli, DaemonConfigDsnIsUsed) {
  const TestDatabase database;
  const auto config = write("smoopsd.yaml", "store:\n  dsn: \"" + database.dsn() + "\"\n");
  const auto migrate = smoops({"db", "migrate", "--daemon-config", config.string()});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_NE(migrate.out.find("database: PostgreSQL at " + database.dsn()), std::string::npos) << migrate.out;
  const auto connection = store::connect(database.dsn());
  EXPECT_GT(pqxx::nontransaction(*connection).exec("SELECT count(*) FROM schema_migrations")[0][0].as<int>(), 0);
}

}  // namespace
}  // namespace smoops::test
