#pragma once
// An endpoint URL split into what a connection needs: http/https for REST, ws/wss for streams.

#include <optional>
#include <string>
#include <string_view>

namespace smoops::binance {

/// "https://api.binance.com", "ws://127.0.0.1:8080/ws-api/v3", ...
struct EndpointUrl {
  std::string scheme;  ///< "http", "https", "ws" or "wss"
  std::string host;
  std::string port;    ///< explicit or the scheme's default ("80" / "443")
  std::string path;    ///< "" or starting with '/', without a trailing '/'
  /// True for https and wss.
  bool tls() const { return scheme == "https" || scheme == "wss"; }
  /// "host" or "host:port" as the Host header wants it.
  std::string host_header() const;

  /// Parses `text`; nullopt when it is not scheme://host[:port][/path] with a known scheme.
  static std::optional<EndpointUrl> parse(std::string_view text);
};

}  // namespace smoops::binance
