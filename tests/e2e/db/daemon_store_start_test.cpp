// smoopsd's start against a database it cannot use (issue 6, "Outages" and "Bad input"): each
// case ends the start-up with its documented exit code (docs/exit-codes.md) and a message that
// says what is wrong and what to do, never a crash, never a password; and a bot is owned by one
// daemon at a time.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "support/daemon_fixture.hpp"
#include "support/process.hpp"
#include "support/test_database.hpp"

namespace smoops::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBot = "start-bot";

std::string this_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

/// A daemon whose start-up the test watches to its end.
class DaemonStoreStart : public ::testing::Test {
 protected:
  /// smoopsd.yaml with `store: {<store>}`; the state folder is the daemon's own.
  void write_config(DaemonUnderTest& daemon, const std::string& store) {
    daemon.write_config("", "store: {" + store + ", state_dir: " + (daemon.dir() / "state").string() + "}\n");
  }
  void migrate(const std::string& dsn) {
    const ProcessResult migrated = run_process({(bin_dir() / "smoops").string(), "db", "migrate", "--dsn", dsn}, daemon_.dir());
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  }
  /// Starts smoopsd and waits for it to exit on its own; the exit code (nullopt: still running).
  std::optional<int> run_to_exit(DaemonUnderTest& daemon, std::chrono::milliseconds timeout = 20s) {
    const auto started = std::chrono::steady_clock::now();
    const std::optional<int> code = daemon.spawn().wait(timeout);
    took_ = std::chrono::steady_clock::now() - started;
    return code;
  }
  /// A paper bot that processes a bar now and the next one in five minutes: it never trades here.
  void write_quiet_bot(DaemonUnderTest& daemon) { daemon.write_bot(kBot, bot_yaml(kBot, "paper", bot_strategy(), "1")); }
  static std::string bot_strategy() { return "{plugin: sma_cross, params: {fast: 2, slow: 5, quantity: 0.1}}"; }

  DaemonUnderTest daemon_;
  std::chrono::steady_clock::duration took_{};
};

