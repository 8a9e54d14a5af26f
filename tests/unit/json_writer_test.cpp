// The hot-path JSON writer: what it writes must be valid JSON that a standard parser reads back
// to the same values, whatever bytes a plugin puts in a string.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/event_json.hpp"
#include "engine/json_writer.hpp"

namespace smoops::engine {
namespace {

TEST(JsonObjectWriter, WritesCompactObjectsInKeyOrder) {
  JsonObjectWriter writer;
  writer.string("a", "x").integer("b", -42).unsigned_integer("c", 18446744073709551615ULL).boolean("d", true).null("e");
  EXPECT_EQ(std::move(writer).finish(), R"({"a":"x","b":-42,"c":18446744073709551615,"d":true,"e":null})");
  EXPECT_EQ(JsonObjectWriter().finish(), "{}");
}

TEST(JsonObjectWriter, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = std::string("say \"hi\"\\ \n\t\r\b\f") + '\x01' + '\x1f' + " ok";
  JsonObjectWriter writer;
  writer.string("message", nasty);
  const std::string text = std::move(writer).finish();
  EXPECT_EQ(text, R"({"message":"say \"hi\"\\ \n\t\r\b\f\u0001\u001f ok"})");
  EXPECT_EQ(nlohmann::json::parse(text).at("message"), nasty);
}

TEST(JsonObjectWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string valid = "€ 日本 😀";
  const std::string invalid = std::string("a") + '\xff' + "b" + '\xc3' + "c" + "\xed\xa0\x80";  // stray, truncated, surrogate
  JsonObjectWriter writer;
  writer.string("valid", valid).string("invalid", invalid);
  const auto parsed = nlohmann::json::parse(std::move(writer).finish());  // throws on invalid UTF-8
  EXPECT_EQ(parsed.at("valid"), valid);
  EXPECT_EQ(parsed.at("invalid"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(EventJson, AnOrderReadsBackWithExactDecimalsAndNullsForMissingPrices) {
  Order order;
  order.client_order_id = "bot-7";
  order.symbol = "BTC/USDT";
  order.side = Side::Sell;
  order.type = OrderType::Limit;
  order.quantity = Quantity::parse_or_throw("0.5");
  order.limit_price = Price::parse_or_throw("16727.3");
  order.filled_quantity = Quantity::parse_or_throw("0.25");
  order.filled_notional = Money::parse_or_throw("4181.825");
  order.status = OrderStatus::PartiallyFilled;
  order.created_ts = Timestamp::from_millis(1672677900000);
  order.updated_ts = Timestamp::from_millis(1672678200000);
  JsonObjectWriter writer;
  write_order(writer, order);
  const auto j = nlohmann::json::parse(std::move(writer).finish());
  EXPECT_EQ(j.at("quantity"), "0.5");
  EXPECT_EQ(j.at("limit_price"), "16727.3");
  EXPECT_TRUE(j.at("stop_price").is_null());
  EXPECT_EQ(j.at("status"), "partially_filled");
  EXPECT_EQ(j.at("average_fill_price"), "16727.3");  // 4181.825 / 0.25
  EXPECT_EQ(j.at("created_ts"), 1672677900000);
}

}  // namespace
}  // namespace smoops::engine
