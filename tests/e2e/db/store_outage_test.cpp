// The database stopped and restarted under a running paper bot (issue 6, "Outages"): the bot
// follows store.on_outage while the server is down (keep_trading: it trades on; reduce_only, the
// default: no order that opens or grows a position leaves; halt: it halts), the daemon says when
// it lost the database and when it got it back, and once the server is back the database holds
// exactly what the exchange did: no fill lost, nothing doubled, the spill file gone.
//
// Stopping the suite's shared server would break the tests running beside these, so each test
// runs a PostgreSQL server of its own (tests/support/pg_fixture.sh) and stops it with pg_ctl.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/daemon_fixture.hpp"
#include "support/process.hpp"
#include "support/venue_record.hpp"

namespace smoops::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBot = "outage-bot";
constexpr auto kOutage = 2s;

/// The newest PostgreSQL server programs (as pg_fixture.sh picks them).
std::filesystem::path postgres_bin_dir() {
  if (const char* dir = std::getenv("SMOOPS_PG_BINDIR")) return dir;
  std::filesystem::path best;
  int best_version = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    if (std::stoi(name) > best_version && std::filesystem::exists(entry.path() / "bin" / "pg_ctl")) {
      best_version = std::stoi(name);
      best = entry.path() / "bin";
    }
  }
  return best;
}

/// A PostgreSQL server of the test's own, in a folder under /tmp, that the test can stop and
/// start again. As root the server runs as `postgres` (PostgreSQL refuses root).
class OwnServer {
 public:
  OwnServer() {
    std::string pattern = "/tmp/smoops-pgout-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    parent_ = pattern;
    ::chmod(parent_.c_str(), 0755);  // `postgres` must reach its folder inside
    dir_ = parent_ / "pg";
    const ProcessResult started = run_process(
        {"/bin/bash", (test_source_dir() / "support" / "pg_fixture.sh").string(), "start", dir_.string()}, parent_);
    if (started.exit_code != 0) throw std::runtime_error("pg_fixture.sh start failed: " + started.err);
    std::ifstream in(dir_ / "dsn");
    std::getline(in, dsn_);
  }
  ~OwnServer() {
    run_process({"/bin/bash", (test_source_dir() / "support" / "pg_fixture.sh").string(), "stop", dir_.string()},
                parent_);
    std::error_code ignored;
    std::filesystem::remove_all(parent_, ignored);
  }
  OwnServer(const OwnServer&) = delete;
  OwnServer& operator=(const OwnServer&) = delete;

  const std::string& dsn() const { return dsn_; }
  /// Stops the server the way an operator or a failover does: sessions are ended at once.
  void stop() { pg_ctl("stop -m fast -w"); }
  /// Starts it again, listening where it did.
  void start() {
    pg_ctl("-l '" + (dir_ / "server.log").string() + "' -w -t 60 -o \"-c listen_addresses='' -c unix_socket_directories='" +
           dir_.string() + "' -c fsync=on -c max_connections=200\" start");
  }

 private:
  void pg_ctl(const std::string& arguments) {
    const std::string owner = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    const std::string command =
        owner + (postgres_bin_dir() / "pg_ctl").string() + " -D '" + (dir_ / "data").string() + "' " + arguments;
    const ProcessResult result = run_process({"/bin/bash", "-c", command}, parent_);
    if (result.exit_code != 0) throw std::runtime_error(command + " failed: " + result.err + result.out);
  }

  std::filesystem::path parent_;
  std::filesystem::path dir_;
  std::string dsn_;
};

/// Polls `done` every 20 ms until it holds (true) or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

/// The complete lines of the exchange's journal so far (the sim may be appending one now).
std::vector<Json> venue_records(const std::filesystem::path& journal) {
  std::ifstream in(journal, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Json> records;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start))
    if (end > start) records.push_back(Json::parse(text.substr(start, end - start)));
  return records;
}

std::size_t count_type(const std::vector<Json>& records, std::size_t from, std::size_t to, const std::string& type) {
  std::size_t found = 0;
  for (std::size_t i = from; i < to && i < records.size(); ++i) found += records[i].at("type") == type ? 1 : 0;
  return found;
}

class StoreOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    const ProcessResult migrated =
        run_process({(bin_dir() / "smoops").string(), "db", "migrate", "--dsn", server_.dsn()}, daemon_.dir());
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    // Fast crossovers: an order every few bars, each filled at the next bar's open; 333 bars a
    // second, so the file lasts far longer than the test.
    daemon_.write_bot(kBot, bot_yaml(kBot, "paper", "{plugin: sma_cross, params: {fast: 2, slow: 5, quantity: 0.1}}",
                                     "100000"));
  }
  void write_config(const std::string& store_extra) {
    daemon_.write_config("", "store: {dsn: '" + server_.dsn() + "', state_dir: " + state_dir().string() +
                                 ", connect_timeout_s: 10" + store_extra + "}\nshutdown: {open_orders: cancel}\n");
  }
  std::filesystem::path state_dir() const { return daemon_.dir() / "state"; }
  std::filesystem::path spill_file() const { return state_dir() / "store-spill.jsonl"; }
  std::filesystem::path venue_journal() const {
    return state_dir() / "bots" / kBot / "exchange" / "sim-exchange.jsonl";
  }
  std::string log() { return daemon_.process().err(); }
  bool logged(const std::string& text) { return log().find(text) != std::string::npos; }

  /// Starts the daemon, lets the bot trade, stops the server for kOutage (calling `during`
  /// while it is down), starts it again, lets the bot run on and stops the daemon cleanly.
  /// Records where the outage began and ended in the exchange's journal.
  void trade_through_an_outage(const std::function<void()>& during = [] {}) {
    daemon_.start();
    ASSERT_TRUE(eventually([&] { return count_type(venue_records(venue_journal()), 0, SIZE_MAX, "fill") >= 2; }, 10s))
        << "the bot did not trade before the outage: " << log();

    server_.stop();
    const auto down_at = std::chrono::steady_clock::now();
    // Whatever the exchange records from here on happened while the database was down.
    records_at_stop_ = venue_records(venue_journal()).size();
    ASSERT_TRUE(eventually([&] { return logged("lost the database"); }, 10s)) << log();
    during();
    std::this_thread::sleep_until(down_at + kOutage);
    records_at_start_ = venue_records(venue_journal()).size();
    server_.start();

    ASSERT_TRUE(eventually([&] { return logged("database back"); }, 15s)) << log();
    std::this_thread::sleep_for(1s);
    ASSERT_EQ(daemon_.stop(SIGTERM, 30s), std::optional<int>(0)) << log();
  }

  /// Once the daemon stopped: the database holds exactly what the exchange did, and nothing
  /// waits in (or was refused into) the spill files.
  void expect_nothing_lost() {
    const VenueRecord venue = read_venue(venue_journal());
    pqxx::connection connection(server_.dsn());
    pqxx::work work(connection);
    expect_store_matches_venue(work, kBot, venue);
    EXPECT_LE(venue.max_base, 10'000'000) << "sma_cross holds at most 0.1: an order went out twice";
    EXPECT_FALSE(std::filesystem::exists(spill_file())) << "the spill file is removed once written";
    EXPECT_FALSE(std::filesystem::exists(spill_file().string() + ".rejected"));
    EXPECT_EQ(work.exec1("SELECT count(*) FROM runs WHERE bot = 'outage-bot' AND status = 'running'")[0].as<int>(), 0);
  }

  OwnServer server_;
  DaemonUnderTest daemon_;
  std::size_t records_at_stop_ = 0;
  std::size_t records_at_start_ = 0;
};

