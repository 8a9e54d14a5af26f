// CURVE on the bus: key files, the loopback rule, and a publisher that serves only clients
// whose keys are authorized, over real sockets.

#include "bus/curve.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include <zmq.hpp>

#include "bus/clone_subscriber.hpp"
#include "bus/publisher.hpp"
#include "support/temp_dir.hpp"

namespace smoops::bus {
namespace {

using namespace std::chrono_literals;

TEST(BusCurve, LoopbackEndpoints) {
  for (const std::string endpoint : {"ipc:///tmp/x", "inproc://x", "tcp://127.0.0.1:7600", "tcp://127.4.5.6:1",
                                     "tcp://localhost:7600", "tcp://[::1]:7600", "tcp://127.0.0.1:*"})
    EXPECT_TRUE(is_loopback_endpoint(endpoint)) << endpoint;
  for (const std::string endpoint : {"tcp://*:7600", "tcp://0.0.0.0:7600", "tcp://10.0.0.1:7600", "tcp://127.0.0.1",
                                     "tcp://127.0.0.256:1", "tcp://127.0.0.1.example.com:1", "tcp://eth0;127.0.0.1:1",
                                     "pgm://127.0.0.1:1", "tcp://[::]:7600", "tcp://localhost:x"})
    EXPECT_FALSE(is_loopback_endpoint(endpoint)) << endpoint;
}

TEST(BusCurve, SecretKeyFileGivesBackItsPublicKey) {
  smoops::test::TempDir directory;
  const CurveKeyPair keys = generate_curve_key_pair();
  const auto secret_file = directory.write("daemon.key", "  " + keys.secret_key + "\n");
  const auto public_file = directory.write("daemon.pub", keys.public_key + "\n");
  EXPECT_EQ(load_curve_secret_key(secret_file.string()).public_key, keys.public_key);
  EXPECT_EQ(load_curve_public_key(public_file.string()), keys.public_key);
}

TEST(BusCurve, BadKeyFilesNameTheFileAndLine) {
  smoops::test::TempDir directory;
  const auto short_key = directory.write("short.key", "abc\n");
  try {
    load_curve_secret_key(short_key.string());
    FAIL() << "a 3-character key was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(short_key.string() + ":1: expected a 40-character Z85"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(load_curve_public_key((directory.path() / "missing.pub").string()), std::runtime_error);
  EXPECT_THROW(load_curve_public_key(directory.write("empty.pub", "# nothing\n").string()), std::runtime_error);
}

TEST(BusCurve, AuthorizedKeysSkipCommentsAndBlankLines) {
  smoops::test::TempDir directory;
  const CurveKeyPair first = generate_curve_key_pair();
  const CurveKeyPair second = generate_curve_key_pair();
  const auto file = directory.write("authorized", "# dashboards\n" + first.public_key + "\n\n  " + second.public_key + "\n");
  EXPECT_EQ(load_authorized_keys(file.string()), (std::vector<std::string>{first.public_key, second.public_key}));
  const auto bad = directory.write("bad", first.public_key + "\nnot-a-key\n");
  try {
    load_authorized_keys(bad.string());
    FAIL() << "a bad key line was accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(bad.string() + ":2:"), std::string::npos) << error.what();
  }
}

TEST(BusCurve, OnlyAuthorizedClientsAreServed) {
  zmq::context_t context;
  const CurveKeyPair authorized = generate_curve_key_pair();
  const CurveKeyPair stranger = generate_curve_key_pair();
  CurveServer server{generate_curve_key_pair(), {authorized.public_key}};
  CurveAuthenticator authenticator(context, server.authorized_client_keys);
  PublisherOptions options;
  options.publish_endpoint = "tcp://127.0.0.1:*";
  options.snapshot_endpoint = "tcp://127.0.0.1:*";
  options.curve = &server;
  Publisher publisher(context, options);
  ASSERT_TRUE(publisher.publish(StateModel::classify("bot.a.status", R"({"running":true})")));
  publisher.flush();

  const auto subscriber_options = [&](const CurveKeyPair& client, std::chrono::milliseconds snapshot_timeout) {
    SubscriberOptions subscriber;
    subscriber.publish_endpoint = publisher.publish_endpoint();
    subscriber.snapshot_endpoint = publisher.snapshot_endpoint();
    subscriber.snapshot_timeout = snapshot_timeout;
    subscriber.curve_client = client;
    subscriber.curve_server_public_key = server.keys.public_key;
    return subscriber;
  };
  CloneSubscriber refused(context, subscriber_options(stranger, 300ms));
  EXPECT_THROW(refused.connect(), BusError);

  CloneSubscriber served(context, subscriber_options(authorized, 2000ms));
  served.connect();
  EXPECT_EQ(served.sequence(), 2u);  // the status, then the greeting of this subscriber
  EXPECT_EQ(served.state().entries().at("bot.a.status"), R"({"running":true})");
  // Updates reach the authorized subscriber (once its subscription is through) and never the stranger.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  std::optional<ReceivedMessage> update;
  while (!update && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(publisher.publish(StateModel::classify("bot.a.equity", R"({"equity":"1"})")));
    update = served.next(10ms);
  }
  ASSERT_TRUE(update);
  EXPECT_EQ(update->topic, "bot.a.equity");
  EXPECT_FALSE(refused.next(50ms));

  // A loopback publisher without CURVE in the same context is not subject to the authenticator.
  PublisherOptions plain_options;
  plain_options.publish_endpoint = "tcp://127.0.0.1:*";
  plain_options.snapshot_endpoint = "tcp://127.0.0.1:*";
  Publisher plain(context, plain_options);
  SubscriberOptions plain_subscriber;
  plain_subscriber.publish_endpoint = plain.publish_endpoint();
  plain_subscriber.snapshot_endpoint = plain.snapshot_endpoint();
  plain_subscriber.snapshot_timeout = 1000ms;
  CloneSubscriber anyone(context, plain_subscriber);
  EXPECT_NO_THROW(anyone.connect());
}

TEST(BusCurve, SecondAuthenticatorInOneContextIsRefused) {
  zmq::context_t context;
  CurveAuthenticator first(context, {});
  EXPECT_THROW(CurveAuthenticator(context, {}), BusError);
}

}  // namespace
}  // namespace smoops::bus
