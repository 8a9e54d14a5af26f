#include "store/bot_registry.hpp"

#include <unistd.h>

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/database.hpp"
#include "store/store_error.hpp"

namespace smoops::store {
namespace {

constexpr const char* kLockKey = "hashtextextended('smoops.bot:' || $1, 0)";

// What a run's data_file column says: the file, or "feed:<plugin> <interval>" for a live feed.
std::string data_source(const config::BotConfig& bot) {
  if (!bot.data) return {};
  if (bot.data->live_feed()) return "feed:" + bot.data->feed.plugin + " " + bot.data->interval;
  return bot.data->csv.string();
}

}  // namespace

BotRegistry::BotRegistry(std::string dsn, std::unique_ptr<pqxx::connection> connection)
    : dsn_(std::move(dsn)), connection_(std::move(connection)) {}

std::string BotRegistry::owner_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

bool BotRegistry::try_lock(pqxx::connection& connection, const std::string& bot) {
  pqxx::nontransaction work(connection);
  return work.exec_params1(std::string("SELECT pg_try_advisory_lock(") + kLockKey + ")", bot)[0].as<bool>();
}

void BotRegistry::acquire(const config::BotConfig& bot) {
  std::lock_guard lock(mutex_);
  if (!connection_) connection_ = connect(dsn_);
  // A daemon killed a moment ago may still hold the lock until the server notices its session
  // ended: wait a little before calling the bot owned.
  bool locked = try_lock(*connection_, bot.name);
  for (int attempt = 0; !locked && attempt < 30; ++attempt) {
    if (attempt == 0) spdlog::info("bot {}: its lock is held; waiting up to 3 s for the holder to go", bot.name);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    locked = try_lock(*connection_, bot.name);
  }
  if (!locked) {
    pqxx::nontransaction work(*connection_);
    const pqxx::result row = work.exec_params("SELECT owner, owner_since FROM bots WHERE name = $1", bot.name);
    std::string owner = "another smoopsd";
    if (!row.empty() && !row[0][0].is_null())
      owner = std::string(row[0][0].c_str()) + " (since " + row[0][1].c_str() + ")";
    throw StoreError(StoreError::Kind::Ownership,
                     "bot " + bot.name + " is owned by " + owner +
                         " in the same database; stop that daemon or remove the bot from one of them");
  }
  owned_[bot.name] = true;
  try {
    pqxx::work work(*connection_);
    const std::string mode(config::to_string(bot.mode));
    const pqxx::result existing =
        work.exec_params("SELECT mode, symbol, initial_cash::text FROM bots WHERE name = $1", bot.name);
    if (existing.empty()) {
      work.exec_params(
          "INSERT INTO bots (name, mode, symbol, initial_cash, owner, owner_since) VALUES ($1, $2, $3, $4::numeric, "
          "$5, now())",
          bot.name, mode, bot.instrument.symbol, bot.initial_cash.to_string(), owner_id());
    } else {
      const auto stored_cash = Money::parse(existing[0][2].c_str());
      if (existing[0][0].c_str() != mode || existing[0][1].c_str() != bot.instrument.symbol ||
          !stored_cash || *stored_cash != bot.initial_cash)
        throw StoreError(StoreError::Kind::Query,
                         "bot " + bot.name + " has stored books for mode " + existing[0][0].c_str() + ", symbol " +
                             existing[0][1].c_str() + ", initial cash " + existing[0][2].c_str() + "; " +
                             bot.file.string() + " says " + mode + ", " + bot.instrument.symbol + ", " +
                             bot.initial_cash.to_string() +
                             ". Give the bot a new name for new books (docs/store.md, Recovery)");
      work.exec_params("UPDATE bots SET owner = $2, owner_since = now() WHERE name = $1", bot.name, owner_id());
    }
    const pqxx::result interrupted = work.exec_params(
        "UPDATE runs SET status = 'interrupted', ended_at = now(), end_reason = 'the daemon stopped without ending "
        "the run (crash or kill)' WHERE bot = $1 AND kind <> 'backtest' AND status = 'running' RETURNING id",
        bot.name);
    work.commit();
    if (!interrupted.empty())
      spdlog::warn("bot {}: {} earlier run(s) ended without a clean stop; marked interrupted", bot.name,
                   interrupted.size());
  } catch (...) {
    pqxx::nontransaction work(*connection_);
    work.exec_params(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")", bot.name);
    owned_.erase(bot.name);
    throw;
  }
}

void BotRegistry::release(const std::string& bot) {
  std::lock_guard lock(mutex_);
  if (!owned_.erase(bot) || !connection_) return;
  try {
    pqxx::nontransaction work(*connection_);
    work.exec_params("UPDATE bots SET owner = NULL, owner_since = NULL WHERE name = $1 AND owner = $2", bot, owner_id());
    work.exec_params(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")", bot);
  } catch (const std::exception& e) {
    spdlog::warn("bot {}: could not release its lock cleanly ({}); it ends with this daemon's connection", bot,
                 e.what());
  }
}

std::int64_t BotRegistry::begin_run(const config::BotConfig& bot, const std::string& config_text,
                                    const std::string& code_version) {
  std::lock_guard lock(mutex_);
  pqxx::work work(*connection_);
  const auto id = work.exec_params1(
                          "INSERT INTO runs (kind, bot, symbol, config_file, config_yaml, code_version, data_file, "
                          "initial_cash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric) RETURNING id",
                          std::string(config::to_string(bot.mode)), bot.name, bot.instrument.symbol, bot.file.string(), config_text,
                          code_version, data_source(bot), bot.initial_cash.to_string())[0]
                      .as<std::int64_t>();
  work.commit();
  return id;
}

BotRecovery BotRegistry::recover(const config::BotConfig& bot) {
  std::lock_guard lock(mutex_);
  return load_bot(*connection_, bot.name, bot.initial_cash);
}

std::vector<std::string> BotRegistry::check() {
  std::lock_guard lock(mutex_);
  try {
    if (connection_) {
      pqxx::nontransaction work(*connection_);
      work.exec("SELECT 1");
      return {};
    }
  } catch (const std::exception&) {
    connection_.reset();
    spdlog::error("store: the daemon's lock connection is lost; its bots' locks are released until it is back");
  }
  try {
    connection_ = connect(dsn_);
  } catch (const std::exception&) {
    return {};
  }
  std::vector<std::string> lost;
  for (auto& [bot, owned] : owned_) {
    if (try_lock(*connection_, bot)) continue;
    lost.push_back(bot);
  }
  for (const std::string& bot : lost) owned_.erase(bot);
  spdlog::warn("store: lock connection back; {} bot lock(s) re-taken, {} taken by another daemon meanwhile",
               owned_.size(), lost.size());
  return lost;
}

}  // namespace smoops::store
