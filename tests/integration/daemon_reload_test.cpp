// smoopsd end to end: reloading the config on SIGHUP and on `reload`.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/daemon_fixture.hpp"

namespace smoops {
namespace {

using namespace std::chrono_literals;
using test::BusRecorder;
using test::DaemonUnderTest;
using test::Json;
using Message = BusRecorder::Message;

std::string sma(const std::string& quantity) {
  return "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: " + quantity + "}}";
}

// A bar a millisecond: the bots run for about 11 s, longer than the test.
std::string slow_bot(const std::string& name, const std::string& quantity = "0.1") {
  return test::bot_yaml(name, "paper", sma(quantity), "300000");
}

std::uint64_t bars_of(DaemonUnderTest& daemon, const std::string& bot) {
  return daemon.bots().at(bot).at("bars").get<std::uint64_t>();
}

TEST(DaemonReload, SighupAppliesAddedRemovedAndChangedBotsAndLeavesTheOthersRunning) {
  DaemonUnderTest daemon;
  daemon.write_bot("a", slow_bot("a"));
  daemon.write_bot("b", slow_bot("b"));
  daemon.write_bot("d", slow_bot("d"));
  daemon.start();
  auto bus = daemon.recorder();
  std::this_thread::sleep_for(300ms);
  const std::uint64_t d_before = bars_of(daemon, "d");
  EXPECT_GT(d_before, 0u);

  // Everything the bots published at start-up is behind us before the reload.
  ASSERT_TRUE(bus->until([](const Message& m) { return m.bot() == "d" && m.kind() == "equity"; }, 3s));
  const std::uint64_t reload_mark = bus->last_sequence();
  daemon.remove_bot("b");
  daemon.write_bot("a", slow_bot("a", "0.2"));
  daemon.write_bot("c", slow_bot("c"));
  daemon.process().signal(SIGHUP);

  // The bots now are a (restarted), c (added) and d (untouched).
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  std::map<std::string, Json> bots;
  while (std::chrono::steady_clock::now() < deadline) {
    bots = daemon.bots();
    if (bots.contains("c") && !bots.contains("b")) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(bots.contains("c") && !bots.contains("b")) << daemon.process().err();
  EXPECT_EQ(bots.size(), 3u);
  const std::string log = daemon.process().err();
  EXPECT_NE(log.find(R"(added ["c"], removed ["b"], restarted ["a"], unchanged ["d"])"), std::string::npos) << log;

  // b published its final status; a started over (a "running" status with bars 0); d never did.
  bool b_stopped = false, a_restarted = false, c_running = false;
  ASSERT_TRUE(bus->until(
      [&](const Message& m) {
        if (m.kind() == "status" && m.sequence > reload_mark) {
          b_stopped = b_stopped || (m.bot() == "b" && m.payload.at("state") == "stopped");
          a_restarted = a_restarted || (m.bot() == "a" && m.payload.at("state") == "running" && m.payload.at("bars") == 0);
        }
        c_running = c_running || (m.bot() == "c" && m.kind() == "equity");
        return b_stopped && a_restarted && c_running;
      },
      3s))
      << "b stopped " << b_stopped << ", a restarted " << a_restarted << ", c running " << c_running;
  for (const auto& m : bus->of("d", "status"))
    if (m.sequence > reload_mark) ADD_FAILURE() << "d published a status: " << m.payload.dump();
  EXPECT_GT(bars_of(daemon, "d"), d_before);
  EXPECT_EQ(daemon.bots().at("d").at("state"), "running");

  // An invalid reload is refused as a whole, naming file:line:col; every bot keeps running.
  const auto typo = daemon.write_bot("e", test::bot_yaml("e", "paper",
                                                         "{plugin: sma_cross, params: {fast: 10, slow: 30, quantiy: 1}}"));
  const std::map<std::string, Json> before = daemon.bots();
  const std::uint64_t sequence_before = bus->last_sequence();
  const Json reply = daemon.request({{"command", "reload"}});
  EXPECT_FALSE(reply.at("ok").get<bool>()) << reply.dump();
  const std::string error = reply.value("error", "");
  EXPECT_NE(error.find(typo.string() + ":4:"), std::string::npos) << error;
  EXPECT_NE(error.find("quantiy"), std::string::npos) << error;
  std::this_thread::sleep_for(200ms);
  const std::map<std::string, Json> after = daemon.bots();
  ASSERT_EQ(after.size(), 3u);
  for (const auto& [name, bot] : after) {
    SCOPED_TRACE(name);
    EXPECT_EQ(bot.at("state"), "running");
    EXPECT_GT(bot.at("bars").get<std::uint64_t>(), before.at(name).at("bars").get<std::uint64_t>());
  }
  // Still published: each bot's equity moves on after the refused reload, and no bot restarted.
  std::set<std::string> moving;
  ASSERT_TRUE(bus->until(
      [&](const Message& m) {
        if (m.kind() == "equity" && m.sequence > sequence_before) moving.insert(m.bot());
        return moving.size() == 3;
      },
      3s));
  for (const auto& m : bus->messages())
    if (m.sequence > sequence_before && m.kind() == "status") ADD_FAILURE() << "status after a refused reload: " << m.payload.dump();
  EXPECT_EQ(daemon.stop(), 0) << daemon.process().err();
}

}  // namespace
}  // namespace smoops
