// Crash safety of a bot's very first start (issue 16): smoopsd with one paper bot and no database
// configured, so that it creates its private PostgreSQL cluster in a fresh state folder, is killed
// with SIGKILL in its first seconds: during initdb, the cluster's start, the migrations, the bot's
// registration, the opening of its exchange account, its first orders. Each folder's first kill
// lands the moment one of those steps leaves its mark on disk; the other kills at random moments
// of the first 3 s. Half the kills take the whole service down (smoopsd and the cluster's
// processes, which run in sessions of their own), half only smoopsd. After the kills a last start
// must run the bot to the end of its data by itself, and the database must hold exactly what the
// exchange did (the checks of crash_recovery_test.cpp).
//
// SMOOPS_FIRST_START_KILLS (default 24) and SMOOPS_FIRST_START_SEED (default 20261204) change the
// number of kills and the moments; tests/e2e/crash_soak.sh runs it with many more.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "support/daemon_fixture.hpp"
#include "support/process.hpp"
#include "support/stray_processes.hpp"
#include "support/venue_record.hpp"

namespace smoops::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kBot = "first-bot";

std::int64_t env_or(const char* name, std::int64_t fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::stoll(value) : fallback;
}

/// A step of a first start and the file that appears when it begins (in the state folder).
struct Milestone {
  const char* step;
  const char* file;
};
constexpr Milestone kMilestones[] = {
    {"initdb", "postgres/initdb.log"},
    {"cluster start", "postgres/pg_ctl.log"},
    {"server starting", "postgres/data/postmaster.pid"},
    {"bot registered", "bots/first-bot"},
    {"exchange account opened", "bots/first-bot/exchange/sim-exchange.jsonl"},
};

/// One state folder: the daemon's store and the bot's exchange live there. Whatever the cluster
/// still runs under it is killed when the folder is done with.
class StateFolder {
 public:
  explicit StateFolder(fs::path path) : path_(std::move(path)) {}
  ~StateFolder() { kill_processes_mentioning(mark()); }
  StateFolder(const StateFolder&) = delete;
  StateFolder& operator=(const StateFolder&) = delete;
  const fs::path& path() const { return path_; }
  /// What the command lines of its cluster's programs contain ("<folder>/", so that folder s1 is
  /// not taken for s10).
  std::string mark() const { return path_.string() + "/"; }
  fs::path venue_journal() const { return path_ / "bots" / kBot / "exchange" / "sim-exchange.jsonl"; }

 private:
  fs::path path_;
};

class FirstStartCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    // As root the cluster runs as `postgres`, which must reach the state folders.
    ::chmod(daemon_.dir().c_str(), 0755);
  }
  void configure(const StateFolder& folder, const std::string& speed) {
    daemon_.write_config("", "store: {state_dir: " + folder.path().string() +
                                 ", connect_timeout_s: 30}\nshutdown: {open_orders: cancel}\n");
    // The real XRP/USDT hourly series (100 bars: 3.6 s at 100,000x, so that the random kills land
    // while it trades, and the last start finishes quickly). Fast crossovers: an order every few
    // bars, each filled at the next bar's open.
    daemon_.write_bot(kBot, "name: " + std::string(kBot) +
                                "\nmode: paper\n"
                                "instrument: {symbol: XRP/USDT, tick_size: 0.00001, lot_size: 0.1, min_notional: 5}\n"
                                "strategy: {plugin: sma_cross, params: {fast: 2, slow: 5, quantity: 10}}\n"
                                "exchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
                                "data: {csv: " + shared_data("ft_xrp_usdt_1h.csv").string() + ", speed: " + speed + "}\n");
  }
  /// SIGKILLs the running smoopsd; with `whole_service`, also every program of the folder's
  /// cluster (initdb, pg_ctl, the server), as a crash of the whole service would.
  void kill(ChildProcess& process, const StateFolder& folder, bool whole_service) {
    process.signal(SIGKILL);
    ASSERT_TRUE(process.wait(5s).has_value());
    if (whole_service) kill_processes_mentioning(folder.mark());
  }
  /// Runs smoopsd until the bot has processed its whole file, then stops it with SIGTERM (exit 0).
  void run_to_end_of_data(const std::string& stem) {
    ChildProcess& process = daemon_.spawn(stem);
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    bool finished = false;
    while (!finished && std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(process.running()) << "smoopsd exited on its own: " << process.err();
      try {
        const Json reply = daemon_.request({{"command", "bots"}}, 500ms);
        for (const Json& bot : reply.at("bots")) {
          if (!bot.value("finished", false)) continue;
          ASSERT_EQ(bot.value("reason", ""), "end of data") << reply.dump() << process.err();
          finished = true;
        }
      } catch (const std::exception&) {
        // not answering yet: still starting
      }
      if (!finished) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(finished) << "the bot did not reach the end of its data within 120 s: " << process.err();
    ASSERT_EQ(daemon_.stop(SIGTERM, 30s), std::optional<int>(0)) << process.err();
  }
  /// Starts the folder's cluster with `smoops db start`; its DSN.
  std::string start_cluster(const StateFolder& folder) {
    const ProcessResult started =
        run_process({(bin_dir() / "smoops").string(), "db", "start", "--state-dir", folder.path().string()},
                    daemon_.dir());
    EXPECT_EQ(started.exit_code, 0) << started.err;
    std::string dsn = started.out;
    while (!dsn.empty() && (dsn.back() == '\n' || dsn.back() == '\r')) dsn.pop_back();
    return dsn;
  }
  void stop_cluster(const StateFolder& folder) {
    const ProcessResult stopped =
        run_process({(bin_dir() / "smoops").string(), "db", "stop", "--state-dir", folder.path().string()},
                    daemon_.dir());
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  }

  /// Every life's log of the folder `number` (1-based), for a failure's post-mortem.
  void print_lives(int number) const {
    for (const auto& entry : fs::directory_iterator(daemon_.dir())) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("f" + std::to_string(number) + "-", 0) != 0 || entry.path().extension() != ".err") continue;
      std::ifstream in(entry.path());
      std::cout << "---- " << name << "\n" << in.rdbuf() << "\n";
    }
  }
  void TearDown() override {
    if (HasFailure() && current_folder_ > 0) print_lives(current_folder_);
  }

  DaemonUnderTest daemon_;
  int current_folder_ = 0;
};

