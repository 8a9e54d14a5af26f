#include "store/store_location.hpp"

#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "store/database.hpp"

namespace smoops::store {
namespace {

/// The environment variable's value, or nullopt when it is unset or empty.
std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::filesystem::path home_directory() {
  if (const auto home = environment("HOME")) return *home;
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
    return entry.pw_dir;
  return std::filesystem::current_path();
}

/// The PG* variables that name a server, for the log line ("PGHOST=db1 PGDATABASE=smoops").
std::string pg_environment_summary() {
  std::string summary;
  for (const char* name : {"PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"})
    if (const auto value = environment(name))
      summary += (summary.empty() ? "" : " ") + std::string(name) + "=" + *value;
  return summary;
}

}  // namespace

std::filesystem::path default_state_dir() {
  if (const auto dir = environment("SMOOPS_STATE_DIR")) return *dir;
  // systemd's StateDirectory= may list several folders, separated by ':'; the first is ours.
  if (const auto dirs = environment("STATE_DIRECTORY")) return dirs->substr(0, dirs->find(':'));
  if (::geteuid() == 0) return "/var/lib/smoops";
  if (const auto xdg = environment("XDG_STATE_HOME")) return std::filesystem::path(*xdg) / "smoops";
  return home_directory() / ".local" / "state" / "smoops";
}

bool pg_environment_set() {
  for (const char* name : {"PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE"})
    if (environment(name)) return true;
  return false;
}

StoreTarget resolve_store(const std::optional<std::string>& dsn, const std::filesystem::path& state_dir,
                          bool manage_cluster, bool use_environment) {
  StoreTarget target;
  if (dsn) {
    target.dsn = *dsn;
    target.description = "PostgreSQL at " + redact_dsn(*dsn);
  } else if (use_environment && pg_environment_set()) {
    target.description = "PostgreSQL named by the environment (" + pg_environment_summary() + ")";
  } else {
    target.cluster = PrivateCluster::ensure_running(state_dir, manage_cluster);
    target.dsn = target.cluster->dsn();
    target.description = "the private PostgreSQL cluster in " + target.cluster->directory().string();
  }
  spdlog::info("store: {}", target.description);
  return target;
}

}  // namespace smoops::store