TEST_F(DaemonStoreStart, AnUnreachableServerIsRetriedThenTheDaemonExitsWith10) {
  write_config(daemon_, "dsn: 'host=/nonexistent-dir port=5432 user=x dbname=y', connect_timeout_s: 1");
  ASSERT_EQ(run_to_exit(daemon_), std::optional<int>(10)) << daemon_.process().err();
  const std::string err = daemon_.process().err();
  // One warning per failed attempt, then the final error with what was tried.
  EXPECT_NE(err.find("PostgreSQL at host=/nonexistent-dir port=5432 user=x dbname=y is not reachable (attempt 1)"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("(attempt 2)"), std::string::npos) << err;
  EXPECT_NE(err.find("retrying in"), std::string::npos) << err;
  EXPECT_NE(err.find("error: cannot connect to PostgreSQL at host=/nonexistent-dir"), std::string::npos) << err;
  EXPECT_NE(err.find("gave up after"), std::string::npos) << err;
  EXPECT_LT(took_, 10s) << "connect_timeout_s: 1 bounds the retries";
}

TEST_F(DaemonStoreStart, AMalformedDsnExitsWith10AtOnce) {
  write_config(daemon_, "dsn: 'host=/tmp port=5432 dbname', connect_timeout_s: 30");
  ASSERT_EQ(run_to_exit(daemon_), std::optional<int>(10)) << daemon_.process().err();
  const std::string err = daemon_.process().err();
  EXPECT_NE(err.find("error: cannot connect to PostgreSQL at host=/tmp port=5432 dbname"), std::string::npos) << err;
  EXPECT_NE(err.find("check the DSN"), std::string::npos) << err;
  EXPECT_EQ(err.find("retrying"), std::string::npos) << "a malformed DSN is not retried: " << err;
  EXPECT_LT(took_, 10s);
}

TEST_F(DaemonStoreStart, AWrongPasswordExitsWith10WithoutShowingIt) {
  TestDatabase database;
  migrate(database.dsn());
  const std::string role = "t_start_role_" + std::to_string(::getpid());
  const auto admin = [](const std::string& sql) {
    pqxx::connection connection(server_dsn());
    pqxx::nontransaction(connection).exec(sql);
  };
  admin("DROP ROLE IF EXISTS " + role);
  admin("CREATE ROLE " + role + " LOGIN PASSWORD 'Right-Secret-4711'");
  // The suite's server asks every role but its superuser for a password (pg_fixture.sh).
  std::string dsn = with_dbname(server_dsn(), database.name());
  dsn.replace(dsn.find("user=smoops"), 11, "user=" + role + " password=Wrong-Secret-0815");
  write_config(daemon_, "dsn: '" + dsn + "', connect_timeout_s: 30");
  const std::optional<int> code = run_to_exit(daemon_);
  admin("DROP ROLE IF EXISTS " + role);

  ASSERT_EQ(code, std::optional<int>(10)) << daemon_.process().err();
  const std::string err = daemon_.process().err() + daemon_.process().out();
  EXPECT_NE(err.find("password authentication failed for user \"" + role + "\""), std::string::npos) << err;
  EXPECT_NE(err.find("check the user and password"), std::string::npos) << err;
  EXPECT_NE(err.find("password=***"), std::string::npos) << err;
  EXPECT_EQ(err.find("Wrong-Secret-0815"), std::string::npos) << "the password was shown";
  EXPECT_EQ(err.find("Right-Secret-4711"), std::string::npos);
  EXPECT_EQ(err.find("retrying"), std::string::npos) << "refused credentials are not retried: " << err;
}

TEST_F(DaemonStoreStart, ASchemaBehindExitsWith11AndNamesTheCommandToRun) {
  TestDatabase database;  // never migrated
  write_config(daemon_, "dsn: '" + database.dsn() + "', connect_timeout_s: 5");
  ASSERT_EQ(run_to_exit(daemon_), std::optional<int>(11)) << daemon_.process().err();
  const std::string err = daemon_.process().err();
  EXPECT_NE(err.find("error: the database has no smoops schema yet (version 0)"), std::string::npos) << err;
  EXPECT_NE(err.find("run `smoops db migrate`"), std::string::npos) << err;
}

TEST_F(DaemonStoreStart, ASchemaFromANewerSmoopsExitsWith11AndSaysToUpgrade) {
  TestDatabase database;
  migrate(database.dsn());
  {
    pqxx::connection connection(database.dsn());
    pqxx::nontransaction(connection)
        .exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future.sql', 'f00d')");
  }
  write_config(daemon_, "dsn: '" + database.dsn() + "', connect_timeout_s: 5");
  ASSERT_EQ(run_to_exit(daemon_), std::optional<int>(11)) << daemon_.process().err();
  const std::string err = daemon_.process().err();
  EXPECT_NE(err.find("version 9999, newer than this smoops knows"), std::string::npos) << err;
  EXPECT_NE(err.find("upgrade smoops"), std::string::npos) << err;
}

TEST_F(DaemonStoreStart, ASecondDaemonOnTheSameBotExitsWith12AndNamesTheOwner) {
  TestDatabase database;
  migrate(database.dsn());
  const std::string store = "dsn: '" + database.dsn() + "', connect_timeout_s: 5";
  write_config(daemon_, store);
  write_quiet_bot(daemon_);
  daemon_.start();

  DaemonUnderTest second;  // its own state folder and bus endpoints, the same database and bot
  write_config(second, store);
  write_quiet_bot(second);
  ASSERT_EQ(run_to_exit(second), std::optional<int>(12)) << second.process().err();
  const std::string err = second.process().err();
  const std::string owner = this_host() + ":" + std::to_string(daemon_.process().pid());
  EXPECT_NE(err.find("error: bot start-bot is owned by " + owner), std::string::npos) << err;
  EXPECT_NE(err.find("stop that daemon or remove the bot from one of them"), std::string::npos) << err;

  // The first daemon is not disturbed: its bot runs on.
  ASSERT_TRUE(daemon_.process().running()) << daemon_.process().err();
  const Json bots = daemon_.request({{"command", "bots"}});
  ASSERT_EQ(bots.at("bots").size(), 1u);
  EXPECT_EQ(bots.at("bots")[0].value("state", ""), "running") << bots.dump();
  {
    pqxx::connection connection(database.dsn());
    EXPECT_EQ(pqxx::nontransaction(connection).exec1("SELECT owner FROM bots WHERE name = 'start-bot'")[0].c_str(),
              owner);
  }

  // Once the first stops, the second takes the bot over.
  ASSERT_EQ(daemon_.stop(SIGTERM, 20s), std::optional<int>(0)) << daemon_.process().err();
  ASSERT_NO_THROW(second.start()) << second.process().err();
  const Json taken = second.request({{"command", "bots"}});
  EXPECT_EQ(taken.at("bots")[0].value("state", ""), "running") << taken.dump();
  ASSERT_EQ(second.stop(SIGTERM, 20s), std::optional<int>(0)) << second.process().err();
}

/// The simulated exchange's journal of an earlier life of the bot: its account line and `lines`.
std::filesystem::path write_venue_journal(DaemonUnderTest& daemon, const std::string& lines) {
  const auto exchange_dir = daemon.dir() / "state" / "bots" / kBot / "exchange";
  std::filesystem::create_directories(exchange_dir);
  std::ofstream(exchange_dir / "sim-exchange.jsonl")
      << R"({"type":"account","symbol":"BTC/USDT","base_asset":"BTC","quote_asset":"USDT","initial_cash":"10000"})"
      << '\n'
      << lines;
  return exchange_dir;
}

TEST_F(DaemonStoreStart, ABotWhoseExchangeKnowsItsOrdersButTheDatabaseHasNoBooksIsRefused) {
  TestDatabase database;
  migrate(database.dsn());
  write_config(daemon_, "dsn: '" + database.dsn() + "', connect_timeout_s: 5");
  write_quiet_bot(daemon_);
  // The exchange received the bot's first order in an earlier life, against a database that has none.
  const auto exchange_dir = write_venue_journal(
      daemon_,
      R"({"type":"order","ts":0,"client_order_id":"start-bot-1","exchange_order_id":"sim-o1","symbol":"BTC/USDT","side":"buy","order_type":"market","time_in_force":"gtc","quantity":"0.1","limit_price":"0","stop_price":"0","status":"accepted","reason":"","created_ts":0,"tag":""})"
      "\n");
  const std::string journal_before = [&] {
    std::ifstream in(exchange_dir / "sim-exchange.jsonl");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();

  const std::optional<int> code = run_to_exit(daemon_);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 10) << daemon_.process().err();
  const std::string err = daemon_.process().err();
  EXPECT_NE(err.find("error: bot start-bot has no books in the database, but its exchange knows its order start-bot-1 "
                     "(accepted): the exchange's state in " + exchange_dir.string() +
                     " holds the trading of books this database does not have"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("point store.dsn at the database that holds its books, or remove that state to start the bot over"),
            std::string::npos)
      << err;
  // The exchange's record is left as it was, and the database holds no order of the bot.
  std::ifstream in(exchange_dir / "sim-exchange.jsonl");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), journal_before);
  pqxx::connection connection(database.dsn());
  EXPECT_EQ(pqxx::nontransaction(connection).exec1("SELECT count(*) FROM orders")[0].as<int>(), 0);
}

