#pragma once
// smoopsd's core: loads the daemon config and its bots, runs each bot on its own thread,
// publishes their events, answers control requests, reloads on SIGHUP or `reload`, and shuts
// down cleanly on SIGTERM/SIGINT. The main thread owns the control socket and every decision
// about which bots run; bots only ever talk to it through their runners.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/daemon_config.hpp"
#include "daemon/bot_runner.hpp"
#include "daemon/daemon_store.hpp"

namespace zmq { class context_t; }
namespace smoops::bus {
class ControlServer;
class CurveAuthenticator;
class Publisher;
struct CurveServer;
}  // namespace smoops::bus

namespace smoops::daemon {

/// Set by the signal handlers, read by the main loop.
struct SignalFlags {
  std::atomic<bool> terminate{false};
  std::atomic<bool> reload{false};
};

class Daemon {
 public:
  /// Validates every bot and binds the sockets (throws ConfigError, BusError); starts no bot.
  Daemon(config::DaemonConfig config, SignalFlags& signals);
  ~Daemon();

  /// Starts every bot, tells systemd it is ready, and serves until told to stop. Returns the
  /// process exit code.
  int run();

 private:
  /// A bot's ownership in the store, given up when the bot is gone (after its runner).
  class StoreLease {
   public:
    StoreLease() = default;
    StoreLease(store::BotRegistry* registry, std::string bot) : registry_(registry), bot_(std::move(bot)) {}
    StoreLease(StoreLease&& other) noexcept : registry_(std::exchange(other.registry_, nullptr)), bot_(std::move(other.bot_)) {}
    StoreLease& operator=(StoreLease&& other) noexcept {
      std::swap(registry_, other.registry_);
      std::swap(bot_, other.bot_);
      return *this;
    }
    ~StoreLease() {
      if (registry_) registry_->release(bot_);
    }

   private:
    store::BotRegistry* registry_ = nullptr;
    std::string bot_;
  };
  struct ManagedBot {
    std::string fingerprint;  // the bot file's path and text: what "changed" means on reload
    StoreLease lease;         // declared before the runner: released after it stopped
    std::unique_ptr<BotRunner> runner;
  };
  /// Takes a paper or live bot in the store: ownership, a new run, its recovered books.
  std::optional<BotStoreLink> link_to_store(const config::BotConfig& bot, StoreLease& lease);

  nlohmann::json handle(const nlohmann::json& request);
  nlohmann::json bot_command(const std::string& command, const std::string& name);
  nlohmann::json bots_json() const;
  nlohmann::json reload();
  void launch(config::BotConfig bot, std::string fingerprint);
  void launch(config::BotConfig bot, std::string fingerprint, std::optional<BotStoreLink> link, StoreLease lease);
  void check_store();
  void publish_daemon_status();
  void shut_down();

  SignalFlags& signals_;
  config::DaemonConfig config_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<bus::CurveServer> curve_;
  std::unique_ptr<bus::CurveAuthenticator> authenticator_;
  std::unique_ptr<bus::Publisher> publisher_;
  std::unique_ptr<bus::ControlServer> control_;
  std::unique_ptr<plugin::PluginRegistry> registry_;
  std::unique_ptr<DaemonStore> store_;  // null when store.enabled is false
  std::map<std::string, std::pair<config::BotConfig, std::string>> initial_bots_;  // validated, until run() starts them
  std::map<std::string, ManagedBot> bots_;
  std::chrono::steady_clock::time_point started_;
};

/// Everything `smoopsd --check` and a start validate (bus exposure, plugins, every bot, runnable
/// modes); returns the number of bots or throws ConfigError.
std::size_t validate_daemon(const config::DaemonConfig& daemon);

/// The file text plus its path: two bot files are "the same" when this is equal.
std::string bot_fingerprint(const std::filesystem::path& file);

}  // namespace smoops::daemon
