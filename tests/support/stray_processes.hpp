#pragma once
// The programs a private PostgreSQL cluster runs under a state folder (initdb, pg_ctl, the server
// and initdb's bootstrap backend) live in sessions of their own and outlive a smoopsd killed with
// SIGKILL. Tests find them by the folder in their command lines, to kill them as a crash of the
// whole service would, and to leave nothing running behind.

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace smoops::test {

/// The pids of the processes (zombies excluded) whose command line mentions `path`.
inline std::vector<pid_t> processes_mentioning(const std::string& path) {
  std::vector<pid_t> found;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string command_line;
    try {
      std::ifstream in(entry.path() / "cmdline", std::ios::binary);
      command_line.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      continue;  // it ended while we read it
    }
    if (command_line.find(path) == std::string::npos) continue;
    found.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return found;
}

/// SIGKILLs every process whose command line mentions `path`; returns how many there were.
inline std::size_t kill_processes_mentioning(const std::string& path) {
  const std::vector<pid_t> pids = processes_mentioning(path);
  for (const pid_t pid : pids) ::kill(pid, SIGKILL);
  return pids.size();
}

}  // namespace smoops::test
