#include "store/cluster_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace smoops::store {

std::optional<SystemUser> find_system_user(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
    return std::nullopt;
  SystemUser user{name, entry.pw_uid, entry.pw_gid, {}};
  int count = 32;
  user.groups.resize(count);
  while (getgrouplist(name.c_str(), user.gid, user.groups.data(), &count) < 0) user.groups.resize(count);
  user.groups.resize(count);
  return user;
}

bool can_traverse(const SystemUser& user, const struct stat& info) {
  if (user.uid == 0) return true;
  if (info.st_uid == user.uid) return (info.st_mode & S_IXUSR) != 0;
  if (std::find(user.groups.begin(), user.groups.end(), info.st_gid) != user.groups.end())
    return (info.st_mode & S_IXGRP) != 0;
  return (info.st_mode & S_IXOTH) != 0;
}

namespace {

/// In a forked child: closes every descriptor from 3 up but `keep_low` and `keep_high`
/// (keep_low < keep_high; -1 keeps nothing). Only system calls: async-signal-safe.
bool close_all_but(int keep_low, int keep_high) {
  unsigned next = 3;
  for (const int keep : {keep_low, keep_high}) {
    if (keep < static_cast<int>(next)) continue;
    if (static_cast<unsigned>(keep) > next && ::close_range(next, static_cast<unsigned>(keep) - 1, 0) != 0) return false;
    next = static_cast<unsigned>(keep) + 1;
  }
  return ::close_range(next, ~0U, 0) == 0;
}

}  // namespace

int run_program(const std::vector<std::string>& argv, const std::optional<SystemUser>& user,
                const std::filesystem::path& working_dir, int output_fd, int inherited_fd) {
  if (argv.empty() || ::access(argv[0].c_str(), X_OK) != 0)
    throw std::runtime_error("cannot run " + (argv.empty() ? std::string("(nothing)") : argv[0]) + ": " +
                             std::strerror(errno));
  // Everything the child needs is prepared here: between fork and exec only async-signal-safe
  // calls are allowed (the parent may have other threads).
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> environment;
  for (char** variable = environ; *variable != nullptr; ++variable)
    if (std::strncmp(*variable, "PG", 2) != 0) environment.push_back(*variable);
  environment.push_back(nullptr);
  const std::string directory = working_dir.string();
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw std::runtime_error(std::string("cannot open /dev/null: ") + std::strerror(errno));
  // The child reports a failure before exec on this pipe (what it was doing, and errno); exec
  // closes it, so the parent reads nothing when the program started.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(null_fd);
    throw std::runtime_error("cannot start " + argv[0] + ": pipe failed: " + std::strerror(error));
  }
  sigset_t no_signals;
  sigemptyset(&no_signals);

  const pid_t pid = ::fork();
  if (pid == 0) {
    auto fail = [&](int step) {
      const int failure[2] = {step, errno};
      [[maybe_unused]] const auto written = ::write(report[1], failure, sizeof failure);
      ::_exit(127);
    };
    // Default signal handling and mask, whatever the parent did (a daemon blocks SIGTERM for
    // sigwait), and a session of its own, so that a Ctrl-C in the terminal does not reach the
    // server through us.
    for (const int number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2})
      ::signal(number, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    ::setsid();
    if (::dup2(null_fd, 0) < 0 || ::dup2(output_fd, 1) < 0 || ::dup2(output_fd, 2) < 0) fail(0);
    // Nothing else is inherited (the report pipe is closed by exec): the postmaster outlives us
    // and must not hold our lock file, sockets or logs open. Only `inherited_fd`, when asked for.
    const int report_fd = report[1];
    if (!close_all_but(std::min(report_fd, inherited_fd), std::max(report_fd, inherited_fd))) fail(0);
    if (inherited_fd >= 0 && ::fcntl(inherited_fd, F_SETFD, 0) != 0) fail(0);
    if (user && (::setgroups(user->groups.size(), user->groups.data()) != 0 || ::setgid(user->gid) != 0 ||
                 ::setuid(user->uid) != 0))
      fail(1);
    if (::chdir(directory.c_str()) != 0) fail(2);
    ::execve(args[0], args.data(), environment.data());
    fail(3);
  }
  const int fork_error = errno;
  ::close(null_fd);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": fork failed: " + std::strerror(fork_error));
  }
  int failure[2] = {-1, 0};
  ssize_t got = 0;
  do {
    got = ::read(report[0], failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("cannot wait for " + argv[0] + ": " + std::strerror(errno));
  }
  if (got == static_cast<ssize_t>(sizeof failure)) {
    static constexpr const char* kSteps[] = {"set up its input and output", "switch to its user", "enter its directory",
                                             "execute it"};
    std::string message = "cannot run " + argv[0];
    if (user) message += " as user " + user->name;
    message += ": could not " + std::string(kSteps[failure[0]]);
    if (failure[0] == 2) message += " " + directory;
    throw std::runtime_error(message + ": " + std::strerror(failure[1]));
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::optional<std::string> program_output(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
  int code = -1;
  try {
    code = run_program(argv, std::nullopt, "/", pipe_fds[1]);
  } catch (const std::exception&) {
    code = -1;
  }
  ::close(pipe_fds[1]);
  // The child has exited: its output waits in the pipe (small outputs only: a full pipe would
  // have blocked it).
  std::string output;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  if (code != 0) return std::nullopt;
  return output;
}

std::optional<std::filesystem::path> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view folder = rest.substr(0, colon);
    if (!folder.empty()) {
      const auto candidate = std::filesystem::path(folder) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

}  // namespace smoops::store
