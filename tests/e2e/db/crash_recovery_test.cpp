// Crash safety, end to end: a paper bot trades the real BTC/USDT 5-minute series against the
// simulated exchange while smoopsd is killed with SIGKILL at random moments and restarted each
// time. At the end the database is compared with the exchange's own record (its journal,
// docs/sim-exchange.md "State file"): no fill lost or stored twice, no order the exchange received
// twice, and the same position and cash.
//
// SMOOPS_CRASH_KILLS (default 50) and SMOOPS_CRASH_SEED (default 20261125) change the number of
// kills and the moments; tests/e2e/crash_soak.sh runs it with many more. The test needs kills that
// land with orders in flight, counted from the database and the exchange's journal as each kill
// left them: at least a fifth of the kills must find an order or a fill of that life whose fate
// the database did not know. A slower build (ASan) spends more of each life starting up, so more
// kills land before any order; the test then kills on, up to three times as many times, until it
// has enough.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/daemon_fixture.hpp"
#include "support/process.hpp"
#include "support/test_database.hpp"
#include "support/venue_record.hpp"

namespace smoops::test {
namespace {

constexpr const char* kBot = "crash-bot";

std::int64_t env_or(const char* name, std::int64_t fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::stoll(value) : fallback;
}

/// What the daemon had done when a kill landed, as the database and the exchange's journal hold it
/// (neither changes once the daemon is dead): what the next start has to settle.
struct AtKill {
  std::set<std::string> open_orders;       ///< orders the database holds that had not ended
  std::set<std::string> fills_not_stored;  ///< trade ids of fills the exchange made that the database lacks

  /// True when this kill left an order or a fill in flight that the previous kill had not: the
  /// daemon was trading in the life this kill ended (not still recovering an earlier one's).
  bool in_flight_since(const AtKill& previous) const {
    const auto has_new = [](const std::set<std::string>& now, const std::set<std::string>& before) {
      return std::any_of(now.begin(), now.end(), [&](const std::string& id) { return !before.contains(id); });
    };
    return has_new(open_orders, previous.open_orders) || has_new(fills_not_stored, previous.fills_not_stored);
  }
};

class CrashRecovery : public ::testing::Test {
 protected:
  void SetUp() override {
    const ProcessResult migrated =
        run_process({(bin_dir() / "smoops").string(), "db", "migrate", "--dsn", database_.dsn()}, daemon_.dir());
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    daemon_.write_config("", "store: {dsn: '" + database_.dsn() + "', state_dir: " + state_dir().string() +
                                 ", connect_timeout_s: 10}\nshutdown: {open_orders: cancel}\n");
  }
  std::filesystem::path state_dir() const { return daemon_.dir() / "state"; }
  std::filesystem::path venue_journal() const {
    return state_dir() / "bots" / kBot / "exchange" / "sim-exchange.jsonl";
  }
  /// Read right after a kill. The journal's last line may be torn by it: lines that do not parse
  /// are skipped (the exchange drops a torn line at its next start).
  AtKill at_kill() {
    AtKill at;
    std::set<std::string> venue_fills;
    std::ifstream journal(venue_journal());
    for (std::string line; std::getline(journal, line);) {
      const Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_object() && record.value("type", "") == "fill") venue_fills.insert(record.value("trade_id", ""));
    }
    pqxx::connection connection(database_.dsn());
    pqxx::nontransaction work(connection);
    for (const auto& row : work.exec_params("SELECT client_order_id FROM orders WHERE bot = $1 AND status NOT IN "
                                            "('denied', 'canceled', 'rejected', 'expired', 'filled')",
                                            kBot))
      at.open_orders.insert(row[0].c_str());
    std::set<std::string> stored_fills;
    for (const auto& row : work.exec_params("SELECT trade_id FROM fills WHERE bot = $1", kBot))
      stored_fills.insert(row[0].c_str());
    for (const std::string& trade_id : venue_fills)
      if (!stored_fills.contains(trade_id)) at.fills_not_stored.insert(trade_id);
    return at;
  }
  void write_bot(const std::string& speed) {
    // Fast crossovers: an order every few bars, each filled at the next bar's open.
    daemon_.write_bot(kBot, bot_yaml(kBot, "paper", "{plugin: sma_cross, params: {fast: 2, slow: 5, quantity: 0.1}}",
                                     speed));
  }

