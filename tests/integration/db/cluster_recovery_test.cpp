// The private cluster after a crash (issue 16): a smoops process killed while it created, started
// or stopped the cluster leaves work under way (an initdb half done, pg_ctl and a server still
// starting, a server shutting down) or a killed server's pid file. The next start waits for that
// work or recovers from it, within a bounded time, and says so in the log.

#include "store/private_cluster.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store/cluster_process.hpp"
#include "store/database.hpp"
#include "support/captured_log.hpp"
#include "support/private_cluster_fixture.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace smoops::store {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using test::postmaster_pid;
using test::query_one;
using test::state_dir;
using test::wait_gone;

fs::path data_dir(const fs::path& state) { return state / "postgres" / "data"; }

/// Runs pg_ctl on the cluster as its owner, as smoops does (`args` after `-D <data>`).
int pg_ctl(const fs::path& state, const std::vector<std::string>& args) {
  std::string bindir;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql"))
    if (fs::exists(entry.path() / "bin" / "pg_ctl")) bindir = (entry.path() / "bin").string();
  std::vector<std::string> argv{bindir + "/pg_ctl", "-D", data_dir(state).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::optional<SystemUser> owner = ::geteuid() == 0 ? find_system_user("postgres") : std::nullopt;
  std::ofstream(state / "postgres" / "test-pg_ctl.log");
  const int log = ::open((state / "postgres" / "test-pg_ctl.log").c_str(), O_WRONLY | O_CLOEXEC);
  const int code = run_program(argv, owner, state / "postgres", log);
  ::close(log);
  return code;
}

/// The options smoops starts its server with: socket only, in its own folder.
std::string server_options(const fs::path& state) {
  return "-c listen_addresses='' -c unix_socket_directories='" + (state / "postgres").string() + "' -c port=5432";
}

/// A cluster that exists, holds a table with one row, and is stopped.
void make_stopped_cluster(const fs::path& state) {
  const auto cluster = PrivateCluster::ensure_running(state, false);
  pqxx::nontransaction(*connect(cluster->dsn())).exec("CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (7)");
  cluster->stop();
}

TEST(ClusterRecovery, AnInitdbKilledHalfWayIsDoneAgain) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  // What an initdb killed with its smoops leaves: a half-built cluster beside no `data`.
  const fs::path half = state / "postgres" / "data.initdb";
  fs::create_directories(half / "base");
  std::ofstream(half / "PG_VERSION") << "15\n";

  const test::CapturedLog log;
  const auto cluster = PrivateCluster::ensure_running(state, false);
  EXPECT_TRUE(cluster->started_here());
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT current_database()"), "smoops");
  EXPECT_FALSE(fs::exists(half));
  EXPECT_TRUE(fs::exists(data_dir(state) / "global" / "pg_control"));
  EXPECT_NE(log.text().find("[warning] removing " + half.string() + ": an initdb that did not finish left it"),
            std::string::npos)
      << log.text();
}

