// smoopsd running a paper bot with the ml_signal strategy and the fixed_model test model
// (tests/plugins/fixed_model.cpp) on real data: every decision is published on
// bot.<name>.signal with its checks, and logged.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "support/daemon_fixture.hpp"

namespace smoops {
namespace {

using namespace std::chrono_literals;
using test::BusRecorder;
using test::DaemonUnderTest;
using test::Json;

/// build/test-plugins-models: fixed_model, alone.
std::filesystem::path model_plugin_dir() { return test::test_plugin_dir().parent_path() / "test-plugins-models"; }

/// smoopsd.yaml as DaemonUnderTest::write_config writes it, with the model plugin folder.
void write_config(const DaemonUnderTest& daemon) {
  std::ofstream(daemon.config_file(), std::ios::binary | std::ios::trunc)
      << "plugin_dirs: [" << test::plugin_build_dir().string() << ", " << model_plugin_dir().string() << "]\n"
      << "bots_dir: bots.d\n"
      << "log: {level: info}\n"
      << "bus:\n"
      << "  publish: " << daemon.publish_endpoint() << "\n"
      << "  snapshot: " << daemon.snapshot_endpoint() << "\n"
      << "  control: " << daemon.control_endpoint() << "\n"
      << "store: {enabled: false}\n";
}

TEST(MlSignalDaemon, APaperBotPublishesEveryDecisionWithItsChecksOnTheSignalTopicAndLogsIt) {
  DaemonUnderTest daemon;
  write_config(daemon);
  daemon.start();
  auto recorder = daemon.recorder();

  // The fixed model picks row round(volume) mod 4 of: up 0.9, down 0.9, flat, up 0.55 (below the
  // 0.6 threshold), so the real series gives a deterministic mix of every decision.
  const std::string strategy =
      "{plugin: ml_signal, params: {confidence: 0.6, cooldown: 2, size: 0.1, max_size: 0.2, "
      "trend: {timeframe: 1h, sma: 3}, volatility: {window: 32, max: 0.05}}}";
  const std::string model =
      "model: {plugin: fixed_model, params: {rows: [[0.05, 0.05, 0.9], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05], "
      "[0.2, 0.25, 0.55]]}}\n";
  daemon.write_bot("ml", test::bot_yaml("ml", "paper", strategy, "3000000", model));
  const Json reply = daemon.request({{"command", "reload"}});
  ASSERT_TRUE(reply.value("ok", false)) << reply.dump();
  ASSERT_TRUE(test::until_every_status_note(*recorder, {"ml"}, "end of data", 20s)) << daemon.process().err();

  const auto signals = recorder->of("ml", "signal");
  // log_volume with a window of 1 needs no warm-up: one decision per bar.
  ASSERT_EQ(signals.size(), 10'999u);
  std::map<std::string, int> actions;
  std::set<std::string> reasons;
  for (const auto& m : signals) {
    const Json& s = m.payload;
    ASSERT_EQ(s.at("bot"), "ml");
    ASSERT_TRUE(s.at("ts").is_number_integer());
    const std::string action = s.at("action");
    ++actions[action];
    reasons.insert(s.at("reason").get<std::string>());
    std::set<std::string> names;
    for (const Json& c : s.at("checks")) {
      names.insert(c.at("name").get<std::string>());
      ASSERT_TRUE(c.at("passed").is_boolean());
      ASSERT_TRUE(c.at("value").is_number());
      ASSERT_TRUE(c.at("limit").is_string());
    }
    // Entries are gated by all four checks; exits and flat predictions by confidence and cooldown.
    const std::set<std::string> expected = s.at("prediction") == "up"
                                               ? std::set<std::string>{"confidence", "trend", "volatility", "cooldown"}
                                               : std::set<std::string>{"confidence", "cooldown"};
    ASSERT_EQ(names, expected) << s.dump();
    if (action == "hold") {
      ASSERT_EQ(s.at("quantity"), "0") << s.dump();
    } else {
      ASSERT_EQ(s.at("reason"), "all checks passed") << s.dump();
      for (const Json& c : s.at("checks")) ASSERT_TRUE(c.at("passed").get<bool>()) << s.dump();
    }
  }
  EXPECT_GT(actions["buy"], 0);
  EXPECT_GT(actions["sell"], 0);
  for (const char* reason : {"confidence below threshold", "cooldown", "prediction flat", "no position to close",
                             "trend warming up", "volatility warming up", "against the trend", "already in position",
                             "below min notional"})
    EXPECT_TRUE(reasons.count(reason)) << "no decision held for '" << reason << "'";

  for (const auto& reason : reasons) EXPECT_EQ(reason.rfind("order denied", 0), std::string::npos) << reason;

  // Each buy or sell signal is one market order of the same side and quantity, in the same order.
  std::vector<std::string> ordered, signalled;
  std::set<std::string> seen;
  for (const auto& m : recorder->of("ml", "order"))
    if (seen.insert(m.payload.at("client_order_id")).second)
      ordered.push_back(m.payload.at("side").get<std::string>() + " " + m.payload.at("quantity").get<std::string>());
  for (const auto& m : signals)
    if (m.payload.at("action") != "hold")
      signalled.push_back(m.payload.at("action").get<std::string>() + " " + m.payload.at("quantity").get<std::string>());
  ASSERT_EQ(ordered.size(), signalled.size());
  for (std::size_t i = 0; i < ordered.size(); ++i) ASSERT_EQ(ordered[i], signalled[i]) << "order " << i;

  // The daemon's log has the decisions as one line each, checks included.
  ASSERT_EQ(daemon.stop(), 0);
  const std::string log = daemon.process().err();
  EXPECT_NE(log.find("signal up 0.9: buy "), std::string::npos);
  EXPECT_NE(log.find("(all checks passed) | confidence 0.9 >= 0.6 ok; trend "), std::string::npos);
  EXPECT_NE(log.find("signal up 0.55: hold (confidence below threshold) | confidence 0.55 >= 0.6 FAIL"),
            std::string::npos);
}

}  // namespace
}  // namespace smoops
