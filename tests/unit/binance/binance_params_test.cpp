// The exchange's parameters: defaults, the testnet switch, bounds and unknown keys.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "binance_params.hpp"

namespace smoops::binance {
namespace {

Params params(const std::vector<std::pair<std::string, std::string>>& entries) {
  Params p = Params::map({"bots/b.yaml", 5, 3}, "exchange.params");
  int line = 6;
  for (const auto& [key, value] : entries)
    p.add(key, Params::scalar(value, {"bots/b.yaml", line++, 10}, "exchange.params." + key));
  return p;
}

std::string param_error(const Params& p) {
  try {
    BinanceParams::from(p);
  } catch (const ParamError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ParamError";
  return {};
}

TEST(BinanceParams, DefaultsAreTheLiveEndpoints) {
  const BinanceParams p = BinanceParams::from(params({}));
  EXPECT_EQ(p.rest_url.scheme, "https");
  EXPECT_EQ(p.rest_url.host, "api.binance.com");
  EXPECT_EQ(p.rest_url.port, "443");
  EXPECT_EQ(p.stream_url.host, "stream.binance.com");
  EXPECT_EQ(p.stream_url.port, "9443");
  EXPECT_EQ(p.ws_api_url.host, "ws-api.binance.com");
  EXPECT_EQ(p.ws_api_url.path, "/ws-api/v3");
  EXPECT_EQ(p.recv_window.count(), 5000);
  EXPECT_EQ(p.request_timeout.count(), 10000);
  EXPECT_TRUE(p.credentials.empty());
}

TEST(BinanceParams, TestnetSwitchesTheDefaultsButNotExplicitUrls) {
  const BinanceParams p = BinanceParams::from(params({{"testnet", "true"}, {"base_url", "http://127.0.0.1:8123"}}));
  EXPECT_EQ(p.rest_url.host, "127.0.0.1");
  EXPECT_EQ(p.rest_url.port, "8123");
  EXPECT_FALSE(p.rest_url.tls());
  EXPECT_EQ(p.stream_url.host, "stream.testnet.binance.vision");
  EXPECT_EQ(p.ws_api_url.host, "ws-api.testnet.binance.vision");
}

TEST(BinanceParams, AcceptsCredentialsAndBounds) {
  const BinanceParams p = BinanceParams::from(
      params({{"credentials", "main"}, {"recv_window_ms", "60000"}, {"request_timeout_ms", "2500"}}));
  EXPECT_EQ(p.credentials, "main");
  EXPECT_EQ(p.recv_window.count(), 60000);
  EXPECT_EQ(p.request_timeout.count(), 2500);
}

TEST(BinanceParams, ErrorsNameTheKeyAndWhere) {
  const std::string unknown = param_error(params({{"recv_windw_ms", "1000"}}));
  EXPECT_NE(unknown.find("bots/b.yaml:6:10"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("'exchange.params.recv_windw_ms'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("did you mean 'recv_window_ms'"), std::string::npos) << unknown;
  EXPECT_NE(param_error(params({{"recv_window_ms", "60001"}})).find("[1, 60000]"), std::string::npos);
  const std::string bad_url = param_error(params({{"stream_url", "https://stream.binance.com"}}));
  EXPECT_NE(bad_url.find("exchange.params.stream_url"), std::string::npos) << bad_url;
  EXPECT_NE(bad_url.find("wss://"), std::string::npos) << bad_url;
  EXPECT_NE(param_error(params({{"testnet", "yes"}})).find("true or false"), std::string::npos);
  EXPECT_NE(param_error(params({{"credentials", ""}})).find("credentials"), std::string::npos);
}

}  // namespace
}  // namespace smoops::binance
