#include "store/private_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
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
/// How long a start waits for a server that is starting or stopping (left by a process killed
/// while it started or stopped it), or retries a start that another server got in the way of.
constexpr int kServerWaitS = 60;
/// How long a process waits for cluster.lock: held while another one creates, starts or stops
/// the cluster, and by an initdb for as long as it runs, even past the death of its smoops.
constexpr int kClusterLockWaitS = 2 * kPgCtlTimeoutS;
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

/// Holds the cluster's lock file (flock) while creating, starting or stopping, so that two
/// processes never run initdb or pg_ctl on the same cluster at once. The kernel drops it when the
/// last holder dies: initdb inherits it (a smoops killed during initdb leaves the lock held until
/// initdb ends), pg_ctl does not (the server it starts outlives everyone).
class ClusterLock {
 public:
  explicit ClusterLock(const fs::path& file) : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_.get() < 0) fail("cannot open the private cluster's lock file " + file.string() + ": " + errno_text());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kClusterLockWaitS);
    bool said = false;
    while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) fail("cannot lock " + file.string() + ": " + errno_text());
      if (std::chrono::steady_clock::now() >= deadline)
        fail(file.string() + " is still locked after " + std::to_string(kClusterLockWaitS) +
             " s: another process is creating, starting or stopping the private PostgreSQL cluster and does not "
             "finish (`fuser -v " + file.string() + "` names it)");
      if (!said)
        spdlog::info(
            "waiting for {}: another smoops process is creating, starting or stopping the private PostgreSQL cluster, "
            "or an initdb started by a process that was killed is still running (up to {} s)",
            file.string(), kClusterLockWaitS);
      said = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  int fd() const { return fd_.get(); }

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
               const fs::path& log, int inherited_fd = -1) {
  const FileDescriptor output(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (output.get() < 0) fail("cannot write " + log.string() + ": " + errno_text());
  try {
    return run_program(argv, owner, layout.directory, output.get(), inherited_fd);
  } catch (const std::runtime_error& e) {
    fail(e.what());
  }
}

/// Makes a rename or a removal in `folder` durable.
void sync_directory(const fs::path& folder) {
  const FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) fail("cannot sync " + folder.string() + ": " + errno_text());
}

/// initdb builds the cluster in `data.initdb`, which becomes `data` (one rename) only once initdb
/// succeeded: `data` always holds a whole cluster. What an initdb killed half-way left is removed
/// and built again. initdb holds the cluster lock while it runs, so a smoops killed during initdb
/// makes the next one wait for that initdb instead of removing its folder under it.
void create_cluster(const Layout& layout, const fs::path& bindir, const std::optional<SystemUser>& owner,
                    const ClusterLock& lock) {
  std::error_code error;
  if (fs::exists(layout.data, error) && !fs::is_empty(layout.data, error))
    fail(layout.data.string() +
         " is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away or delete it, and smoops will "
         "create the cluster again");
  const fs::path building = layout.directory / "data.initdb";
  if (fs::exists(building, error)) {
    spdlog::warn("removing {}: an initdb that did not finish left it (its process was killed); creating the cluster "
                 "again", building.string());
    fs::remove_all(building, error);
    if (error) fail("cannot remove " + building.string() + ", left by an interrupted initdb: " + error.message());
  }
  spdlog::info("creating the private PostgreSQL cluster in {}", layout.directory.string());
  const int code = run_logged({(bindir / "initdb").string(), "-D", building.string(), "-U", kRole, "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8"},
                              owner, layout, layout.initdb_log, lock.fd());
  if (code != 0)
    fail("initdb failed (exit " + std::to_string(code) + ") creating the private PostgreSQL cluster in " +
         building.string() + "; the last lines of " + layout.initdb_log.string() + ":\n" +
         tail(layout.initdb_log, 10));
  fs::remove(layout.data, error);  // an empty folder, if any, makes way
  fs::rename(building, layout.data, error);
  if (error) fail("cannot rename " + building.string() + " to " + layout.data.string() + ": " + error.message());
  sync_directory(layout.directory);
}

/// What a PostgreSQL lock file (postmaster.pid, or the socket's .s.PGSQL.5432.lock) says,
/// checked against the processes that exist.
struct PidFile {
  bool exists = false;
  pid_t pid = 0;
  /// The process is alive and is this cluster's server (running, starting, or stopping).
  bool server = false;
  /// The process is alive but is not this cluster's server: a zombie, or a pid reused by another
  /// program since the server died. PostgreSQL then refuses to start until the file is gone.
  bool other_process = false;
  /// postmaster.pid's 7th line: the id of the server's System V shared memory segment.
  std::optional<int> shared_memory_id;
};