TEST_F(FirstStartCrash, SigkillInTheFirstSecondsOfAFreshStateFolderNeverStopsTheBotFromStartingAgain) {
  const std::int64_t kills = env_or("SMOOPS_FIRST_START_KILLS", 24);
  const auto seed = static_cast<std::uint32_t>(env_or("SMOOPS_FIRST_START_SEED", 20261204));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> moment_ms(0, 3000);
  std::uniform_int_distribution<int> extra_lives(0, 2);
  std::uniform_int_distribution<int> coin(0, 1);
  std::uniform_int_distribution<int> delay_us(0, 20'000);

  std::int64_t kills_done = 0;
  std::map<std::string, int> milestone_kills;  // step -> kills that landed as it began
  int folders = 0;
  while (kills_done < kills) {
    StateFolder folder(daemon_.dir() / ("s" + std::to_string(folders)));
    SCOPED_TRACE("state folder " + folder.path().string() + ", seed " + std::to_string(seed));
    const Milestone& milestone = kMilestones[static_cast<std::size_t>(folders) % std::size(kMilestones)];
    ++folders;
    current_folder_ = folders;
    configure(folder, "100000");  // 28 bars a second

    // The first life is killed as its milestone's file appears (now and then a moment later).
    {
      ChildProcess& process = daemon_.spawn("f" + std::to_string(folders) + "-life0");
      const fs::path mark = folder.path() / milestone.file;
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      // Polled every 100 us: a step's window is a millisecond or more, and a busy loop would
      // take a core from the daemon (and from tests running beside this one).
      while (!fs::exists(mark) && process.running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100us);
      ASSERT_TRUE(process.running()) << "smoopsd exited on its own before " << milestone.step << ": " << process.err();
      ASSERT_TRUE(fs::exists(mark)) << milestone.file << " did not appear within 30 s: " << process.err();
      if (coin(random) == 1) std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
      ASSERT_TRUE(process.running()) << "smoopsd exited on its own during " << milestone.step << ": " << process.err();
      kill(process, folder, coin(random) == 1);
      ++milestone_kills[milestone.step];
      ++kills_done;
    }
    // Then a few lives killed at random moments of their first 3 s.
    for (int life = 1, lives = extra_lives(random); life <= lives && kills_done < kills; ++life) {
      ChildProcess& process = daemon_.spawn("f" + std::to_string(folders) + "-life" + std::to_string(life));
      std::this_thread::sleep_for(std::chrono::milliseconds(moment_ms(random)));
      ASSERT_TRUE(process.running()) << "smoopsd exited on its own: " << process.err();
      kill(process, folder, coin(random) == 1);
      ++kills_done;
    }

    // The last start runs the bot to the end of its data, by itself.
    configure(folder, "3000000");
    const auto last_start = std::chrono::steady_clock::now();
    run_to_end_of_data("f" + std::to_string(folders) + "-last");
    if (std::getenv("SMOOPS_FIRST_START_VERBOSE") != nullptr) {
      std::cout << "folder " << folders << " (" << milestone.step << "): last start took "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - last_start).count() << " s\n";
      print_lives(folders);
    }

    const std::string dsn = start_cluster(folder);
    ASSERT_FALSE(dsn.empty());
    {
      const VenueRecord venue = read_venue(folder.venue_journal());
      pqxx::connection connection(dsn);
      pqxx::work work(connection);
      expect_store_matches_venue(work, kBot, venue);
      // sma_cross holds at most 10 XRP: an order sent twice would have doubled the position.
      EXPECT_LE(venue.max_base, 10 * 100'000'000LL);
      EXPECT_GE(venue.fills.size(), 4u) << "the bot hardly traded: the test checks little";
      // The last run finished; every earlier one was interrupted by its kill, or had finished the
      // data already when the kill came (a life that resumed near the end of the file). None failed.
      std::vector<std::string> statuses;
      for (const auto& row : work.exec_params("SELECT status FROM runs WHERE bot = $1 ORDER BY id", kBot))
        statuses.emplace_back(row[0].c_str());
      ASSERT_FALSE(statuses.empty());
      EXPECT_EQ(statuses.back(), "finished");
      for (std::size_t run = 0; run + 1 < statuses.size(); ++run)
        EXPECT_TRUE(statuses[run] == "interrupted" || statuses[run] == "finished") << "run " << run << ": " << statuses[run];
    }
    stop_cluster(folder);
    if (HasFailure()) break;
  }


  std::cout << "[ first-start ] seed " << seed << ": " << kills_done << " kills over " << folders
            << " fresh state folders; first kills as each step began:";
  for (const auto& [step, count] : milestone_kills) std::cout << " " << step << " " << count << ";";
  std::cout << "\n";
  // Every step of a first start took at least one kill as it began (with the default count).
  if (kills >= static_cast<std::int64_t>(3 * std::size(kMilestones))) {
    for (const Milestone& milestone : kMilestones) EXPECT_GE(milestone_kills[milestone.step], 1) << milestone.step;
  }
}

}  // namespace
}  // namespace smoops::test
