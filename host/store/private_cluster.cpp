#include "store/private_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "store/cluster_process.hpp"
#include "store/database.hpp"
#include "store/store_error.hpp"

namespace smoops::store {
namespace {

namespace fs = std::filesystem;

constexpr int kPort = 5432;  // names the socket file only: the server listens on no TCP port
constexpr const char* kRole = "smoops";
constexpr const char* kDatabase = "smoops";
constexpr int kPgCtlTimeoutS = 60;  ///< how long pg_ctl waits for a start or a stop
/// sockaddr_un's sun_path holds 108 bytes, its terminating NUL included.
constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;

[[noreturn]] void fail(const std::string& message) { throw StoreError(StoreError::Kind::Cluster, message); }

std::string errno_text() { return std::strerror(errno); }

/// Where everything of one cluster lives.
struct Layout {
  explicit Layout(const fs::path& state_dir)
      : directory((fs::absolute(state_dir).lexically_normal() / "postgres").lexically_normal()),
        data(directory / "data"),
        socket(directory / (".s.PGSQL." + std::to_string(kPort))),
        server_log(directory / "server.log"),
        initdb_log(directory / "initdb.log"),
        pg_ctl_log(directory / "pg_ctl.log"),
        lock(directory / "cluster.lock"),
        users_lock(directory / "users.lock") {}
  fs::path directory;  ///< 0700, the socket's folder
  fs::path data;       ///< PGDATA
  fs::path socket;
  fs::path server_log;  ///< the server's own log (appended by every start)
  fs::path initdb_log;  ///< initdb's output
  fs::path pg_ctl_log;  ///< the last pg_ctl's output
  fs::path lock;        ///< flock()ed while starting or stopping
  fs::path users_lock;  ///< flock()ed shared by every PrivateCluster object using the server
};

/// A libpq DSN value, quoted when it must be.
std::string dsn_value(const std::string& value) {
  if (!value.empty() && value.find_first_of(" \t\n'\\") == std::string::npos) return value;
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string cluster_dsn(const Layout& layout, const std::string& database) {
  return "host=" + dsn_value(layout.directory.string()) + " port=" + std::to_string(kPort) + " user=" + kRole +
         " dbname=" + database;
}

/// The last `count` lines of a text file (at most its last 64 KiB), indented for an error message.
std::string tail(const fs::path& file, std::size_t count) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "  (" + file.string() + " is missing)";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(size > 65536 ? size - 65536 : 0);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  if (lines.empty()) return "  (" + file.string() + " is empty)";
  std::string text;
  for (const auto& kept : lines) text += (text.empty() ? "  " : "\n  ") + kept;
  return text;
}

/// A file descriptor closed on destruction.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

/// Holds the cluster's lock file (flock) while starting or stopping, so that two processes never
/// run initdb or pg_ctl on the same cluster at once. The kernel drops it if the process dies.
class ClusterLock {
 public:
  explicit ClusterLock(const fs::path& file) : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_.get() < 0) fail("cannot open the private cluster's lock file " + file.string() + ": " + errno_text());
    while (::flock(fd_.get(), LOCK_EX) != 0)
      if (errno != EINTR) fail("cannot lock " + file.string() + ": " + errno_text());
  }

 private:
  FileDescriptor fd_;
};

/// Opens `<dir>/users.lock` and takes a shared flock on it, held as long as the descriptor is
/// open: a process that started the server can then tell whether others still use it.
int take_users_lock(const Layout& layout) {
  const int fd = ::open(layout.users_lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot open " + layout.users_lock.string() + ": " + errno_text());
  while (::flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) {
      const std::string error = errno_text();
      ::close(fd);
      fail("cannot lock " + layout.users_lock.string() + ": " + error);
    }
  }
  return fd;
}

bool has_server_programs(const fs::path& bindir) {
  return ::access((bindir / "initdb").c_str(), X_OK) == 0 && ::access((bindir / "pg_ctl").c_str(), X_OK) == 0;
}

