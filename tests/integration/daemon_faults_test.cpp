// smoopsd end to end when things go wrong: a strategy that throws, and start-up errors.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "support/daemon_fixture.hpp"

namespace smoops {
namespace {

using namespace std::chrono_literals;
using test::BusRecorder;
using test::DaemonUnderTest;
using test::Json;

const std::string kGood = "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}";
const std::string kThrowing = "{plugin: test_throwing, params: {throw_at_bar: 50}}";

using Fills = std::vector<std::tuple<std::string, std::string, std::string, std::string>>;

Fills fills_of(const BusRecorder& recorder, const std::string& bot) {
  Fills fills;
  for (const auto& m : recorder.of(bot, "fill"))
    fills.emplace_back(m.payload.at("client_order_id"), m.payload.at("trade_id"), m.payload.at("price"),
                       m.payload.at("quantity"));
  return fills;
}

TEST(DaemonFaults, ThrowingStrategyHaltsOnlyItsOwnBot) {
  Fills with_faulty, alone;
  {
    DaemonUnderTest daemon;
    auto bus = test::start_then_add_bots(daemon, {{"good", test::bot_yaml("good", "paper", kGood)},
                                                  {"thrower", test::bot_yaml("thrower", "paper", kThrowing)}});
    ASSERT_TRUE(test::until_every_status_note(*bus, {"good", "thrower"}, "end of data", 10s)) << daemon.process().err();
    EXPECT_EQ(bus->gaps(), 0u);
    bool halted = false;
    for (const auto& m : bus->of("thrower", "status")) {
      if (m.payload.at("state") != "halted") continue;
      halted = true;
      EXPECT_NE(m.payload.at("reason").get<std::string>().find("deliberate failure at bar 50"), std::string::npos)
          << m.payload.dump();
      EXPECT_TRUE(m.payload.at("faulted").get<bool>()) << m.payload.dump();
    }
    EXPECT_TRUE(halted) << "no halted status for the throwing bot";
    const Json thrower = daemon.bots().at("thrower");
    EXPECT_NE(thrower.at("reason").get<std::string>().find("deliberate failure"), std::string::npos) << thrower.dump();
    // Its one order (on bar 1) came before it threw.
    EXPECT_EQ(bus->of("thrower", "order").size(), 1u);
    EXPECT_EQ(daemon.bots().at("good").at("bars"), 10'999);
    with_faulty = fills_of(*bus, "good");
    EXPECT_EQ(daemon.stop(), 0);
  }
  {
    DaemonUnderTest daemon;
    auto bus = test::start_then_add_bots(daemon, {{"good", test::bot_yaml("good", "paper", kGood)}});
    ASSERT_TRUE(test::until_every_status_note(*bus, {"good"}, "end of data", 10s)) << daemon.process().err();
    alone = fills_of(*bus, "good");
    EXPECT_EQ(daemon.stop(), 0);
  }
  EXPECT_GT(alone.size(), 10u);
  EXPECT_EQ(with_faulty, alone);
}

TEST(DaemonFaults, BadBotParamExits3WithFileLineAndColumn) {
  DaemonUnderTest daemon;
  daemon.write_config();
  const auto file = daemon.write_bot("bad", test::bot_yaml("bad", "paper", "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: -1}}"));
  auto& process = daemon.spawn();
  const auto code = process.wait(5s);
  ASSERT_TRUE(code.has_value()) << "smoopsd kept running";
  EXPECT_EQ(*code, 3) << process.err();
  // "…/bad.yaml:4:…: strategy.params.quantity: must be positive"
  EXPECT_NE(process.err().find(file.string() + ":4:"), std::string::npos) << process.err();
  EXPECT_NE(process.err().find("strategy.params.quantity"), std::string::npos) << process.err();
}

TEST(DaemonFaults, EndpointInUseMakesTheSecondDaemonFailNamingIt) {
  DaemonUnderTest first;
  first.write_config("", "", "tcp://127.0.0.1:*");
  first.start();
  const std::string taken = first.request({{"command", "status"}}).at("daemon").at("publish");
  ASSERT_EQ(taken.rfind("tcp://127.0.0.1:", 0), 0u) << taken;

  DaemonUnderTest second;
  second.write_config("", "", taken);
  auto& process = second.spawn();
  const auto code = process.wait(5s);
  ASSERT_TRUE(code.has_value()) << "the second smoopsd kept running";
  std::cout << "second daemon on a taken endpoint exited " << *code << ": " << process.err();
  EXPECT_NE(*code, 0);
  EXPECT_EQ(*code, 9) << "docs/exit-codes.md: 9 = a ZeroMQ endpoint could not be bound; " << process.err();
  EXPECT_NE(process.err().find(taken), std::string::npos) << process.err();
  EXPECT_TRUE(first.process().running());
  EXPECT_EQ(first.stop(), 0);
}

TEST(DaemonFaults, OffLoopbackEndpointWithoutCurveExits3NamingBusPublish) {
  DaemonUnderTest daemon;
  daemon.write_config("", "", "tcp://0.0.0.0:0");
  auto& process = daemon.spawn();
  const auto code = process.wait(5s);
  ASSERT_TRUE(code.has_value()) << "smoopsd kept running";
  EXPECT_EQ(*code, 3) << process.err();
  EXPECT_NE(process.err().find("bus.publish"), std::string::npos) << process.err();
  EXPECT_NE(process.err().find("tcp://0.0.0.0:0"), std::string::npos) << process.err();
  EXPECT_NE(process.err().find(daemon.config_file().string()), std::string::npos) << process.err();
}

}  // namespace
}  // namespace smoops