/// A file of /proc/<pid>/, read with plain system calls: the process may end while it is read
/// (an error a stream would throw from its buffer). nullopt when it cannot be read.
std::optional<std::string> read_proc_file(pid_t pid, const char* name) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string content;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return content;
    content.append(buffer, static_cast<std::size_t>(n));
  }
}

/// Whether /proc shows `pid` as a zombie: it has exited, only its exit status is left (a killed
/// server whose parent is gone waits so until init reaps it).
bool is_zombie(pid_t pid) {
  const std::string stat = read_proc_file(pid, "stat").value_or("");
  const auto name_end = stat.rfind(')');
  return name_end != std::string::npos && name_end + 2 < stat.size() && stat[name_end + 2] == 'Z';
}

/// `pid`'s arguments (its command line split at NULs); nullopt when it cannot be read.
std::optional<std::vector<std::string>> command_line(pid_t pid) {
  const std::optional<std::string> text = read_proc_file(pid, "cmdline");
  if (!text) return std::nullopt;
  std::vector<std::string> args;
  for (std::size_t start = 0; start < text->size();) {
    const std::size_t end = std::min(text->find('\0', start), text->size());
    args.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return args;
}

PidFile read_lock_file(const Layout& layout, const fs::path& path) {
  PidFile file;
  std::ifstream in(path);
  if (!in) return file;
  file.exists = true;
  std::vector<std::string> lines;
  for (std::string line; lines.size() < 7 && std::getline(in, line);) lines.push_back(line);
  unsigned long key = 0, id = 0;
  if (lines.size() == 7 && std::sscanf(lines[6].c_str(), "%lu %lu", &key, &id) == 2)
    file.shared_memory_id = static_cast<int>(id);
  const long pid = lines.empty() ? 0 : std::strtol(lines[0].c_str(), nullptr, 10);
  if (pid <= 0) return file;  // being written: a server is just starting
  file.pid = static_cast<pid_t>(pid);
  if (::kill(file.pid, 0) != 0 && errno != EPERM) return file;  // gone: PostgreSQL copes with the stale file
  if (is_zombie(file.pid)) {
    file.other_process = true;
    return file;
  }
  // The server runs `postgres -D <data>` (pg_ctl starts it so). A process that cannot be inspected
  // is taken for the server: removing a live server's lock file would be far worse than waiting.
  const auto args = command_line(file.pid);
  if (args && !args->empty() &&
      (args->front().find("postgres") == std::string::npos ||
       std::find(args->begin(), args->end(), layout.data.string()) == args->end())) {
    file.other_process = true;
    return file;
  }
  file.server = true;
  return file;
}

PidFile read_pid_file(const Layout& layout) { return read_lock_file(layout, layout.data / "postmaster.pid"); }

/// The socket's lock file, which the server also checks for a live pid at its start.
fs::path socket_lock(const Layout& layout) { return layout.socket.string() + ".lock"; }

/// The pid of this cluster's server if one is running (or starting, or stopping).
std::optional<pid_t> running_pid(const Layout& layout) {
  const PidFile file = read_pid_file(layout);
  if (file.server) return file.pid;
  return std::nullopt;
}

/// Whether any process is still attached to the server's shared memory segment (the children of
/// a killed server exit shortly after it): PostgreSQL's own test before it reuses a data folder.
bool server_memory_in_use(const PidFile& pid_file) {
  if (!pid_file.shared_memory_id) return false;
  shmid_ds info{};
  if (::shmctl(*pid_file.shared_memory_id, IPC_STAT, &info) != 0) return errno != EINVAL && errno != EIDRM;
  return info.shm_nattch > 0;
}

/// One `pg_ctl start`; its exit status.
int start_server(const Layout& layout, const fs::path& bindir, const std::optional<SystemUser>& owner) {
  // No TCP at all, and the socket in our own 0700 folder; the port only names the socket file
  // (given explicitly so that a PGPORT in the environment cannot move it).
  const std::string options = "-c listen_addresses='' -c unix_socket_directories='" + layout.directory.string() +
                              "' -c port=" + std::to_string(kPort);
  return run_logged({(bindir / "pg_ctl").string(), "-D", layout.data.string(), "-l", layout.server_log.string(), "-w",
                     "-t", std::to_string(kPgCtlTimeoutS), "-o", options, "start"},
                    owner, layout, layout.pg_ctl_log);
}

[[noreturn]] void fail_start(const Layout& layout, int code) {
  fail("the private PostgreSQL server in " + layout.directory.string() + " did not start (pg_ctl exit " +
       std::to_string(code) + "):\n" + tail(layout.pg_ctl_log, 5) + "\nthe last lines of " +
       layout.server_log.string() + ":\n" + tail(layout.server_log, 10));
}

/// Before a start: removes the lock files a killed server left that PostgreSQL would take for a
/// live server's (their pid is a zombie or another program now), once no process is attached to
/// that server's memory; false while one still is. Says what it finds.
bool clear_stale_lock_files(const Layout& layout, const PidFile& pid_file, bool first_look) {
  if (pid_file.other_process) {
    if (server_memory_in_use(pid_file)) return false;  // its children are still ending
    spdlog::warn("{}/postmaster.pid names pid {}, which is no longer a PostgreSQL server (the server was killed); "
                 "removing the stale file",
                 layout.data.string(), pid_file.pid);
    std::error_code ignored;
    fs::remove(layout.data / "postmaster.pid", ignored);
  } else if (pid_file.exists && pid_file.pid > 0 && first_look) {
    spdlog::info("{}/postmaster.pid is left from a server that was killed (pid {} is gone); starting it, and "
                 "PostgreSQL recovers from its write-ahead log",
                 layout.data.string(), pid_file.pid);
  }
  if (const PidFile socket_file = read_lock_file(layout, socket_lock(layout)); socket_file.other_process) {
    spdlog::warn("{} names pid {}, which is no longer a PostgreSQL server (the server was killed); removing the stale "
                 "file",
                 socket_lock(layout).string(), socket_file.pid);
    std::error_code ignored;
    fs::remove(socket_lock(layout), ignored);
  }
  return true;
}

/// Starts the server, or uses the one that runs. A process killed while it started or stopped the
/// server leaves work under way: pg_ctl and a server still starting (its postmaster.pid maybe not
/// written yet), a server shutting down, or a killed server's pid file and, for a moment, its
/// children. Each is waited for or recovered from, within kServerWaitS, and logged.
/// Returns whether this process started the server.
bool start_or_use_server(const Layout& layout, const fs::path& bindir, const std::optional<SystemUser>& owner) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kServerWaitS);
  const std::string dsn = cluster_dsn(layout, "postgres");
  bool said_waiting = false;
  int last_code = 0;
  for (int attempt = 1;; ++attempt) {
    const PidFile file = read_pid_file(layout);
    if (file.server) {
      if (PQping(dsn.c_str()) == PQPING_OK) {
        if (said_waiting) {
          spdlog::info("the PostgreSQL server in {} (pid {}) accepts connections; using it", layout.directory.string(),
                       file.pid);
        } else {
          spdlog::debug("using the private PostgreSQL cluster running in {} (pid {})", layout.directory.string(),
                        file.pid);
        }
        return false;
      }
      if (!said_waiting)
        spdlog::info("the PostgreSQL server in {} (pid {}) is starting, recovering or stopping; waiting for it (up "
                     "to {} s)", layout.directory.string(), file.pid, kServerWaitS);
      said_waiting = true;
      if (std::chrono::steady_clock::now() >= deadline)
        fail("a PostgreSQL server runs in " + layout.directory.string() + " (pid " + std::to_string(file.pid) +
             ") but does not accept connections after " + std::to_string(kServerWaitS) + " s; the last lines of " +
             layout.server_log.string() + ":\n" + tail(layout.server_log, 10));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (!clear_stale_lock_files(layout, file, attempt == 1)) {
      if (std::chrono::steady_clock::now() >= deadline) fail_start(layout, last_code);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    last_code = start_server(layout, bindir, owner);
    if (last_code == 0) {
      spdlog::info("started the private PostgreSQL cluster in {} (Unix socket only)", layout.directory.string());
      return true;
    }
    // Another start got there first (a pg_ctl whose process was killed), or the killed server's
    // children still hold its memory: look again. Any other failure (a bad setting, a full disk)
    // is reported at once.
    const std::string server_said = tail(layout.server_log, 5);
    const bool in_the_way = read_pid_file(layout).server ||
                            server_said.find("lock file \"postmaster.pid\" already exists") != std::string::npos ||
                            server_said.find(".s.PGSQL." + std::to_string(kPort) + ".lock\" already exists") !=
                                std::string::npos ||
                            server_said.find("pre-existing shared memory block") != std::string::npos;
    if (!in_the_way || std::chrono::steady_clock::now() >= deadline) fail_start(layout, last_code);
    spdlog::warn("the private PostgreSQL server in {} did not start (pg_ctl exit {}): another server is coming up, or "
                 "a killed one's processes are still ending; looking again (up to {} s):\n{}",
                 layout.directory.string(), last_code, kServerWaitS, tail(layout.server_log, 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
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
  if (!fs::exists(layout.data / "PG_VERSION")) create_cluster(layout, bindir, owner, lock);
  const bool started = start_or_use_server(layout, bindir, owner);
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
