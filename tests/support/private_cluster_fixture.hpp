#pragma once
// Helpers of the private cluster's tests: a state directory the cluster's owner can enter, the
// server's pid, and one-value queries.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "store/database.hpp"
#include "support/temp_dir.hpp"

namespace smoops::test {

/// A state directory in the test's temp dir. As root the cluster runs as `postgres`, which must
/// be able to enter it (TempDir's mode depends on the umask). TempDir's name holds the test's:
/// keep test names under 50 characters, or the socket path passes the 107 bytes allowed.
inline std::filesystem::path state_dir(const TempDir& dir) {
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  return dir.path();
}

/// The postmaster's pid, from its pid file (0 when there is none).
inline pid_t postmaster_pid(const std::filesystem::path& state) {
  std::ifstream in(state / "postgres" / "data" / "postmaster.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

/// Waits until no process has `pid` (a SIGKILLed postmaster's children notice and exit too).
inline bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (::kill(pid, 0) == 0) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// The first value of the first row `sql` returns.
inline std::string query_one(const std::string& dsn, const std::string& sql) {
  const auto connection = store::connect(dsn);
  return pqxx::nontransaction(*connection).exec(sql)[0][0].c_str();
}

}  // namespace smoops::test
