// The control channel over real ZeroMQ sockets: a ControlServer served by its own thread, real
// DEALER/REQ clients, CURVE with a ZAP authenticator.

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/control_channel.hpp"

namespace smoops::bus {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

/// A ControlServer on a free loopback port, answered by a thread until the test ends; the
/// handler records every request it is given.
class ServedControl {
 public:
  explicit ServedControl(zmq::context_t& context, const CurveServer* curve = nullptr, ControlHandler handler = {})
      : server_(context, "tcp://127.0.0.1:*", curve), handler_(std::move(handler)) {
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) server_.serve(20ms, [this](const Json& request) { return record(request); });
    });
  }
  const std::string& endpoint() const { return server_.endpoint(); }
  std::vector<Json> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  Json record(const Json& request) {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    if (handler_) return handler_(request);
    return {{"ok", true}, {"echo", request}};
  }

  ControlServer server_;
  ControlHandler handler_;
  mutable std::mutex mutex_;
  std::vector<Json> requests_;
  std::jthread thread_;  // last: stops and joins before the server goes
};

ControlClientOptions client_of(const std::string& endpoint, std::chrono::milliseconds timeout = 2000ms) {
  ControlClientOptions options;
  options.endpoint = endpoint;
  options.timeout = timeout;
  return options;
}

/// Sends raw frames from a fresh socket of `type` and returns the frames of the reply (empty after 2 s).
std::vector<std::string> raw_exchange(zmq::context_t& context, zmq::socket_type type, const std::string& endpoint,
                                      const std::vector<std::string>& frames) {
  zmq::socket_t socket(context, type);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, 2000);
  socket.connect(endpoint);
  zmq::multipart_t message;
  for (const auto& frame : frames) message.addstr(frame);
  message.send(socket);
  zmq::multipart_t reply;
  if (!reply.recv(socket)) return {};
  std::vector<std::string> parts;
  while (!reply.empty()) parts.push_back(reply.popstr());
  return parts;
}

/// The one-frame JSON reply to a raw DEALER request.
Json dealer_reply(zmq::context_t& context, const std::string& endpoint, const std::string& payload) {
  const auto frames = raw_exchange(context, zmq::socket_type::dealer, endpoint, {payload});
  if (frames.size() != 1) return Json();
  return Json::parse(frames.front());
}

void expect_server_answers(zmq::context_t& context, const ServedControl& served) {
  const Json reply = control_request(context, client_of(served.endpoint()), {{"command", "status"}});
  EXPECT_EQ(reply["ok"], true) << reply;
}

TEST(ControlChannel, RequestReachesTheHandlerAndItsReplyComesBack) {
  zmq::context_t context;
  ServedControl served(context);
  const Json reply = control_request(context, client_of(served.endpoint()), {{"command", "pause"}, {"bot", "b1"}});
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["echo"]["bot"], "b1");
  ASSERT_EQ(served.requests().size(), 1u);
  EXPECT_EQ(served.requests()[0]["command"], "pause");
}

TEST(ControlChannel, EndpointReportsTheBoundPort) {
  zmq::context_t context;
  ControlServer server(context, "tcp://127.0.0.1:*", nullptr);
  EXPECT_EQ(server.endpoint().rfind("tcp://127.0.0.1:", 0), 0u);
  EXPECT_EQ(server.endpoint().find('*'), std::string::npos);
}

struct BadRequest {
  const char* name;
  std::string payload;
  const char* error_part;
};

class ControlChannelBadRequest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(ControlChannelBadRequest, GetsAnErrorReplyAndTheServerKeepsWorking) {
  zmq::context_t context;
  ServedControl served(context);
  const Json reply = dealer_reply(context, served.endpoint(), GetParam().payload);
  EXPECT_EQ(reply["ok"], false) << reply;
  ASSERT_TRUE(reply["error"].is_string()) << reply;
  EXPECT_NE(reply["error"].get<std::string>().find(GetParam().error_part), std::string::npos) << reply;
  EXPECT_TRUE(served.requests().empty());
  expect_server_answers(context, served);
}

