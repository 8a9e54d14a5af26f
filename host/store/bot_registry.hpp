#pragma once
// A daemon's hold on its paper and live bots in the store: one `bots` row per bot, a session
// advisory lock per bot (a bot is owned by one daemon at a time; a second one is refused), and
// one `runs` row per session of a bot. Used from the daemon's main thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "config/bot_config.hpp"
#include "store/bot_recovery.hpp"

namespace smoops::store {

class BotRegistry {
 public:
  BotRegistry(std::string dsn, std::unique_ptr<pqxx::connection> connection);

  /// Takes ownership of the bot: its advisory lock, then its `bots` row (created the first time;
  /// a changed mode, symbol or initial cash is refused: those books belong to another bot). Runs
  /// a crashed daemon left "running" are marked "interrupted". Throws StoreError: Ownership
  /// naming the owner when another daemon holds the bot, Query for a conflicting row.
  void acquire(const config::BotConfig& bot);
  /// Gives the bot up (its lock and the owner column).
  void release(const std::string& bot);
  /// A new `runs` row for this session of the bot; returns its id.
  std::int64_t begin_run(const config::BotConfig& bot, const std::string& config_text, const std::string& code_version);
  /// The bot's books as stored (see load_bot).
  BotRecovery recover(const config::BotConfig& bot);
  /// Checks the connection. After it was lost, reconnects and re-takes every lock; returns the
  /// bots whose lock another daemon took meanwhile (they must stop). Throws nothing: an
  /// unreachable database returns {} and is retried at the next call.
  std::vector<std::string> check();
  /// "host:pid" of this daemon.
  static std::string owner_id();

 private:
  bool try_lock(pqxx::connection& connection, const std::string& bot);

  std::string dsn_;
  std::unique_ptr<pqxx::connection> connection_;
  std::mutex mutex_;
  std::map<std::string, bool> owned_;
};

}  // namespace smoops::store
