#pragma once
// The daemon's store: the database it uses (a DSN, the PG* environment, or the private cluster it
// runs under the state directory), the schema check, the one writer thread, and the registry of
// the bots it owns. Absent when `store.enabled` is false.

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "config/daemon_config.hpp"
#include "store/bot_registry.hpp"
#include "store/store_location.hpp"
#include "store/store_writer.hpp"

namespace smoops::daemon {

class DaemonStore {
 public:
  /// Finds or starts the database, waits for it up to store.connect_timeout_s, checks the schema
  /// (a private cluster is migrated; any other server must be current), starts the writer and
  /// writes what an earlier run left in the spill file. Throws StoreError.
  explicit DaemonStore(const config::StoreConfig& config);
  ~DaemonStore();

  store::StoreWriter& writer() { return *writer_; }
  store::BotRegistry& registry() { return *registry_; }
  const config::StoreConfig& config() const { return config_; }
  const std::filesystem::path& state_dir() const { return state_dir_; }
  /// `<state_dir>/bots/<bot>/exchange`: where a bot's exchange keeps its own state.
  std::filesystem::path exchange_state_dir(const std::string& bot) const;
  /// The writer's counters as JSON (for status).
  nlohmann::json status() const;

 private:
  config::StoreConfig config_;
  std::filesystem::path state_dir_;
  store::StoreTarget target_;  // first: the private cluster stops last
  std::unique_ptr<store::BotRegistry> registry_;
  std::unique_ptr<store::StoreWriter> writer_;
};

}  // namespace smoops::daemon
