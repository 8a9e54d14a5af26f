#pragma once
// Running PostgreSQL's programs (initdb, pg_ctl, pg_config) for the private cluster: directly
// with execve, never through a shell, and, when smoops runs as root, as the user that owns the
// cluster (PostgreSQL refuses to run as root).

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace smoops::store {

/// A system user a program can run as.
struct SystemUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< every group the user is in, primary included
};

/// The user called `name`, or nullopt when the system has none.
std::optional<SystemUser> find_system_user(const std::string& name);

/// Whether `user` may enter the directory that `info` describes (its owner, group and other
/// execute bits; ACLs are not consulted).
bool can_traverse(const SystemUser& user, const struct stat& info);

/// Runs `argv` (argv[0] an absolute path) in `working_dir`, as `user` when given (else as this
/// process), in a session of its own, with stdin from /dev/null, stdout and stderr to `output_fd`,
/// no other open file, and the environment without its PG* variables (they would point the
/// server elsewhere). Waits for it; returns its exit status (128 + signal when killed).
/// `inherited_fd` (>= 0) stays open in the program under the same number: a lock it holds then
/// stays held as long as the program runs, even if this process dies first.
/// Throws std::runtime_error when it cannot be started.
int run_program(const std::vector<std::string>& argv, const std::optional<SystemUser>& user,
                const std::filesystem::path& working_dir, int output_fd, int inherited_fd = -1);

/// Runs `argv` (as run_program, as this process) and returns what it printed on stdout and
/// stderr; nullopt when it cannot be started or exits non-zero. For short outputs only.
std::optional<std::string> program_output(const std::vector<std::string>& argv);

/// The executable `name` in $PATH, or nullopt.
std::optional<std::filesystem::path> find_in_path(const std::string& name);

}  // namespace smoops::store