TEST_F(DaemonStoreStart, AnExchangeAccountThatHoldsNoOrderIsAFreshStartWhenTheDatabaseHasNoBooks) {
  // What a first start killed after the exchange opened its account and before the bot's books
  // were first written leaves behind.
  TestDatabase database;
  migrate(database.dsn());
  write_config(daemon_, "dsn: '" + database.dsn() + "', connect_timeout_s: 5");
  write_quiet_bot(daemon_);
  write_venue_journal(daemon_, "");

  ASSERT_NO_THROW(daemon_.start()) << daemon_.process().err();
  const Json bots = daemon_.request({{"command", "bots"}});
  ASSERT_EQ(bots.at("bots").size(), 1u);
  EXPECT_EQ(bots.at("bots")[0].value("state", ""), "running") << bots.dump();
  EXPECT_NE(daemon_.process().err().find("bot start-bot: no books in the database and the exchange knows no order of "
                                         "it (start-bot-1 unknown): a fresh start"),
            std::string::npos)
      << daemon_.process().err();
  ASSERT_EQ(daemon_.stop(SIGTERM, 20s), std::optional<int>(0)) << daemon_.process().err();
}

TEST_F(DaemonStoreStart, BooksWithFillsTheExchangeDoesNotKnowAreRefused) {
  // The bot trades, stops; then its exchange's state is lost (the folder removed). The database's
  // position and the new account's balances would disagree: the start is refused.
  TestDatabase database;
  migrate(database.dsn());
  write_config(daemon_, "dsn: '" + database.dsn() + "', connect_timeout_s: 5");
  daemon_.write_bot(kBot, bot_yaml(kBot, "paper", bot_strategy(), "100000"));
  ASSERT_NO_THROW(daemon_.start()) << daemon_.process().err();
  pqxx::connection connection(database.dsn());
  std::string last_filled;
  for (int attempt = 0; attempt < 200 && last_filled.empty(); ++attempt) {
    std::this_thread::sleep_for(50ms);
    const pqxx::result row = pqxx::nontransaction(connection).exec(
        "SELECT client_order_id FROM orders WHERE filled_quantity > 0 ORDER BY seq DESC LIMIT 1");
    if (!row.empty()) last_filled = row[0][0].c_str();
  }
  ASSERT_FALSE(last_filled.empty()) << "the bot did not trade within 10 s: " << daemon_.process().err();
  ASSERT_EQ(daemon_.stop(SIGTERM, 20s), std::optional<int>(0)) << daemon_.process().err();
  const auto exchange_dir = daemon_.dir() / "state" / "bots" / kBot / "exchange";
  ASSERT_TRUE(std::filesystem::exists(exchange_dir / "sim-exchange.jsonl"));
  std::filesystem::remove_all(exchange_dir);
  const std::string newest = pqxx::nontransaction(connection)
                                 .exec1("SELECT client_order_id FROM orders WHERE filled_quantity > 0 ORDER BY seq "
                                        "DESC LIMIT 1")[0]
                                 .c_str();
  const int orders_before = pqxx::nontransaction(connection).exec1("SELECT count(*) FROM orders")[0].as<int>();

  const std::optional<int> code = run_to_exit(daemon_);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 10) << daemon_.process().err();
  EXPECT_NE(daemon_.process().err().find("error: bot start-bot has books in the database with fills of its order " +
                                         newest + ", but its exchange does not know that order: the exchange's state (" +
                                         exchange_dir.string() + ") was lost or belongs to another account"),
            std::string::npos)
      << daemon_.process().err();
  // Nothing was traded on books the exchange does not share.
  EXPECT_EQ(pqxx::nontransaction(connection).exec1("SELECT count(*) FROM orders")[0].as<int>(), orders_before);
}

}  // namespace
}  // namespace smoops::test
