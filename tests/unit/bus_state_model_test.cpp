#include "bus/state_model.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace smoops::bus {
namespace {

std::string order_payload(const std::string& client_order_id, const std::string& status) {
  return R"({"client_order_id":")" + client_order_id + R"(","status":")" + status + R"("})";
}

TEST(BusStateModel, LatestValueTopicsSetTheirTopic) {
  for (const std::string topic : {"bot.btc-sma.position", "bot.btc-sma.equity", "bot.btc-sma.status", "daemon.status"}) {
    const BusMessage message = StateModel::classify(topic, R"({"x":1})");
    EXPECT_EQ(message.effect, StateEffect::Set) << topic;
    EXPECT_EQ(message.key, topic);
    EXPECT_EQ(message.payload, R"({"x":1})");
  }
}

TEST(BusStateModel, WorkingOrdersSetAndTerminalOrdersEraseTheirClientOrderId) {
  for (const std::string status : {"initialized", "submitted", "accepted", "triggered", "partially_filled", "pending_cancel"}) {
    const BusMessage message = StateModel::classify("bot.a.b.order", order_payload("a-1", status));
    EXPECT_EQ(message.effect, StateEffect::Set) << status;
    EXPECT_EQ(message.key, "bot.a.b.order/a-1");
  }
  for (const std::string status : {"denied", "canceled", "rejected", "expired", "filled"}) {
    const BusMessage message = StateModel::classify("bot.a.order", order_payload("a-1", status));
    EXPECT_EQ(message.effect, StateEffect::Erase) << status;
    EXPECT_EQ(message.key, "bot.a.order/a-1");
  }
}

TEST(BusStateModel, EventsAndUnknownTopicsAreNotState) {
  for (const std::string topic : {"bot.a.fill", "bot.a.log", "daemon.log", "bot..status", "bot.status", "other"})
    EXPECT_EQ(StateModel::classify(topic, "{}").effect, StateEffect::None) << topic;
}

TEST(BusStateModel, OrderWithoutIdOrWithUnknownStatusIsRefused) {
  EXPECT_THROW(StateModel::classify("bot.a.order", R"({"status":"accepted"})"), std::invalid_argument);
  EXPECT_THROW(StateModel::classify("bot.a.order", order_payload("a-1", "lost")), std::invalid_argument);
}

TEST(BusStateModel, MalformedPayloadThrows) {
  StateModel state;
  EXPECT_THROW(state.apply_received("bot.a.position", "{not json"), std::invalid_argument);
  EXPECT_THROW(state.apply_received("bot.a.position", "[1,2]"), std::invalid_argument);
  EXPECT_THROW(state.load_json("[]"), std::invalid_argument);
  EXPECT_THROW(state.load_json(R"({"k":1})"), std::invalid_argument);
  EXPECT_TRUE(state.entries().empty());
}

TEST(BusStateModel, PublisherAndSubscriberSidesAgree) {
  const std::vector<std::pair<std::string, std::string>> stream = {
      {"bot.a.order", order_payload("a-1", "submitted")}, {"bot.a.order", order_payload("a-2", "accepted")},
      {"bot.a.fill", R"({"trade_id":"t1"})"},             {"bot.a.order", order_payload("a-1", "filled")},
      {"bot.a.position", R"({"quantity":"1.5"})"},        {"daemon.status", R"({"bots":1})"},
      {"bot.a.position", R"({"quantity":"0"})"}};
  StateModel publisher_side;
  StateModel subscriber_side;
  for (const auto& [topic, payload] : stream) {
    publisher_side.apply(StateModel::classify(topic, payload));
    subscriber_side.apply_received(topic, payload);
  }
  EXPECT_EQ(publisher_side, subscriber_side);
  EXPECT_EQ(publisher_side.entries().size(), 3u);
  EXPECT_EQ(publisher_side.entries().at("bot.a.position"), R"({"quantity":"0"})");
  EXPECT_FALSE(publisher_side.entries().contains("bot.a.order/a-1"));
}

TEST(BusStateModel, ReceivedPayloadsAreStoredCanonically) {
  StateModel spaced;
  spaced.apply_received("bot.a.status", R"({ "running" : true })");
  EXPECT_EQ(spaced.entries().at("bot.a.status"), R"({"running":true})");
}

TEST(BusStateModel, JsonRoundTripKeepsEveryEntry) {
  StateModel state;
  state.apply_received("bot.a.order", order_payload(R"(a\"quoted\")", "accepted"));
  state.apply_received("bot.a.equity", R"({"equity":"100.5","nested":{"x":[1,2]}})");
  StateModel loaded;
  loaded.apply_received("bot.stale.status", "{}");
  loaded.load_json(state.to_json());
  EXPECT_EQ(loaded, state);
  StateModel empty;
  loaded.load_json(empty.to_json());
  EXPECT_EQ(loaded, empty);
}

}  // namespace
}  // namespace smoops::bus
