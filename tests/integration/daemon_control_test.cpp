// smoopsd end to end on its control socket: commands change what the bots do and publish, and
// bad input on any socket leaves the daemon running.

#include <gtest/gtest.h>
#include <signal.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include <zmq_addon.hpp>

#include "support/daemon_fixture.hpp"

namespace smoops {
namespace {

using namespace std::chrono_literals;
using test::BusRecorder;
using test::DaemonUnderTest;
using test::Json;
using Message = BusRecorder::Message;

// Fast averages, so crossings (and so orders) come every few dozen bars; a bar a millisecond.
const std::string kBusy = "{plugin: sma_cross, params: {fast: 3, slow: 8, quantity: 0.1}}";

bool is_status(const Message& m, const std::string& bot) { return m.bot() == bot && m.kind() == "status"; }

TEST(DaemonControl, CommandsChangeTheBotsStateAsPublished) {
  DaemonUnderTest daemon;
  daemon.write_bot("a", test::bot_yaml("a", "paper", kBusy, "300000"));
  daemon.write_bot("b", test::bot_yaml("b", "paper", kBusy, "300000"));
  daemon.start();
  auto bus = daemon.recorder();
  // A subscriber that joins a busy daemon may re-snapshot once on its first read (its
  // subscription reaches the PUB socket after the snapshot): get that behind us first.
  ASSERT_TRUE(bus->until([](const Message&) { return true; }, 2s));
  const auto resyncs_at_start = bus->subscriber().resyncs();

  const auto bots = daemon.bots();
  ASSERT_EQ(bots.size(), 2u);
  EXPECT_TRUE(bots.contains("a") && bots.contains("b"));
  EXPECT_EQ(bots.at("a").at("state"), "running");

  const Json unknown = daemon.request({{"command", "pause"}, {"bot", "zz"}});
  EXPECT_FALSE(unknown.at("ok").get<bool>());
  EXPECT_NE(unknown.value("error", "").find("no bot named 'zz' (bots: a, b)"), std::string::npos) << unknown.dump();

  // pause: published, and the strategy's next orders are denied.
  Json reply = daemon.request({{"command", "pause"}, {"bot", "a"}});
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  EXPECT_TRUE(reply.at("paused").get<bool>());
  ASSERT_TRUE(bus->until([](const Message& m) { return is_status(m, "a") && m.payload.at("paused") == true; }, 3s));
  ASSERT_TRUE(bus->until(
      [](const Message& m) {
        return m.bot() == "a" && m.kind() == "order" && m.payload.at("status") == "denied" &&
               m.payload.at("reason") == "bot is paused";
      },
      5s));

  // resume
  reply = daemon.request({{"command", "resume"}, {"bot", "a"}});
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  ASSERT_TRUE(bus->until([](const Message& m) { return is_status(m, "a") && m.payload.at("paused") == false; }, 3s));

  // flatten once the bot holds a position: the closing order fills and the position is 0.
  ASSERT_TRUE(bus->until(
      [](const Message& m) { return m.bot() == "a" && m.kind() == "position" && m.payload.at("quantity") != "0"; }, 5s));
  reply = daemon.request({{"command", "flatten"}, {"bot", "a"}});
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  const std::string closing = reply.value("closing_order", "");
  if (!closing.empty()) {
    ASSERT_TRUE(bus->until(
        [&](const Message& m) { return m.bot() == "a" && m.kind() == "fill" && m.payload.at("client_order_id") == closing; },
        3s));
    ASSERT_TRUE(bus->until([](const Message& m) { return m.bot() == "a" && m.kind() == "position"; }, 3s));
    EXPECT_EQ(bus->messages().back().payload.at("quantity"), "0") << bus->messages().back().payload.dump();
  } else {
    // The strategy's own exit filled between the position message and the flatten.
    EXPECT_EQ(reply.at("position"), "0") << reply.dump();
  }

  // stop, then start again
  reply = daemon.request({{"command", "stop"}, {"bot", "a"}});
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  EXPECT_EQ(reply.at("state"), "stopped");
  ASSERT_TRUE(bus->until([](const Message& m) { return is_status(m, "a") && m.payload.at("state") == "stopped"; }, 3s));
  EXPECT_EQ(daemon.bots().at("a").at("finished"), true);
  EXPECT_FALSE(daemon.request({{"command", "pause"}, {"bot", "a"}}).at("ok").get<bool>());

  reply = daemon.request({{"command", "start"}, {"bot", "a"}});
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  ASSERT_TRUE(bus->until([](const Message& m) { return is_status(m, "a") && m.payload.at("state") == "running"; }, 3s));
  EXPECT_EQ(daemon.bots().at("a").at("state"), "running");
  // b went on undisturbed all along.
  EXPECT_EQ(daemon.bots().at("b").at("state"), "running");
  EXPECT_FALSE(daemon.bots().at("b").at("paused").get<bool>());

  EXPECT_EQ(daemon.stop(), 0) << daemon.process().err();
  EXPECT_EQ(bus->subscriber().resyncs(), resyncs_at_start);
  EXPECT_EQ(bus->gaps(), resyncs_at_start);
}

/// A raw DEALER on `endpoint`: sends frames and waits up to `timeout` for a one-frame answer.
class RawDealer {
 public:
  RawDealer(zmq::context_t& context, const std::string& endpoint) : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }
  void send(const std::vector<std::string>& frames) {
    zmq::multipart_t message;
    for (const auto& frame : frames) message.addstr(frame);
    message.send(socket_);
  }
  std::optional<std::string> answer(std::chrono::milliseconds timeout = 2s) {
    std::array<zmq::pollitem_t, 1> items = {{{socket_.handle(), 0, ZMQ_POLLIN, 0}}};
    if (zmq::poll(items.data(), 1, timeout) == 0) return std::nullopt;
    zmq::multipart_t reply;
    reply.recv(socket_);
    return reply.size() == 1 ? reply[0].to_string() : "<" + std::to_string(reply.size()) + " frames>";
  }