  TestDatabase database_;
  DaemonUnderTest daemon_;
};

TEST_F(CrashRecovery, SigkillAtRandomMomentsLosesNoFillAndSendsNoOrderTwice) {
  const std::int64_t kills = env_or("SMOOPS_CRASH_KILLS", 50);
  const auto seed = static_cast<std::uint32_t>(env_or("SMOOPS_CRASH_SEED", 20261125));
  std::mt19937 random(seed);
  // A life of 40 to 400 ms: some kills land during start-up and recovery, most while trading.
  std::uniform_int_distribution<int> life_ms(40, 400);
  write_bot("100000");  // 333 bars a second

  // At least `kills` kills, and on (up to three times as many) until a fifth of `kills` landed
  // with orders in flight.
  const std::int64_t in_flight_needed = std::max<std::int64_t>(1, kills / 5);
  const std::int64_t most_kills = 3 * kills;
  std::int64_t restarts_after_kill = 0, kills_in_flight = 0;
  std::size_t open_orders_at_kills = 0, fills_not_stored_at_kills = 0;
  AtKill previous;
  std::vector<std::string> lives_that_failed;
  for (std::int64_t kill = 0; kill < kills || (kills_in_flight < in_flight_needed && kill < most_kills); ++kill) {
    ChildProcess& process = daemon_.spawn("life-" + std::to_string(kill));
    std::this_thread::sleep_for(std::chrono::milliseconds(life_ms(random)));
    if (!process.running()) {
      lives_that_failed.push_back("life " + std::to_string(kill) + ": " + process.err());
      break;
    }
    process.signal(SIGKILL);
    ASSERT_TRUE(process.wait(std::chrono::seconds(5)).has_value());
    ++restarts_after_kill;
    AtKill at = at_kill();
    if (at.in_flight_since(previous)) {
      ++kills_in_flight;
      open_orders_at_kills += at.open_orders.size();
      fills_not_stored_at_kills += at.fills_not_stored.size();
    }
    previous = std::move(at);
  }
  ASSERT_TRUE(lives_that_failed.empty()) << "smoopsd exited on its own: " << lives_that_failed.front();

  // The last life recovers, trades a while and stops cleanly (working orders canceled).
  daemon_.start();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(daemon_.stop(SIGTERM, std::chrono::seconds(20)), std::optional<int>(0)) << daemon_.process().err();

  const VenueRecord venue = read_venue(venue_journal());
  pqxx::connection connection(database_.dsn());
  pqxx::work work(connection);

  const std::size_t never_received = expect_store_matches_venue(work, kBot, venue);
  // sma_cross holds at most 0.1: an order sent twice would have doubled the position.
  EXPECT_LE(venue.max_base, 10'000'000);

  // The runs: one per life, the crashed ones marked interrupted, the last one finished.
  const auto runs = work.exec_params("SELECT status, count(*) FROM runs WHERE bot = $1 GROUP BY status", kBot);
  std::map<std::string, int> by_status;
  for (const auto& row : runs) by_status[row[0].c_str()] = row[1].as<int>();
  EXPECT_EQ(by_status["finished"], 1);
  EXPECT_EQ(by_status["running"], 0);

  // What recovery did over all the lives (from their logs), so that a run that never crashed at
  // an interesting moment shows up.
  std::size_t fills_from_exchange = 0, rejected_on_recovery = 0, recoveries = 0;
  const std::regex reconciled(R"((\d+) orders checked, (\d+) fills applied, (\d+) orders never received)");
  for (std::int64_t life = 0; life < restarts_after_kill; ++life) {
    std::ifstream log(daemon_.dir() / ("life-" + std::to_string(life) + ".err"));
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), reconciled), end; it != end; ++it) {
      ++recoveries;
      fills_from_exchange += std::stoul((*it)[2]);
      rejected_on_recovery += std::stoul((*it)[3]);
    }
  }
  std::cout << "[ crash ] seed " << seed << ": " << restarts_after_kill << " kills, " << kills_in_flight
            << " of them with orders in flight (" << open_orders_at_kills << " orders open in the database, "
            << fills_not_stored_at_kills << " fills not yet stored, summed over those kills), " << recoveries
            << " recoveries, " << venue.fills.size() << " fills, " << venue.orders_received.size()
            << " orders received by the exchange, " << never_received << " journaled but never received, "
            << fills_from_exchange << " fills recovered from the exchange, " << rejected_on_recovery
            << " orders marked rejected on recovery\n";
  EXPECT_GE(restarts_after_kill, kills);
  EXPECT_GT(venue.fills.size(), 20u);
  // What the test is about: kills that left orders whose fate the database did not know.
  EXPECT_GE(kills_in_flight, in_flight_needed)
      << "too few kills landed with orders in flight to tell whether recovery loses a fill or sends an order twice";
}

}  // namespace
}  // namespace smoops::test
