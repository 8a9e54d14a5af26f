// The smoops control commands as a user runs them: the real binary against a control server
// (and a publisher) running in this test process, or against nothing at all.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "bus/control_channel.hpp"
#include "bus/publisher.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kSmoops = (test::bin_dir() / "smoops").string();

/// A loopback endpoint nothing listens on (it was free a moment ago).
std::string unused_endpoint(zmq::context_t& context) {
  bus::ControlServer closed(context, "tcp://127.0.0.1:*", nullptr);
  return closed.endpoint();
}

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

/// A ControlServer answering with `handler` from its own thread while the test runs smoops.
class ServedControl {
 public:
  ServedControl(zmq::context_t& context, bus::ControlHandler handler, const bus::CurveServer* curve = nullptr)
      : server_(context, "tcp://127.0.0.1:*", curve), handler_(std::move(handler)) {
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) server_.serve(20ms, handler_);
    });
  }
  const std::string& endpoint() const { return server_.endpoint(); }

 private:
  bus::ControlServer server_;
  bus::ControlHandler handler_;
  std::jthread thread_;
};

/// Canned daemon replies in the documented shapes.
Json daemon_reply(const Json& request) {
  const std::string command = request["command"];
  const Json bot = {{"name", "b1"},        {"state", "running"},      {"mode", "paper"}, {"paused", false},
                    {"position", "0.5"},   {"equity", "100012.5"},    {"reason", ""}};
  if (command == "status")
    return {{"ok", true},
            {"daemon", {{"uptime_s", 3725}, {"published", 42}, {"dropped", 0}, {"bots", 1}}},
            {"bots", Json::array({bot})}};
  if (request.value("bot", "") != "b1") return {{"ok", false}, {"error", "no bot named '" + request.value("bot", "") + "'"}};
  return {{"ok", true}, {"bot", "b1"}, {"state", "paused"}};
}

class ControlCli : public ::testing::Test {
 protected:
  test::ProcessResult smoops(std::vector<std::string> args) {
    args.insert(args.begin(), kSmoops);
    return test::run_process(args, scratch_.path());
  }
  zmq::context_t context_;
  test::TempDir dir_;
  test::TempDir scratch_;
};

TEST_F(ControlCli, StatusWithNoDaemonExits8NamingTheEndpointAndTimeout) {
  const std::string endpoint = unused_endpoint(context_);
  const auto result = smoops({"status", "--control", endpoint, "--timeout-ms", "300"});
  EXPECT_EQ(result.exit_code, 8) << result.err;
  EXPECT_EQ(result.err, "error: no daemon answered at " + endpoint + " within 300 ms\n");
}