 private:
  zmq::socket_t socket_;
};

TEST(DaemonControl, BadInputOnEverySocketLeavesTheDaemonServing) {
  DaemonUnderTest daemon;
  daemon.write_bot("a", test::bot_yaml("a", "paper", kBusy, "300000"));
  daemon.start();

  // control: every bad request gets an error reply and nothing else happens.
  RawDealer control(daemon.context(), daemon.control_endpoint());
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"not json"}, "not JSON"},
      {{"[1,2,3]"}, "must be a JSON object"},
      {{R"({"command":"frobnicate"})"}, "unknown command 'frobnicate'"},
      {{R"({"command":"pause"})"}, "needs a string \"bot\""},
      {{R"({"command":"pause","bot":"nobody"})"}, "no bot named 'nobody'"},
      {{R"({"command":42})"}, "no string \"command\""},
      {{R"({"command":"status")" + std::string(70 * 1024, ' ') + "}"}, "request too large"},
      {{"{\"command\":\"status\"}", "b", "c"}, "malformed request"},
      {{"\xff\xfe not utf-8"}, "not JSON"},
  };
  for (const auto& [frames, expected] : bad) {
    SCOPED_TRACE(frames.front().substr(0, 40));
    control.send(frames);
    const auto answer = control.answer();
    ASSERT_TRUE(answer.has_value());
    const Json reply = Json::parse(*answer);
    EXPECT_FALSE(reply.at("ok").get<bool>());
    EXPECT_NE(reply.at("error").get<std::string>().find(expected), std::string::npos) << reply.dump();
  }
  // An empty message part and a 2 MiB one (ZeroMQ drops that connection): no answer, no harm.
  control.send({""});
  (void)control.answer(300ms);
  {
    RawDealer huge(daemon.context(), daemon.control_endpoint());
    huge.send({std::string(2 << 20, 'x')});
    EXPECT_FALSE(huge.answer(300ms).has_value());
  }

  // snapshot: garbage text and a multi-frame request get {"error": ...}.
  RawDealer snapshot(daemon.context(), daemon.snapshot_endpoint());
  for (const std::vector<std::string>& frames :
       {std::vector<std::string>{"give me everything"}, {"snapshot", "a", "b"}, {std::string(4096, 'x')}}) {
    snapshot.send(frames);
    const auto answer = snapshot.answer();
    ASSERT_TRUE(answer.has_value());
    EXPECT_TRUE(Json::parse(*answer).contains("error")) << *answer;
  }
  snapshot.send({"snapshot"});
  const auto good_snapshot = snapshot.answer();
  ASSERT_TRUE(good_snapshot.has_value());
  EXPECT_TRUE(Json::parse(*good_snapshot).contains("state"));

  // publish socket: a DEALER and a PUB that talk to the PUB endpoint are ignored.
  {
    RawDealer junk(daemon.context(), daemon.publish_endpoint());
    junk.send({"junk"});
    junk.send({"\x01", "more", "frames"});
    zmq::socket_t pub(daemon.context(), zmq::socket_type::pub);
    pub.set(zmq::sockopt::linger, 0);
    pub.connect(daemon.publish_endpoint());
    pub.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
    zmq::socket_t sub(daemon.context(), zmq::socket_type::xsub);
    sub.set(zmq::sockopt::linger, 0);
    sub.connect(daemon.publish_endpoint());
    sub.send(zmq::str_buffer("\x07garbage-subscription"), zmq::send_flags::dontwait);
    std::this_thread::sleep_for(200ms);
  }

  ASSERT_TRUE(daemon.process().running()) << daemon.process().err();
  const Json status = daemon.request({{"command", "status"}});
  EXPECT_TRUE(status.at("ok").get<bool>()) << status.dump();
  EXPECT_EQ(status.at("bots").at(0).at("state"), "running");
  // And the bus still serves a full subscriber.
  auto bus = daemon.recorder();
  EXPECT_TRUE(bus->until([](const Message& m) { return m.kind() == "equity"; }, 2s));
  EXPECT_EQ(daemon.stop(), 0) << daemon.process().err();
}

}  // namespace
}  // namespace smoops