/// PostgreSQL's server programs: $SMOOPS_PG_BINDIR, else the newest /usr/lib/postgresql/N/bin
/// (Debian installs major versions side by side), else `pg_config --bindir`.
fs::path find_bindir() {
  if (const char* configured = std::getenv("SMOOPS_PG_BINDIR"); configured != nullptr && *configured != '\0') {
    if (has_server_programs(configured)) return configured;
    fail(std::string("SMOOPS_PG_BINDIR=") + configured +
         " holds no initdb and pg_ctl; point it at PostgreSQL's server programs (e.g. /usr/lib/postgresql/15/bin)");
  }
  std::optional<fs::path> newest;
  long newest_version = -1;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ignored)) {
    const long version = std::strtol(entry.path().filename().c_str(), nullptr, 10);
    if (version > newest_version && has_server_programs(entry.path() / "bin")) {
      newest = entry.path() / "bin";
      newest_version = version;
    }
  }
  if (newest) return *newest;
  if (const auto pg_config = find_in_path("pg_config")) {
    if (auto output = program_output({pg_config->string(), "--bindir"})) {
      while (!output->empty() && std::isspace(static_cast<unsigned char>(output->back()))) output->pop_back();
      if (has_server_programs(*output)) return *output;
    }
  }
  fail(
      "PostgreSQL's server programs (initdb, pg_ctl) were not found in $SMOOPS_PG_BINDIR, /usr/lib/postgresql/*/bin "
      "or `pg_config --bindir`: install them (Debian: apt install postgresql-15) or set SMOOPS_PG_BINDIR, "
      "or use an existing server with --dsn or store.dsn");
}

/// Who runs the cluster: this process's user, or `postgres` when that is root (PostgreSQL
/// refuses to run as root). nullopt: this process's user.
std::optional<SystemUser> cluster_owner() {
  if (::geteuid() != 0) return std::nullopt;
  auto user = find_system_user("postgres");
  if (!user)
    fail(
        "smoops runs as root, and PostgreSQL refuses to run as root, so the private cluster runs as the `postgres` "
        "user, which this system does not have: install postgresql-15 (it creates the user), run smoops as "
        "another user, or use an existing server with --dsn or store.dsn");
  return user;
}

/// Refuses paths that PostgreSQL cannot use: pg_ctl starts the server through /bin/sh with the
/// paths in double quotes and the -o options as written, and Unix socket paths are short.
void check_paths(const Layout& layout) {
  const std::string directory = layout.directory.string();
  if (directory.find_first_of("'\"$`\\\n") != std::string::npos)
    fail("the state directory " + layout.directory.parent_path().string() +
         " contains a quote, '$', '`', '\\' or a line break, which pg_ctl cannot pass to the PostgreSQL server "
         "safely; choose another --state-dir");
  const std::string socket = layout.socket.string();
  if (socket.size() > kMaxSocketPath)
    fail("the private cluster's socket path " + socket + " is " + std::to_string(socket.size()) +
         " bytes long, and a Unix socket path may have at most " + std::to_string(kMaxSocketPath) +
         ": choose a shorter --state-dir (e.g. /var/lib/smoops)");
}