TEST_F(ControlCli, PauseWithoutBotIsAUsageError) {
  const auto result = smoops({"pause"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("pause needs exactly one BOT"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("usage: smoops"), std::string::npos) << result.err;
}

TEST_F(ControlCli, ServerKeyWithoutClientKeyIsAUsageError) {
  const auto result = smoops({"status", "--server-key", "x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--server-key and --client-key go together"), std::string::npos) << result.err;
}

TEST_F(ControlCli, KeysGenerateWritesAKeyPairAndRefusesToOverwriteIt) {
  const auto prefix = (dir_.path() / "client").string();
  const auto result = smoops({"keys", "generate", "--out", prefix});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string secret = first_line(prefix + ".key");
  const std::string public_key = first_line(prefix + ".pub");
  EXPECT_EQ(secret.size(), 40u);
  EXPECT_EQ(public_key.size(), 40u);
  EXPECT_EQ(bus::load_curve_secret_key(prefix + ".key").public_key, public_key);
  struct stat info{};
  ASSERT_EQ(::stat((prefix + ".key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  const auto again = smoops({"keys", "generate", "--out", prefix});
  EXPECT_EQ(again.exit_code, 7);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(first_line(prefix + ".key"), secret);
}

TEST_F(ControlCli, StatusPrintsTheDaemonAndItsBots) {
  ServedControl served(context_, daemon_reply);
  const auto result = smoops({"status", "--control", served.endpoint()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "daemon: up 1h 2m 5s, 1 bots, published 42, dropped 0\n"
            "NAME  STATE    MODE   PAUSED  POSITION  EQUITY\n"
            "b1    running  paper  no      0.5       100012.5\n");
}

TEST_F(ControlCli, PauseSendsTheBotAndPrintsWhatTheDaemonSaid) {
  ServedControl served(context_, daemon_reply);
  const auto result = smoops({"pause", "b1", "--control", served.endpoint()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "bot b1: paused, state paused\n");

  const auto json = smoops({"pause", "b1", "--json", "--control", served.endpoint()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out), daemon_reply({{"command", "pause"}, {"bot", "b1"}}));
}

TEST_F(ControlCli, RefusedRequestExits8WithTheDaemonsError) {
  ServedControl served(context_, daemon_reply);
  const auto result = smoops({"stop", "zz", "--control", served.endpoint()});
  EXPECT_EQ(result.exit_code, 8);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_NE(result.err.find("no bot named 'zz'"), std::string::npos) << result.err;
}

TEST_F(ControlCli, CurveClientWithGeneratedKeysIsAnswered) {
  const auto client_prefix = (dir_.path() / "client").string();
  ASSERT_EQ(smoops({"keys", "generate", "--out", client_prefix}).exit_code, 0);
  const bus::CurveKeyPair server_keys = bus::generate_curve_key_pair();
  const auto server_pub = dir_.write("server.pub", server_keys.public_key + "\n");
  const std::string client_public = first_line(client_prefix + ".pub");
  bus::CurveAuthenticator authenticator(context_, {client_public});
  const bus::CurveServer curve{server_keys, {client_public}};
  ServedControl served(context_, daemon_reply, &curve);

  const auto result = smoops({"resume", "b1", "--control", served.endpoint(), "--server-key", server_pub.string(),
                              "--client-key", client_prefix + ".key"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "bot b1: resumed, state paused\n");
}

TEST_F(ControlCli, WatchPrintsPublishedEventsOfOneBot) {
  bus::PublisherOptions options;
  options.publish_endpoint = "tcp://127.0.0.1:*";
  options.snapshot_endpoint = "tcp://127.0.0.1:*";
  bus::Publisher publisher(context_, options);
  // Publishes until the child has seen its two events: it subscribes at a moment we cannot know.
  std::jthread feeder([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      publisher.publish({"bot.other.status", R"({"state":"running"})", bus::StateEffect::Set, "bot.other.status"});
      publisher.publish({"bot.b1.log", R"({"level":"info","message":"hello"})", bus::StateEffect::None, ""});
      std::this_thread::sleep_for(50ms);
    }
  });
  const auto result = smoops({"watch", "b1", "--count", "2", "--duration-s", "20", "--publish",
                              publisher.publish_endpoint(), "--snapshot", publisher.snapshot_endpoint()});
  feeder.request_stop();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_NE(line.find(" b1 log info hello"), std::string::npos) << line;
  }
  EXPECT_EQ(count, 2) << result.out;
}

TEST_F(ControlCli, WatchExitsZeroOnCtrlC) {
  bus::PublisherOptions options;
  options.publish_endpoint = "tcp://127.0.0.1:*";
  options.snapshot_endpoint = "tcp://127.0.0.1:*";
  bus::Publisher publisher(context_, options);
  const auto err_file = scratch_.path() / "watch.err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv = {kSmoops, "watch", "--duration-s", "30", "--publish", publisher.publish_endpoint(),
                                   "--snapshot", publisher.snapshot_endpoint()};
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  // Interrupt only once it watches (its handler is installed before that line).
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (first_line(err_file).rfind("watching", 0) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << first_line(err_file);
}

}  // namespace
}  // namespace smoops