INSTANTIATE_TEST_SUITE_P(
    Requests, ControlChannelBadRequest,
    ::testing::Values(BadRequest{"NotJson", "status please", "not JSON"},
                      BadRequest{"EmptyFrame", "", "not JSON"},
                      BadRequest{"JsonArray", R"(["status"])", "JSON object"},
                      BadRequest{"MissingCommand", R"({"bot": "b1"})", "\"command\""},
                      BadRequest{"CommandNotAString", R"({"command": 7})", "\"command\""},
                      BadRequest{"UnknownCommand", R"({"command": "explode"})",
                                 "unknown command 'explode' (known: status, bots"},
                      BadRequest{"PerBotCommandWithoutBot", R"({"command": "pause"})", "needs a string \"bot\""},
                      BadRequest{"Oversized",
                                 R"({"command": "status", "pad": ")" + std::string(70 * 1024, 'x') + "\"}",
                                 "request too large (71712 bytes, limit 65536)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ControlChannel, ThreeFrameMessageDoesNotStopTheServer) {
  zmq::context_t context;
  ServedControl served(context);
  const auto frames = raw_exchange(context, zmq::socket_type::dealer, served.endpoint(),
                                   {R"({"command": "status"})", "second", "third"});
  if (!frames.empty()) {
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(Json::parse(frames[0])["ok"], false);
  }
  EXPECT_TRUE(served.requests().empty());
  expect_server_answers(context, served);
}

TEST(ControlChannel, ReqClientGetsItsReplyInTheReqEnvelope) {
  zmq::context_t context;
  ServedControl served(context);
  const auto frames = raw_exchange(context, zmq::socket_type::req, served.endpoint(), {R"({"command": "bots"})"});
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(Json::parse(frames[0])["ok"], true);
  const auto bad = raw_exchange(context, zmq::socket_type::req, served.endpoint(), {"nope"});
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(Json::parse(bad[0])["ok"], false);
}

TEST(ControlChannel, HandlerThatThrowsBecomesAnErrorReply) {
  zmq::context_t context;
  ServedControl served(context, nullptr, [](const Json& request) -> Json {
    if (request["command"] == "flatten") throw std::runtime_error("no position to flatten");
    return {{"ok", true}};
  });
  const Json reply = control_request(context, client_of(served.endpoint()), {{"command", "flatten"}, {"bot", "b1"}});
  EXPECT_EQ(reply["ok"], false);
  EXPECT_NE(reply["error"].get<std::string>().find("no position to flatten"), std::string::npos) << reply;
  expect_server_answers(context, served);
}

TEST(ControlChannel, NoServerGivesBusErrorNamingEndpointAndTimeout) {
  zmq::context_t context;
  std::string endpoint;
  {
    ControlServer closed(context, "tcp://127.0.0.1:*", nullptr);  // a port that was free a moment ago
    endpoint = closed.endpoint();
  }
  try {
    control_request(context, client_of(endpoint, 200ms), {{"command", "status"}});
    FAIL() << "expected BusError";
  } catch (const BusError& e) {
    EXPECT_EQ(std::string(e.what()), "no daemon answered at " + endpoint + " within 200 ms");
  }
}

TEST(ControlChannel, OffLoopbackEndpointWithoutCurveIsRefused) {
  zmq::context_t context;
  try {
    ControlServer server(context, "tcp://0.0.0.0:*", nullptr);
    FAIL() << "expected BusError";
  } catch (const BusError& e) {
    EXPECT_NE(std::string(e.what()).find("tcp://0.0.0.0:*"), std::string::npos) << e.what();
  }
}

TEST(ControlChannel, BindFailureNamesTheEndpoint) {
  zmq::context_t context;
  EXPECT_THROW(
      {
        try {
          ControlServer server(context, "tcp://127.0.0.1:notaport", nullptr);
        } catch (const BusError& e) {
          EXPECT_NE(std::string(e.what()).find("tcp://127.0.0.1:notaport"), std::string::npos) << e.what();
          throw;
        }
      },
      BusError);
}

class ControlChannelCurve : public ::testing::Test {
 protected:
  CurveKeyPair server_keys = generate_curve_key_pair();
  CurveKeyPair client_keys = generate_curve_key_pair();
  zmq::context_t context;
  CurveAuthenticator authenticator{context, {client_keys.public_key}};
  CurveServer curve{server_keys, {client_keys.public_key}};
  ServedControl served{context, &curve};

  ControlClientOptions client_with(const CurveKeyPair& keys, std::chrono::milliseconds timeout) {
    ControlClientOptions options = client_of(served.endpoint(), timeout);
    options.curve_client = keys;
    options.curve_server_public_key = server_keys.public_key;
    return options;
  }
};

TEST_F(ControlChannelCurve, AuthorizedClientGetsReplies) {
  const Json reply = control_request(context, client_with(client_keys, 2000ms), {{"command", "status"}});
  EXPECT_EQ(reply["ok"], true) << reply;
}

TEST_F(ControlChannelCurve, UnauthorizedClientTimesOut) {
  EXPECT_THROW(control_request(context, client_with(generate_curve_key_pair(), 300ms), {{"command", "status"}}),
               BusError);
  EXPECT_TRUE(served.requests().empty());
}

TEST_F(ControlChannelCurve, PlainClientTimesOut) {
  EXPECT_THROW(control_request(context, client_of(served.endpoint(), 300ms), {{"command", "status"}}), BusError);
  EXPECT_TRUE(served.requests().empty());
}

}  // namespace
}  // namespace smoops::bus
