#pragma once
// One bot in the daemon: its own thread runs its loop, so a slow or failing bot never holds up
// another. Backtest bots run through their file as fast as they can; paper bots replay it as a
// live feed at data.speed × real time; bots on a live feed (`data.feed`) wait for the bars their
// feed's I/O thread queues, on the wall clock. Commands (pause, resume, flatten, stop) reach the
// loop through a queue and run between two events.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bus/publisher.hpp"
#include "config/bot_config.hpp"
#include "config/daemon_config.hpp"
#include "credentials/credential.hpp"
#include "engine/venue_error.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/bot_recovery.hpp"
#include "store/store_writer.hpp"

namespace smoops::daemon {

/// What `status` and `bots` report about a bot; a copy taken under the runner's lock.
struct BotSummary {
  std::string name;
  std::string mode;
  std::string state = "created";  ///< created, running, halted, stopped
  bool paused = false;
  bool finished = false;           ///< its loop has ended (end of data, stop, or an error)
  std::string reason;              ///< why it halted or ended
  std::string position = "0";
  std::string equity;
  std::uint64_t bars = 0;
  std::uint64_t orders = 0;
};

/// A paper or live bot's link to the store: where its rows go, the run it belongs to, what it
/// recovers, and the folder its exchange keeps state in.
struct BotStoreLink {
  store::StoreWriter* writer = nullptr;
  std::int64_t run_id = 0;
  store::BotRecovery recovery;
  config::OutagePolicy on_outage = config::OutagePolicy::ReduceOnly;
  std::filesystem::path exchange_state_dir;
};


class BotRunner {
 public:
  /// Creates the bot's plugins (throws ConfigError like validation does); nothing runs yet.
  /// With a store link the bot journals its orders, fills and equity, and starts from the
  /// recovered books: restore, reconcile with the exchange, resume the data after the last bar
  /// it processed.
  /// `credentials`: what the bot's `exchange.params.credentials` names, decrypted (nullopt when
  /// none); it stays in the runner's locked memory until the bot has stopped.
  BotRunner(config::BotConfig bot, const plugin::PluginRegistry& registry, bus::Publisher& publisher,
            config::OpenOrderPolicy shutdown_open_orders, std::optional<BotStoreLink> store = std::nullopt,
            std::optional<credentials::Credential> credentials = std::nullopt);
  /// Stops the loop (as request_stop) and joins it.
  ~BotRunner();
  BotRunner(const BotRunner&) = delete;
  BotRunner& operator=(const BotRunner&) = delete;

  /// Starts the bot's thread and waits until the bot has started: recovered its books, connected
  /// and reconciled its exchange. Rethrows what stopped it there (e.g. a StoreError when the
  /// exchange knows orders of a bot the database has no books for); the thread has ended then.
  void start();
  /// Asks the loop to finish its current event, apply the shutdown policy and stop; returns at once.
  void request_stop();
  /// Waits for the loop to end.
  void join();
  /// Runs "pause", "resume" or "flatten" on the bot's thread; waits up to `timeout` for the reply
  /// ({"ok": true, ...} or {"ok": false, "error": ...}).
  nlohmann::json command(const std::string& name, std::chrono::milliseconds timeout);

  BotSummary summary() const;
  const config::BotConfig& config() const { return bot_; }

 private:
  struct Command {
    std::string name;
    std::promise<nlohmann::json> reply;
  };
  struct Parts;

  void run();
  void drain_commands(Parts& parts);
  nlohmann::json execute(Parts& parts, const std::string& name);
  /// Sleeps until `due` unless a command or a stop arrives; true when it is time for the bar.
  bool wait_until(std::chrono::steady_clock::time_point due, Parts& parts);
  void update_summary(const Parts& parts, bool finished, const std::string& reason);
  void start_bot(Parts& parts);
  void adopt_venue_instrument(Parts& parts, Exchange& venue);
  void log_live_start(Parts& parts);
  std::string run_file(Parts& parts);
  void subscribe_and_warm_up(Parts& parts);
  std::string run_live_feed(Parts& parts);
  void after_step(Parts& parts);
  void recover(Parts& parts);
  void check_venue_knows_no_order(Parts& parts);
  void check_venue_knows_last_fill(Parts& parts);

  config::BotConfig bot_;
  bus::Publisher& publisher_;
  config::OpenOrderPolicy shutdown_open_orders_;
  std::optional<BotStoreLink> store_;
  std::optional<credentials::Credential> credentials_;
  std::unique_ptr<Parts> parts_;

  std::mutex mutex_;  // guards commands_, summary_
  std::condition_variable wake_;
  std::deque<Command> commands_;
  std::atomic<bool> commands_pending_{false};
  std::atomic<bool> stop_requested_{false};
  mutable std::mutex summary_mutex_;
  BotSummary summary_;
  std::promise<void> started_;  // set by the bot's thread once the bot started, or with what stopped it
  std::thread thread_;
};

}  // namespace smoops::daemon
