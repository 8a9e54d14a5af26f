// The REAL binance plugin (build/plugins, loaded through the host's registry) connecting to the
// fake Binance server: the symbol's rules, credentials checks, market-data-only sessions, bar
// history, the clock offset (-1021) and the request weight rules (429 Retry-After).

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "binance_test_session.hpp"

namespace smoops::test {
namespace {

using namespace std::chrono_literals;

struct BinanceConnect : ::testing::Test {
  TempDir dir;
  FakeBinanceServer fake{FakeBinanceOptions{.klines_csv = write_binance_csv(dir), .start_bar = 10}, dir.path()};
  TestCredentials credentials;
};

TEST_F(BinanceConnect, ReadsTheSymbolsRulesFromExchangeInfo) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  const auto instruments = plugin.exchange().instruments();
  ASSERT_EQ(instruments.size(), 1u);
  EXPECT_EQ(instruments[0].symbol, "BTC/USDT");
  EXPECT_EQ(instruments[0].base_asset, "BTC");
  EXPECT_EQ(instruments[0].quote_asset, "USDT");
  EXPECT_EQ(instruments[0].tick_size, Price::parse_or_throw("0.01"));
  EXPECT_EQ(instruments[0].lot_size, Quantity::parse_or_throw("0.00001"));
  EXPECT_EQ(instruments[0].min_notional, Money::parse_or_throw("5"));
  const auto balances = plugin.exchange().balances();
  bool usdt = false;
  for (const Balance& b : balances)
    if (b.asset == "USDT") usdt = b.total == Money::from_units(10000) && b.available == b.total;
  EXPECT_TRUE(usdt);
}

TEST_F(BinanceConnect, TradingWithoutCredentialsIsRefusedNamingTheParameter) {
  BinancePlugin plugin(fake);
  const std::string message = plugin.connect_error(nullptr);
  EXPECT_NE(message.find("exchange.params.credentials"), std::string::npos) << message;
}

// The venue refuses the key: connect says so, naming the credentials, never showing the key or
// the secret (nor do the logs).
void expect_refused(BinancePlugin& plugin, const TestCredentials& credentials, const char* venue_words) {
  const std::string message = plugin.connect_error(&credentials);
  EXPECT_NE(message.find("the venue refused the API key of credentials 'main': "), std::string::npos) << message;
  EXPECT_NE(message.find(venue_words), std::string::npos) << message;
  for (const auto& line : plugin.log.lines()) {
    EXPECT_EQ(line.message.find(credentials.secret), std::string::npos) << line.message;
    EXPECT_EQ(line.message.find(credentials.api_key), std::string::npos) << line.message;
  }
  EXPECT_EQ(message.find(credentials.secret), std::string::npos);
  EXPECT_EQ(message.find(credentials.api_key), std::string::npos);
}

TEST_F(BinanceConnect, WrongSecretIsRefusedWithTheVenuesMessage) {
  BinancePlugin plugin(fake);
  TestCredentials wrong = credentials;
  wrong.secret = "not-the-secret-4711";
  expect_refused(plugin, wrong, "Signature");  // -1022
}

TEST_F(BinanceConnect, RevokedKeyIsRefused) {
  fake.faults({{"reject_keys", true}});
  BinancePlugin plugin(fake);
  expect_refused(plugin, credentials, "API-key");  // -2015
}

TEST_F(BinanceConnect, MarketDataOnlyNeedsNoCredentialsAndSendsNoOrders) {
  BinancePlugin plugin(fake);
  plugin.connect(nullptr, /*market_data_only=*/true);
  const auto bars = plugin.exchange().bar_history({"BTC/USDT", "1m", std::nullopt, std::nullopt, 3});
  ASSERT_EQ(bars.size(), 3u);  // the latest closed: bars 7, 8, 9
  EXPECT_EQ(bars[0].ts, Timestamp::from_millis(kBinanceT0 + 7 * 60'000));
  EXPECT_EQ(bars[2].ts, Timestamp::from_millis(kBinanceT0 + 9 * 60'000));
  EXPECT_EQ(bars[2].open, Price::from_units(60090));
  EXPECT_EQ(bars[2].close, Price::from_units(60095));
  EXPECT_THROW(plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.001")), std::logic_error);
  EXPECT_EQ(fake.requests("GET /api/v3/account"), 0);
}

TEST_F(BinanceConnect, BarHistoryPagesFromAStartTime) {
  BinancePlugin plugin(fake);
  const auto page = plugin.exchange().bar_history(
      {"BTC/USDT", "1m", Timestamp::from_millis(kBinanceT0 + 2 * 60'000), std::nullopt, 4});
  ASSERT_EQ(page.size(), 4u);
  for (std::size_t i = 0; i < page.size(); ++i)
    EXPECT_EQ(page[i].ts, Timestamp::from_millis(kBinanceT0 + static_cast<std::int64_t>(2 + i) * 60'000));
  // Only closed bars: asking past the last one stops there.
  const auto tail = plugin.exchange().bar_history(
      {"BTC/USDT", "1m", Timestamp::from_millis(kBinanceT0 + 8 * 60'000), std::nullopt, 100});
  EXPECT_EQ(tail.size(), 2u);
  EXPECT_THROW(plugin.exchange().bar_history({"BTC/USDT", "7m", std::nullopt, std::nullopt, 5}), std::invalid_argument);
}

TEST_F(BinanceConnect, ClockSkewIsMeasuredAgainOnMinus1021AndTheRequestRetried) {
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  const int time_requests = fake.requests("GET /api/v3/time");
  fake.faults({{"clock_skew_ms", 30'000}});  // the venue's clock jumps 30 s ahead of ours
  EXPECT_FALSE(plugin.exchange().balances().empty());
  EXPECT_EQ(fake.requests("GET /api/v3/time"), time_requests + 1);
  EXPECT_EQ(fake.requests("GET /api/v3/account"), 3);  // connect's check, the refused one, its retry
  EXPECT_TRUE(plugin.log.contains("-1021"));
}

TEST_F(BinanceConnect, RetryAfterOf429IsWaitedOutBeforeTheNextRequest) {
  BinancePlugin plugin(fake);
  plugin.connect(nullptr, true);
  fake.faults({{"status", {{"path", "/api/v3/klines"}, {"code", 429}, {"retry_after", 2}, {"count", 1}}}});
  const auto start = std::chrono::steady_clock::now();
  auto history = std::async(std::launch::async, [&] {
    return plugin.exchange().bar_history({"BTC/USDT", "1m", std::nullopt, std::nullopt, 2});
  });
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(fake.requests("GET /api/v3/klines"), 1) << "sent again before Retry-After passed";
  EXPECT_EQ(history.get().size(), 2u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(fake.requests("GET /api/v3/klines"), 2);
}

TEST_F(BinanceConnect, Repeated429sEndAfterABoundedNumberOfRetries) {
  BinancePlugin plugin(fake);
  plugin.connect(nullptr, true);
  fake.faults({{"status", {{"path", "/api/v3/klines"}, {"code", 429}, {"retry_after", 0}, {"count", 50}}}});
  EXPECT_THROW(plugin.exchange().bar_history({"BTC/USDT", "1m", std::nullopt, std::nullopt, 2}), std::runtime_error);
  const int sent = fake.requests("GET /api/v3/klines");
  EXPECT_GE(sent, 2);
  EXPECT_LE(sent, 4) << "a retry storm";
}

}  // namespace
}  // namespace smoops::test

namespace smoops::test {
namespace {

// A throwaway Ed25519 key pair made for these tests with `openssl genpkey -algorithm ed25519`.
constexpr const char* kEd25519Private =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIHThmw87A10mwIKd9/S1zWiBnB4WShWOIyRgH3r3f9ts\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kEd25519Public =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAu/y9o7QdLU+jFWiNk0JkPuyNE33NTGyavEJQUiSV8P0=\n"
    "-----END PUBLIC KEY-----\n";

TEST(BinanceEd25519, SignsRequestsAndLogsTheUserDataStreamOn) {
  TempDir dir;
  FakeBinanceOptions options{.klines_csv = write_binance_csv(dir), .start_bar = 10};
  options.ed25519_public_key = dir.write("ed25519.pub.pem", kEd25519Public);
  FakeBinanceServer fake(options, dir.path());
  TestCredentials credentials;
  credentials.key_type = "ed25519";
  credentials.secret = kEd25519Private;
  BinancePlugin plugin(fake);
  plugin.connect(&credentials);
  plugin.exchange().submit(plugin.order("bot-1", Side::Buy, OrderType::Market, "0.01"));
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-1") == OrderStatus::Accepted; }));
  fake.advance(1);
  ASSERT_TRUE(plugin.events.wait_until([](const auto& s) { return s.status_of("bot-1") == OrderStatus::Filled; }))
      << fake.log();
  EXPECT_TRUE(plugin.log.contains("user data stream subscribed"));
}

}  // namespace
}  // namespace smoops::test
