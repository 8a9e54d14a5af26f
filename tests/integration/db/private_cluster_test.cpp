// The zero-config database: smoops creates, starts, reuses and stops a PostgreSQL cluster under
// its state directory, and explains clearly when it cannot.

#include "store/private_cluster.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "store/database.hpp"
#include "store/store_error.hpp"
#include "support/private_cluster_fixture.hpp"
#include "support/temp_dir.hpp"

namespace smoops::store {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using test::postmaster_pid;
using test::query_one;
using test::state_dir;
using test::wait_gone;

/// The StoreError that ensure_running throws for `state` (fails the test when it succeeds).
StoreError start_error(const fs::path& state) {
  try {
    PrivateCluster::ensure_running(state, false);
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "the cluster started in " << state;
  return StoreError(StoreError::Kind::Query, "started");
}

TEST(PrivateCluster, FirstStartCreatesTheClusterAndItsDatabase) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  ASSERT_FALSE(PrivateCluster::is_running(state));
  const auto cluster = PrivateCluster::ensure_running(state, false);
  EXPECT_TRUE(cluster->started_here());
  EXPECT_TRUE(PrivateCluster::is_running(state));
  EXPECT_EQ(cluster->directory(), state / "postgres");
  EXPECT_EQ(cluster->dsn(), "host=" + (state / "postgres").string() + " port=5432 user=smoops dbname=smoops");
  EXPECT_EQ(cluster->dsn(), PrivateCluster::dsn(state));
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT current_database()"), "smoops");
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'smoops'"),
            "UTF8");
  // Socket only: no TCP port, and the socket's folder closed to other users (trust auth).
  EXPECT_EQ(query_one(cluster->dsn(), "SHOW listen_addresses"), "");
  EXPECT_TRUE(fs::exists(state / "postgres" / ".s.PGSQL.5432"));
  EXPECT_EQ(fs::status(state / "postgres").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_TRUE(fs::exists(state / "postgres" / "server.log"));
}

TEST(PrivateCluster, ASecondUserFindsItRunningAndLeavesItRunning) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  auto first = PrivateCluster::ensure_running(state, false);
  ASSERT_TRUE(first->started_here());
  {
    const auto second = PrivateCluster::ensure_running(state, false);
    EXPECT_FALSE(second->started_here());
    EXPECT_EQ(second->dsn(), first->dsn());
  }
  EXPECT_TRUE(PrivateCluster::is_running(state)) << "an object that did not start the server stopped it";
  first.reset();
  EXPECT_FALSE(PrivateCluster::is_running(state)) << "the object that started the server left it running";
}

TEST(PrivateCluster, StarterLeavesItRunningWhileOthersUseIt) {
  // A `smoops runs list` that started the server must not stop it under a smoopsd that came
  // along meanwhile.
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  auto starter = PrivateCluster::ensure_running(state, false);
  ASSERT_TRUE(starter->started_here());
  const auto other = PrivateCluster::ensure_running(state, false);
  starter.reset();
  EXPECT_TRUE(PrivateCluster::is_running(state));
  EXPECT_EQ(query_one(other->dsn(), "SELECT 1"), "1");
  EXPECT_TRUE(PrivateCluster::stop_if_running(state));
}

TEST(PrivateCluster, StopOnExitStopsAServerStartedElsewhere) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  PrivateCluster::ensure_running(state, false)->keep_running();
  ASSERT_TRUE(PrivateCluster::is_running(state)) << "keep_running() did not keep it running";
  {
    const auto manager = PrivateCluster::ensure_running(state, true);
    EXPECT_FALSE(manager->started_here());
  }
  EXPECT_FALSE(PrivateCluster::is_running(state));
}

TEST(PrivateCluster, StopIsIdempotent) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  const auto cluster = PrivateCluster::ensure_running(state, false);
  cluster->stop();
  EXPECT_FALSE(PrivateCluster::is_running(state));
  cluster->stop();
  EXPECT_FALSE(PrivateCluster::stop_if_running(state));
  EXPECT_THROW(connect(cluster->dsn()), StoreError);
}

TEST(PrivateCluster, RestartsAfterThePostmasterWasKilled) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  {
    const auto cluster = PrivateCluster::ensure_running(state, false);
    cluster->keep_running();
    pqxx::nontransaction(*connect(cluster->dsn()))
        .exec("CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (7)");
  }
  const pid_t pid = postmaster_pid(state);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(pid, 10s)) << "the killed postmaster " << pid << " is still there";
  ASSERT_TRUE(fs::exists(state / "postgres" / "data" / "postmaster.pid")) << "expected a stale pid file";
  EXPECT_FALSE(PrivateCluster::is_running(state));

  const auto cluster = PrivateCluster::ensure_running(state, false);
  EXPECT_TRUE(cluster->started_here());
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT id FROM survivor"), "7");
}

TEST(PrivateCluster, StartFailureShowsTheServerLog) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  PrivateCluster::ensure_running(state, false)->stop();
  std::ofstream(state / "postgres" / "data" / "postgresql.conf", std::ios::app) << "\nshared_buffers = 'lots'\n";

  const StoreError error = start_error(state);
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), StoreError::Kind::Cluster);
  EXPECT_NE(message.find("did not start"), std::string::npos) << message;
  EXPECT_NE(message.find("shared_buffers"), std::string::npos) << message;  // the server's own complaint
  EXPECT_NE(message.find((state / "postgres" / "server.log").string()), std::string::npos) << message;
}

TEST(PrivateCluster, TooLongASocketPathIsRefusedClearly) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir) / std::string(100, 'x');
  const StoreError error = start_error(state);
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), StoreError::Kind::Cluster);
  EXPECT_NE(message.find("at most 107"), std::string::npos) << message;
  EXPECT_NE(message.find("shorter --state-dir"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(state)) << "nothing should be created for a cluster that cannot work";
}

TEST(PrivateCluster, AsRootAClosedParentIsNamed) {
  // CI runs the suite as root, so it runs this test; elsewhere it is skipped, saying why.
  if (::geteuid() != 0)
    GTEST_SKIP() << "runs only as root: only root hands the private cluster to the `postgres` user, whose "
                    "access to the parent folder this test checks (CI runs the tests as root)";
  const test::TempDir dir;
  const fs::path closed = state_dir(dir) / "c";
  fs::create_directories(closed);
  fs::permissions(closed, fs::perms(0700));
  const StoreError error = start_error(closed / "s");
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), StoreError::Kind::Cluster);
  EXPECT_NE(message.find("`postgres` user"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot enter " + closed.string() + " (mode 0700)"), std::string::npos) << message;
  EXPECT_NE(message.find("--state-dir"), std::string::npos) << message;
  EXPECT_NE(message.find("/var/lib/smoops"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(closed / "s")) << "nothing should be created for a cluster that cannot work";
}

TEST(PrivateCluster, ConnectWithRetryWaitsForTheServerToComeUp) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  PrivateCluster::ensure_running(state, false)->stop();
  // The server comes up a second after the client starts trying, as at boot.
  auto starter = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(1s);
    return PrivateCluster::ensure_running(state, false);
  });
  const auto connection = connect_with_retry(PrivateCluster::dsn(state), 30s);
  EXPECT_EQ(pqxx::nontransaction(*connection).exec("SELECT current_database()")[0][0].as<std::string>(), "smoops");
  EXPECT_TRUE(starter.get()->started_here());
}

}  // namespace
}  // namespace smoops::store