TEST(ClusterRecovery, AStartWaitsForTheInitdbThatHoldsTheLock) {
  // A smoops killed during initdb leaves initdb running with the cluster lock (it inherited it):
  // the next start waits for the lock instead of working on the folder under it.
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  make_stopped_cluster(state);
  const int held = ::open((state / "postgres" / "cluster.lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);
  std::atomic<bool> released{false};
  auto release = std::async(std::launch::async, [held, &released] {
    std::this_thread::sleep_for(1500ms);
    released = true;
    ::close(held);
  });

  const test::CapturedLog log;
  const auto cluster = PrivateCluster::ensure_running(state, false);
  EXPECT_TRUE(released) << "it went on while the lock was held";
  release.get();
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT id FROM survivor"), "7");
  EXPECT_NE(log.text().find("[info] waiting for " + (state / "postgres" / "cluster.lock").string()),
            std::string::npos)
      << log.text();
}

TEST(ClusterRecovery, AServerStillStartingIsWaitedForAndUsed) {
  // A smoops killed during `pg_ctl start` leaves pg_ctl and the server starting, with no lock.
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  make_stopped_cluster(state);
  ASSERT_EQ(pg_ctl(state, {"-W", "-l", (state / "postgres" / "server.log").string(), "-o", server_options(state),
                           "start"}),
            0);

  // Whether it finds that server's pid file or starts one of its own that loses the race to it,
  // the start ends with the one server running.
  const auto cluster = PrivateCluster::ensure_running(state, false);
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT id FROM survivor"), "7");
  EXPECT_EQ(::kill(postmaster_pid(state), 0), 0);
  EXPECT_TRUE(PrivateCluster::stop_if_running(state));
}

TEST(ClusterRecovery, AServerShuttingDownIsWaitedForThenStarted) {
  // A smoops killed while it stopped the server leaves it shutting down: it refuses connections
  // until it is gone. A smart shutdown waits for the open session, so it lasts until we close it.
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  make_stopped_cluster(state);
  {
    const auto cluster = PrivateCluster::ensure_running(state, false);
    cluster->keep_running();
  }
  auto session = connect(PrivateCluster::dsn(state));
  ASSERT_EQ(pg_ctl(state, {"-m", "smart", "-W", "stop"}), 0);
  const pid_t old_server = postmaster_pid(state);
  auto close_session = std::async(std::launch::async, [&session] {
    std::this_thread::sleep_for(1500ms);
    session.reset();
  });

  const test::CapturedLog log;
  const auto cluster = PrivateCluster::ensure_running(state, false);
  close_session.get();
  EXPECT_TRUE(cluster->started_here());
  EXPECT_NE(postmaster_pid(state), old_server);
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT id FROM survivor"), "7");
  EXPECT_NE(log.text().find("is starting, recovering or stopping; waiting for it"), std::string::npos) << log.text();
}

TEST(ClusterRecovery, AStalePidFileNamingAnotherProgramIsRemoved) {
  // The server was killed, and its pid now belongs to another program: PostgreSQL alone would
  // take that program for a server and refuse to start.
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  make_stopped_cluster(state);
  PrivateCluster::ensure_running(state, false)->keep_running();
  const pid_t server = postmaster_pid(state);
  ASSERT_EQ(::kill(server, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(server, 10s));
  // Give the stale file the pid of a live program that is not a server.
  pid_t other = 0;
  const char* sleep_args[] = {"/bin/sleep", "30", nullptr};
  ASSERT_EQ(::posix_spawn(&other, "/bin/sleep", nullptr, nullptr, const_cast<char**>(sleep_args), environ), 0);
  {
    std::ifstream in(data_dir(state) / "postmaster.pid");
    std::string first_line;
    std::getline(in, first_line);
    const std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    std::ofstream(data_dir(state) / "postmaster.pid", std::ios::trunc) << other << '\n' << rest;
  }

  const test::CapturedLog log;
  const auto cluster = PrivateCluster::ensure_running(state, false);
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);
  EXPECT_TRUE(cluster->started_here());
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT id FROM survivor"), "7");
  EXPECT_NE(log.text().find("postmaster.pid names pid " + std::to_string(other) +
                            ", which is no longer a PostgreSQL server"),
            std::string::npos)
      << log.text();
}

TEST(ClusterRecovery, AKilledServersPidFileIsNamedAndRecovered) {
  const test::TempDir dir;
  const fs::path state = state_dir(dir);
  make_stopped_cluster(state);
  PrivateCluster::ensure_running(state, false)->keep_running();
  const pid_t server = postmaster_pid(state);
  ASSERT_EQ(::kill(server, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(server, 10s));

  const test::CapturedLog log;
  const auto cluster = PrivateCluster::ensure_running(state, false);
  EXPECT_TRUE(cluster->started_here());
  EXPECT_EQ(query_one(cluster->dsn(), "SELECT id FROM survivor"), "7");
  EXPECT_NE(log.text().find("postmaster.pid is left from a server that was killed (pid " + std::to_string(server) +
                            " is gone)"),
            std::string::npos)
      << log.text();
}

}  // namespace
}  // namespace smoops::store