TEST_F(StoreOutage, KeepTradingTradesThroughTheOutageSpillsAndLosesNothing) {
  write_config(", on_outage: keep_trading");
  ASSERT_NO_FATAL_FAILURE(trade_through_an_outage([&] {
    // Each order's intent goes to the spill file before the order is sent.
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(spill_file()); }, 3s)) << log();
  }));

  const std::vector<Json> records = venue_records(venue_journal());
  EXPECT_GT(count_type(records, records_at_stop_, records_at_start_, "fill"), 0u)
      << "keep_trading: the bot must go on trading while the database is down";
  expect_nothing_lost();
  const std::string text = log();
  EXPECT_NE(text.find("store: lost the database"), std::string::npos) << text;
  EXPECT_NE(text.find("store: spilling to " + spill_file().string() +
                      " (the database is down and an order's intent must be on disk before the order is sent)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("store: database back after"), std::string::npos) << text;
  EXPECT_NE(text.find("the spill file is written to the database"), std::string::npos) << text;
}

TEST_F(StoreOutage, ReduceOnlyByDefaultSendsNoOrderThatOpensAPositionWhileTheDatabaseIsDown) {
  // on_outage: reduce_only is the default. A buffer of 50 rows (a bar makes two) is full within a
  // fraction of a second: the rows go on to the spill file.
  write_config(", buffer_events: 50");
  ASSERT_NO_FATAL_FAILURE(trade_through_an_outage());

  // sma_cross only buys to open a long position and sells to close it: while the database was
  // down, the exchange received no buy.
  const std::vector<Json> records = venue_records(venue_journal());
  for (std::size_t i = records_at_stop_; i < records_at_start_; ++i) {
    if (records[i].at("type") == "order") {
      EXPECT_NE(records[i].at("side"), "buy") << records[i].dump();
    }
  }
  expect_nothing_lost();

  // The buys it wanted meanwhile were denied, and the denials are stored with their reason.
  pqxx::connection connection(server_.dsn());
  pqxx::nontransaction work(connection);
  const auto denied = work.exec1(
      "SELECT count(*) FROM orders WHERE bot = 'outage-bot' AND status = 'denied' AND side = 'buy' AND reason LIKE "
      "'database unavailable: only orders that reduce the position are sent%'")[0].as<int>();
  EXPECT_GT(denied, 0) << "no buy was attempted during the outage; make it longer";
  EXPECT_EQ(work.exec1("SELECT count(*) FROM orders WHERE bot = 'outage-bot' AND status = 'denied' AND side = "
                       "'sell'")[0]
                .as<int>(),
            0)
      << "closing a position is allowed during an outage";
  const std::string text = log();
  EXPECT_NE(text.find("store: lost the database"), std::string::npos) << text;
  EXPECT_NE(text.find("store: spilling to " + spill_file().string()), std::string::npos) << text;
  EXPECT_NE(text.find("store: database back after"), std::string::npos) << text;
  EXPECT_NE(text.find("the spill file is written to the database"), std::string::npos) << text;
}

TEST_F(StoreOutage, HaltStopsTheBotWithAReasonNamingTheDatabase) {
  write_config(", on_outage: halt");
  std::string reason;
  ASSERT_NO_FATAL_FAILURE(trade_through_an_outage([&] {
    EXPECT_TRUE(eventually(
        [&] {
          const Json bot = daemon_.bots().at(kBot);
          reason = bot.value("reason", "");
          return bot.value("state", "") == "halted";
        },
        3s))
        << reason << "\n" << log();
  }));
  EXPECT_NE(reason.find("database unavailable"), std::string::npos) << reason;
  EXPECT_NE(reason.find("on_outage: halt"), std::string::npos) << reason;

  // No order left for the exchange once the database was gone.
  const std::vector<Json> records = venue_records(venue_journal());
  EXPECT_EQ(count_type(records, records_at_stop_, records.size(), "order"), 0u);
  expect_nothing_lost();
  pqxx::connection connection(server_.dsn());
  pqxx::nontransaction work(connection);
  const pqxx::row run = work.exec1("SELECT status, end_reason FROM runs WHERE bot = 'outage-bot' ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(std::string(run[0].c_str()), "finished");
  EXPECT_NE(std::string(run[1].c_str()).find("database unavailable"), std::string::npos) << run[1].c_str();
  const std::string text = log();
  EXPECT_NE(text.find("bot halted: database unavailable"), std::string::npos) << text;
  // The rows of the outage (a halted bot still marks its books at each bar) waited in memory.
  EXPECT_NE(text.find("store: database back after"), std::string::npos) << text;
  EXPECT_EQ(text.find("spilling to"), std::string::npos) << text;
}

}  // namespace
}  // namespace smoops::test
