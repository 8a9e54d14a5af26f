#include "binance_params.hpp"

#include <initializer_list>
#include <string_view>

namespace smoops::binance {
namespace {

// The URL under `key` (or `fallback`), whose scheme must be one of `schemes`.
EndpointUrl url_param(const Params& params, std::string_view key, const char* fallback,
                      std::initializer_list<std::string_view> schemes) {
  const std::string text = params.get_string(key, fallback);
  std::optional<EndpointUrl> url = EndpointUrl::parse(text);
  bool scheme_ok = false;
  if (url)
    for (auto s : schemes) scheme_ok = scheme_ok || url->scheme == s;
  if (!url || !scheme_ok) {
    std::string expected;
    for (auto s : schemes) expected += (expected.empty() ? "" : " or ") + std::string(s) + "://HOST[:PORT][/PATH]";
    const Params& value = params.at(key);
    Params::fail(value.mark(), value.path() + ": expected a URL " + expected + ", got '" + text + "'");
  }
  return *url;
}

}  // namespace

BinanceParams BinanceParams::from(const Params& params) {
  params.allow_only({"base_url", "stream_url", "ws_api_url", "testnet", "credentials", "recv_window_ms",
                     "request_timeout_ms"});
  BinanceParams p;
  p.testnet = params.get_bool("testnet", false);
  p.rest_url = url_param(params, "base_url", p.testnet ? kTestnetRestUrl : kLiveRestUrl, {"https", "http"});
  p.stream_url = url_param(params, "stream_url", p.testnet ? kTestnetStreamUrl : kLiveStreamUrl, {"wss", "ws"});
  p.ws_api_url = url_param(params, "ws_api_url", p.testnet ? kTestnetWsApiUrl : kLiveWsApiUrl, {"wss", "ws"});
  if (params.has("credentials")) {
    p.credentials = params.get_string("credentials");
    if (p.credentials.empty()) {
      const Params& value = params.at("credentials");
      Params::fail(value.mark(), value.path() + ": expected the name of stored credentials, got nothing");
    }
  }
  p.recv_window = std::chrono::milliseconds(params.get_int_in("recv_window_ms", 1, 60000, 5000));
  p.request_timeout = std::chrono::milliseconds(params.get_int_in("request_timeout_ms", 100, 120000, 10000));
  return p;
}

}  // namespace smoops::binance
