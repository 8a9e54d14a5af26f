// smoopsd end to end on its bus: the real daemon as a child process with real plugins and real
// data, followed by real ZeroMQ subscribers over ipc://.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <zmq_addon.hpp>

#include "support/daemon_fixture.hpp"
#include "support/temp_dir.hpp"

namespace smoops {
namespace {

using namespace std::chrono_literals;
using test::BusRecorder;
using test::DaemonUnderTest;
using test::Json;

const std::string kSmaA = "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}";
const std::string kSmaB = "{plugin: sma_cross, params: {fast: 5, slow: 20, quantity: 0.25}}";

/// An order as both the bus and a backtest report show it (the bus adds "bot").
Json without_bot(Json order) {
  order.erase("bot");
  return order;
}

TEST(DaemonBus, PaperBotsPublishEveryEventInSequenceAndTradeExactlyLikeTheirBacktest) {
  DaemonUnderTest daemon;
  auto recorder = test::start_then_add_bots(
      daemon, {{"alpha", test::bot_yaml("alpha", "paper", kSmaA)}, {"beta", test::bot_yaml("beta", "paper", kSmaB)}});
  ASSERT_TRUE(test::until_every_status_note(*recorder, {"alpha", "beta"}, "end of data", 10s))
      << daemon.process().err();

  EXPECT_EQ(recorder->subscriber().resyncs(), 0u);
  EXPECT_EQ(recorder->gaps(), 0u);
  std::uint64_t expected = recorder->start_sequence();
  for (const auto& m : recorder->messages()) ASSERT_EQ(m.sequence, ++expected) << m.topic;

  test::TempDir scratch;
  for (const auto& [name, strategy] : {std::pair{std::string("alpha"), kSmaA}, std::pair{std::string("beta"), kSmaB}}) {
    SCOPED_TRACE(name);
    for (const char* kind : {"order", "fill", "position", "equity", "status"})
      EXPECT_FALSE(recorder->of(name, kind).empty()) << "no " << kind << " message";
    EXPECT_EQ(recorder->of(name, "equity").size(), 10'999u);

    const auto bot_file = scratch.write(name + ".yaml", test::bot_yaml(name, "backtest", strategy));
    const Json report = test::run_backtest(bot_file, scratch.path());

    // Every order ends exactly as in the backtest (same ids, timestamps, fills, prices).
    std::map<std::string, Json> final_orders;
    for (const auto& m : recorder->of(name, "order")) final_orders[m.payload.at("client_order_id")] = without_bot(m.payload);
    ASSERT_EQ(final_orders.size(), report.at("orders").size());
    for (const Json& order : report.at("orders")) {
      const auto found = final_orders.find(order.at("client_order_id"));
      ASSERT_NE(found, final_orders.end()) << order.dump();
      EXPECT_EQ(found->second, order);
    }
    // Trade for trade: the fills seen equal the backtest's filled orders, in order.
    std::vector<std::tuple<std::string, std::string, std::string>> fills, expected_fills;
    std::set<std::string> trade_ids;
    for (const auto& m : recorder->of(name, "fill")) {
      fills.emplace_back(m.payload.at("client_order_id"), m.payload.at("price"), m.payload.at("quantity"));
      EXPECT_TRUE(trade_ids.insert(m.payload.at("trade_id").get<std::string>()).second) << m.payload.dump();
    }
    for (const Json& order : report.at("orders"))
      if (order.at("filled_quantity") != "0")
        expected_fills.emplace_back(order.at("client_order_id"), order.at("average_fill_price"),
                                    order.at("filled_quantity"));
    EXPECT_EQ(fills, expected_fills);
    EXPECT_GT(fills.size(), 10u);
    EXPECT_EQ(recorder->of(name, "position").back().payload.at("quantity"), report.at("open_position").at("quantity"));
  }
  EXPECT_EQ(daemon.stop(), 0);
}

TEST(DaemonBus, LateJoinerReconstructsExactlyTheStateOfAnEarlySubscriber) {
  DaemonUnderTest daemon;
  daemon.write_bot("alpha", test::bot_yaml("alpha", "paper", kSmaA));
  daemon.write_bot("beta", test::bot_yaml("beta", "paper", kSmaB));
  daemon.start();
  auto early = daemon.recorder();
  ASSERT_TRUE(early->until(
      [](const BusRecorder::Message& m) { return m.kind() == "equity" && m.payload.at("bars") >= 5500; }, 10s));
  auto late = daemon.recorder();
  EXPECT_GT(late->start_sequence(), 0u);
  ASSERT_TRUE(test::until_every_status_note(*early, {"alpha", "beta"}, "end of data", 10s));
  // The late joiner waits for the greeting of its own subscription before it asks for the
  // snapshot, so it needs no second snapshot and sees every later update. Its state is compared
  // once both have applied the same last sequence.
  for (int round = 0; round < 5 && early->subscriber().sequence() != late->subscriber().sequence(); ++round) {
    const std::uint64_t target = std::max(early->subscriber().sequence(), late->subscriber().sequence());
    ASSERT_TRUE(late->until_sequence(target, 3s));
    ASSERT_TRUE(early->until_sequence(target, 3s));
  }
  ASSERT_EQ(early->subscriber().sequence(), late->subscriber().sequence());
  std::cout << "late joiner: joined at #" << late->start_sequence() << ", resyncs " << late->subscriber().resyncs()
            << ", gaps " << late->gaps() << "; early: resyncs " << early->subscriber().resyncs() << '\n';
  EXPECT_EQ(late->subscriber().resyncs(), 0u);
  EXPECT_EQ(late->gaps(), 0u);
  EXPECT_TRUE(late->subscriber().state() == early->subscriber().state())
      << "early: " << early->subscriber().state().to_json() << "\nlate: " << late->subscriber().state().to_json();
  EXPECT_TRUE(late->subscriber().state().entries().contains("bot.alpha.position"));
  EXPECT_EQ(daemon.stop(), 0);
}

/// What a daemon running backtest bots ended with.
struct BacktestBotsRun {
  std::map<std::string, Json> bots;  ///< the bots' summaries, by name
  std::uint64_t published = 0;       ///< messages the daemon published
  std::uint64_t kept = 0;            ///< messages the subscriber that never reads had kept
};

/// Runs `bots` backtest bots in a daemon, with or without a subscriber that never reads.
BacktestBotsRun run_backtest_bots(int bots, bool stuck_subscriber) {
  DaemonUnderTest daemon;
  // A small high-water mark, so the stuck subscriber's queue really fills up and ZeroMQ drops for it.
  daemon.write_config("  high_water_mark: 1000\n");
  daemon.start();  // no bots yet: the stuck subscriber is connected before the first message
  std::optional<zmq::socket_t> stuck;
  if (stuck_subscriber) {
    stuck.emplace(daemon.context(), zmq::socket_type::sub);
    stuck->set(zmq::sockopt::linger, 0);
    stuck->set(zmq::sockopt::rcvhwm, 1000);  // small: the daemon's side fills up as well
    stuck->set(zmq::sockopt::subscribe, "");
    stuck->connect(daemon.publish_endpoint());
    std::this_thread::sleep_for(50ms);
  }
  for (int i = 0; i < bots; ++i) {
    const std::string name = "bt" + std::to_string(i);
    daemon.write_bot(name, test::bot_yaml(name, "backtest", i % 2 ? kSmaA : kSmaB));
  }
  const Json reply = daemon.request({{"command", "reload"}});
  EXPECT_TRUE(reply.value("ok", false)) << reply.dump();
  // A subscriber that blocked the bots would stall them for good: they would never finish.
  EXPECT_TRUE(daemon.wait_all_finished(30s)) << daemon.process().err();
  BacktestBotsRun run;
  run.bots = daemon.bots();
  const Json status = daemon.request({{"command", "status"}});
  EXPECT_EQ(status.at("daemon").at("dropped"), 0) << status.dump();  // the bots' queue never overflowed
  run.published = status.at("daemon").at("published").get<std::uint64_t>();
  if (stuck) {
    // What its side had kept by the end, read only now.
    stuck->set(zmq::sockopt::rcvtimeo, 200);
    std::vector<zmq::message_t> frames;
    for (; zmq::recv_multipart(*stuck, std::back_inserter(frames)); frames.clear()) ++run.kept;
  }
  EXPECT_EQ(daemon.stop(), 0);
  return run;
}

// The bots run to the end of their data while a subscriber holds its queue full and never reads,
// and trade exactly as they do with nobody listening: the daemon dropped messages for that
// subscriber rather than wait for it. (What it costs in time: smoops_bench_stuck_subscriber,
// docs/benchmarks.md.)
TEST(DaemonBus, SubscriberThatNeverReadsLosesMessagesInsteadOfStallingTheBots) {
  constexpr int kBots = 6;
  const BacktestBotsRun alone = run_backtest_bots(kBots, false);
  const BacktestBotsRun stuck = run_backtest_bots(kBots, true);
  ASSERT_EQ(alone.bots.size(), static_cast<std::size_t>(kBots));
  ASSERT_EQ(stuck.bots.size(), static_cast<std::size_t>(kBots));
  for (const auto& [name, bot] : alone.bots) {
    SCOPED_TRACE(name);
    for (const char* key : {"state", "position", "equity", "bars", "reason", "finished"})
      EXPECT_EQ(stuck.bots.at(name).at(key), bot.at(key)) << key;
    EXPECT_EQ(bot.at("bars"), 10'999);
  }
  // The stuck subscriber got a part of what was published; the rest was dropped for it.
  EXPECT_GT(stuck.kept, 0u);
  EXPECT_LT(stuck.kept, stuck.published / 2) << stuck.kept << " of " << stuck.published << " messages";
}

TEST(DaemonBus, SigtermStopsEveryBotAndLosesNothing) {
  DaemonUnderTest daemon;
  // 300,000x: a bar a millisecond, so the bots are mid-run when the signal comes.
  auto recorder = test::start_then_add_bots(daemon, {{"alpha", test::bot_yaml("alpha", "paper", kSmaA, "300000")},
                                                     {"beta", test::bot_yaml("beta", "paper", kSmaB, "300000")}});
  std::set<std::string> traded;
  ASSERT_TRUE(recorder->until(
      [&](const BusRecorder::Message& m) {
        if (m.kind() == "fill") traded.insert(m.bot());
        return traded.size() == 2;
      },
      8s));
  const auto signalled = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.stop(SIGTERM, 5s), 0) << daemon.process().err();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 3s);
  recorder->drain(500ms);

  EXPECT_EQ(recorder->subscriber().resyncs(), 0u);
  EXPECT_EQ(recorder->gaps(), 0u);
  for (const std::string name : {"alpha", "beta"}) {
    SCOPED_TRACE(name);
    const auto statuses = recorder->of(name, "status");
    ASSERT_FALSE(statuses.empty());
    EXPECT_EQ(statuses.back().payload.at("state"), "stopped") << statuses.back().payload.dump();
    EXPECT_EQ(statuses.back().payload.at("note"), "stopped");
    EXPECT_LT(statuses.back().payload.at("bars").get<int>(), 10'999);
    std::int64_t sum = 0;
    for (const auto& fill : recorder->of(name, "fill")) {
      const std::int64_t quantity = test::fixed_e8(fill.payload.at("quantity"));
      sum += fill.payload.at("side") == "buy" ? quantity : -quantity;
    }
    const auto positions = recorder->of(name, "position");
    ASSERT_FALSE(positions.empty());
    EXPECT_EQ(sum, test::fixed_e8(positions.back().payload.at("quantity")));
  }
  // The daemon's last word comes after every bot's.
  ASSERT_FALSE(recorder->messages().empty());
  EXPECT_EQ(recorder->messages().back().topic, "daemon.status");
}

}  // namespace
}  // namespace smoops
