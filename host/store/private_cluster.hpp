#pragma once
// The zero-config database: a PostgreSQL cluster that smoops creates and runs itself under a
// state directory (`<state_dir>/postgres`), listening only on a Unix socket in that folder.
// PostgreSQL refuses to run as root, so when smoops runs as root the cluster belongs to the
// `postgres` system user (the folders are handed to it); otherwise to the user running smoops.

#include <filesystem>
#include <memory>
#include <string>

namespace smoops::store {

class PrivateCluster {
 public:
  /// Creates the cluster the first time (initdb, database "smoops"), starts it unless it is
  /// running already, and waits until it accepts connections. Start-up is serialized with a lock
  /// file so that two processes never start it twice. Throws StoreError (Cluster) saying what
  /// failed, with the server log's last lines.
  /// `stop_on_exit`: stop the server in the destructor even if another process started it
  /// (smoopsd, the cluster's manager); otherwise only a server this object started is stopped,
  /// and only when no other PrivateCluster object (in any process) still uses it.
  static std::unique_ptr<PrivateCluster> ensure_running(const std::filesystem::path& state_dir, bool stop_on_exit);
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  /// "host=<socket dir> port=<port> user=smoops dbname=smoops".
  std::string dsn() const;
  const std::filesystem::path& directory() const { return directory_; }
  /// Whether this object started the server (false: it was running already).
  bool started_here() const { return started_here_; }
  /// Stops the server now (fast shutdown); idempotent.
  void stop();
  /// Leaves the server running when this object is destroyed (`smoops db start`).
  void keep_running() { keep_running_ = true; }
  /// Whether a server is running in `<state_dir>/postgres` (no side effects).
  static bool is_running(const std::filesystem::path& state_dir);
  /// The DSN of the cluster under `state_dir`, running or not.
  static std::string dsn(const std::filesystem::path& state_dir);
  /// Stops the server under `state_dir` if one runs (fast shutdown); returns whether one did.
  /// Throws StoreError (Cluster) when it does not stop.
  static bool stop_if_running(const std::filesystem::path& state_dir);

 private:
  PrivateCluster(std::filesystem::path directory, bool started_here, bool stop_on_exit, int users_lock_fd);
  /// The destructor's stop for a server this object started: skipped while others use it.
  void stop_unless_used_elsewhere();
  std::filesystem::path directory_;
  bool started_here_;
  bool stop_on_exit_;
  bool stopped_ = false;
  bool keep_running_ = false;
  int users_lock_fd_;  ///< a shared flock on users.lock, held while this object lives
};

}  // namespace smoops::store
