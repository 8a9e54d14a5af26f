#pragma once
// The parameters of the "binance" exchange (`exchange.params`), validated (docs/binance.md).

#include <chrono>
#include <string>

#include "endpoint_url.hpp"
#include "smoops/params.hpp"

namespace smoops::binance {

/// The live spot endpoints (rest-api.md, web-socket-streams.md, web-socket-api.md).
inline constexpr const char* kLiveRestUrl = "https://api.binance.com";
inline constexpr const char* kLiveStreamUrl = "wss://stream.binance.com:9443";
inline constexpr const char* kLiveWsApiUrl = "wss://ws-api.binance.com:443/ws-api/v3";
/// The spot test network's endpoints (testnet/general-info.md).
inline constexpr const char* kTestnetRestUrl = "https://testnet.binance.vision";
inline constexpr const char* kTestnetStreamUrl = "wss://stream.testnet.binance.vision:9443";
inline constexpr const char* kTestnetWsApiUrl = "wss://ws-api.testnet.binance.vision/ws-api/v3";

/// What a bot's `exchange.params` may set for "binance".
struct BinanceParams {
  EndpointUrl rest_url;    ///< `base_url`: http(s)://host[:port]
  EndpointUrl stream_url;  ///< `stream_url`: ws(s)://host[:port], market streams under /stream
  EndpointUrl ws_api_url;  ///< `ws_api_url`: ws(s)://host[:port]/ws-api/v3, the user data stream
  bool testnet = false;    ///< `testnet`: the defaults are the spot test network's
  /// `credentials`: the name the host resolved into ExchangeSession::credentials (empty: none).
  std::string credentials;
  std::chrono::milliseconds recv_window{5000};        ///< `recv_window_ms`, in [1, 60000]
  std::chrono::milliseconds request_timeout{10000};   ///< `request_timeout_ms`, in [100, 120000]

  /// Reads and validates `params`; throws ParamError at the offending value (or the unknown key).
  static BinanceParams from(const Params& params);
};

}  // namespace smoops::binance