/// As root: `owner` must be able to reach its folder through every parent directory.
void check_traversable(const Layout& layout, const SystemUser& owner) {
  for (fs::path folder = layout.directory.parent_path();; folder = folder.parent_path()) {
    struct stat info {};
    if (::stat(folder.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;  // not created yet: checked again once it is
      fail("cannot inspect " + folder.string() + ": " + errno_text());
    }
    if (!can_traverse(owner, info)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
      fail("the private PostgreSQL cluster runs as the `" + owner.name +
           "` user (PostgreSQL refuses to run as root), which cannot enter " + folder.string() + " (mode " + mode +
           "): choose a --state-dir that user can reach, e.g. /var/lib/smoops, or let it in (chmod o+x " +
           folder.string() + ")");
    }
    if (folder == folder.root_path() || folder.parent_path() == folder) break;
  }
}

/// Creates `<state_dir>/postgres` (mode 0700: its socket accepts anyone who reaches it, with no
/// password) and hands it to the cluster's owner.
void prepare_directory(const Layout& layout, const std::optional<SystemUser>& owner) {
  if (owner) check_traversable(layout, *owner);  // before creating anything we would leave behind
  std::error_code error;
  fs::create_directories(layout.directory, error);
  if (error)
    fail("cannot create " + layout.directory.string() + ": " + error.message() + " (choose another --state-dir)");
  if (::chmod(layout.directory.c_str(), 0700) != 0)
    fail("cannot set the permissions of " + layout.directory.string() + ": " + errno_text());
  if (owner) {
    if (::chown(layout.directory.c_str(), owner->uid, owner->gid) != 0)
      fail("cannot hand " + layout.directory.string() + " to the " + owner->name + " user: " + errno_text());
    check_traversable(layout, *owner);
  }
}

/// Runs one of PostgreSQL's programs as the owner, its output in `log`; returns its exit status.
int run_logged(const std::vector<std::string>& argv, const std::optional<SystemUser>& owner, const Layout& layout,
               const fs::path& log) {
  const FileDescriptor output(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (output.get() < 0) fail("cannot write " + log.string() + ": " + errno_text());
  try {
    return run_program(argv, owner, layout.directory, output.get());
  } catch (const std::runtime_error& e) {
    fail(e.what());
  }
}

void create_cluster(const Layout& layout, const fs::path& bindir, const std::optional<SystemUser>& owner) {
  std::error_code error;
  if (fs::exists(layout.data, error) && !fs::is_empty(layout.data, error))
    fail(layout.data.string() +
         " is not empty but holds no PostgreSQL cluster (no PG_VERSION; an interrupted initdb?): move it away or "
         "delete it, and smoops will create the cluster again");
  spdlog::info("creating the private PostgreSQL cluster in {}", layout.directory.string());
  const int code = run_logged({(bindir / "initdb").string(), "-D", layout.data.string(), "-U", kRole, "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8"},
                              owner, layout, layout.initdb_log);
  if (code != 0)
    fail("initdb failed (exit " + std::to_string(code) + ") creating the private PostgreSQL cluster in " +
         layout.data.string() + "; the last lines of " + layout.initdb_log.string() + ":\n" +
         tail(layout.initdb_log, 10));
}

/// The pid in postmaster.pid if that process exists (a server is running, or starting, or
/// stopping), else nullopt.
std::optional<pid_t> running_pid(const Layout& layout) {
  std::ifstream pid_file(layout.data / "postmaster.pid");
  long pid = 0;
  if (!(pid_file >> pid) || pid <= 0) return std::nullopt;
  if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) return static_cast<pid_t>(pid);
  return std::nullopt;  // a stale file: the server crashed; pg_ctl start copes with it
}

void start_server(const Layout& layout, const fs::path& bindir, const std::optional<SystemUser>& owner) {
  // No TCP at all, and the socket in our own 0700 folder; the port only names the socket file
  // (given explicitly so that a PGPORT in the environment cannot move it).
  const std::string options = "-c listen_addresses='' -c unix_socket_directories='" + layout.directory.string() +
                              "' -c port=" + std::to_string(kPort);
  const int code =
      run_logged({(bindir / "pg_ctl").string(), "-D", layout.data.string(), "-l", layout.server_log.string(), "-w",
                  "-t", std::to_string(kPgCtlTimeoutS), "-o", options, "start"},
                 owner, layout, layout.pg_ctl_log);
  if (code != 0)
    fail("the private PostgreSQL server in " + layout.directory.string() + " did not start (pg_ctl exit " +
         std::to_string(code) + "):\n" + tail(layout.pg_ctl_log, 5) + "\nthe last lines of " +
         layout.server_log.string() + ":\n" + tail(layout.server_log, 10));
}

void stop_server(const Layout& layout, const fs::path& bindir, const std::optional<SystemUser>& owner) {
  const int code = run_logged({(bindir / "pg_ctl").string(), "-D", layout.data.string(), "-m", "fast", "-w", "-t",
                               std::to_string(kPgCtlTimeoutS), "stop"},
                              owner, layout, layout.pg_ctl_log);
  if (code != 0)
    fail("the private PostgreSQL server in " + layout.directory.string() + " did not stop (pg_ctl exit " +
         std::to_string(code) + "):\n" + tail(layout.pg_ctl_log, 5) + "\nthe last lines of " +
         layout.server_log.string() + ":\n" + tail(layout.server_log, 10));
  spdlog::info("stopped the private PostgreSQL cluster in {}", layout.directory.string());
}

/// A server someone else started may still be starting: waits until it accepts connections.
void wait_until_accepting(const Layout& layout, pid_t pid) {
  const std::string dsn = cluster_dsn(layout, "postgres");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kPgCtlTimeoutS);
  while (PQping(dsn.c_str()) != PQPING_OK) {
    if (std::chrono::steady_clock::now() >= deadline)
      fail("a PostgreSQL server runs in " + layout.directory.string() + " (pid " + std::to_string(pid) +
           ") but does not accept connections; the last lines of " + layout.server_log.string() + ":\n" +
           tail(layout.server_log, 10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

/// Creates the database `smoops` unless it exists (checked every time: a crash between initdb
/// and this step must not leave a cluster without it).
void ensure_database(const Layout& layout) {
  auto connection = connect(cluster_dsn(layout, "postgres"));
  pqxx::nontransaction work(*connection);
  if (work.exec("SELECT 1 FROM pg_database WHERE datname = " + work.quote(kDatabase)).empty()) {
    work.exec(std::string("CREATE DATABASE ") + kDatabase);
    spdlog::info("created database {} in the private PostgreSQL cluster", kDatabase);
  }
}

}  // namespace

std::unique_ptr<PrivateCluster> PrivateCluster::ensure_running(const fs::path& state_dir, bool stop_on_exit) {
  const Layout layout(state_dir);
  const fs::path bindir = find_bindir();
  const auto owner = cluster_owner();
  check_paths(layout);
  prepare_directory(layout, owner);
  const ClusterLock lock(layout.lock);
  if (!fs::exists(layout.data / "PG_VERSION")) create_cluster(layout, bindir, owner);
  bool started = false;
  if (const auto pid = running_pid(layout)) {
    wait_until_accepting(layout, *pid);
    spdlog::debug("using the private PostgreSQL cluster running in {} (pid {})", layout.directory.string(), *pid);
  } else {
    start_server(layout, bindir, owner);
    started = true;
    spdlog::info("started the private PostgreSQL cluster in {} (Unix socket only)", layout.directory.string());
  }
  int users_lock_fd = -1;
  try {
    ensure_database(layout);
    users_lock_fd = take_users_lock(layout);
  } catch (const std::exception&) {
    if (started) {
      try {
        stop_server(layout, bindir, owner);
      } catch (const StoreError& e) {
        spdlog::error("{}", e.what());
      }
    }
    throw;
  }
  return std::unique_ptr<PrivateCluster>(new PrivateCluster(layout.directory, started, stop_on_exit, users_lock_fd));
}

PrivateCluster::PrivateCluster(fs::path directory, bool started_here, bool stop_on_exit, int users_lock_fd)
    : directory_(std::move(directory)),
      started_here_(started_here),
      stop_on_exit_(stop_on_exit),
      users_lock_fd_(users_lock_fd) {}

PrivateCluster::~PrivateCluster() {
  try {
    if (!stopped_ && !keep_running_) {
      if (stop_on_exit_)
        stop();
      else if (started_here_)
        stop_unless_used_elsewhere();
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
  ::close(users_lock_fd_);
}

void PrivateCluster::stop_unless_used_elsewhere() {
  const Layout layout(directory_.parent_path());
  // Under the cluster lock, so that nobody starts using the server between the check and the stop.
  const ClusterLock lock(layout.lock);
  stopped_ = true;
  if (::flock(users_lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    spdlog::info("left the private PostgreSQL cluster in {} running: another smoops process uses it",
                 layout.directory.string());
    return;
  }
  if (running_pid(layout)) stop_server(layout, find_bindir(), cluster_owner());
}

std::string PrivateCluster::dsn() const { return dsn(directory_.parent_path()); }

void PrivateCluster::stop() {
  if (stopped_) return;
  stop_if_running(directory_.parent_path());
  stopped_ = true;
}

bool PrivateCluster::is_running(const fs::path& state_dir) { return running_pid(Layout(state_dir)).has_value(); }

std::string PrivateCluster::dsn(const fs::path& state_dir) { return cluster_dsn(Layout(state_dir), kDatabase); }

bool PrivateCluster::stop_if_running(const fs::path& state_dir) {
  const Layout layout(state_dir);
  if (!running_pid(layout)) return false;
  const ClusterLock lock(layout.lock);
  if (!running_pid(layout)) return false;  // stopped by someone else while we waited for the lock
  stop_server(layout, find_bindir(), cluster_owner());
  return true;
}

}  // namespace smoops::store
