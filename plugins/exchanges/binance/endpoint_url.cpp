#include "endpoint_url.hpp"

#include <algorithm>

namespace smoops::binance {

std::string EndpointUrl::host_header() const {
  const bool default_port = (tls() && port == "443") || (!tls() && port == "80");
  return default_port ? host : host + ":" + port;
}

std::optional<EndpointUrl> EndpointUrl::parse(std::string_view text) {
  const auto separator = text.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  EndpointUrl url;
  url.scheme = std::string(text.substr(0, separator));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "ws" && url.scheme != "wss") return std::nullopt;
  std::string_view rest = text.substr(separator + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    url.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (url.port.empty() || url.port.size() > 5 ||
        !std::all_of(url.port.begin(), url.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
  } else {
    url.port = url.tls() ? "443" : "80";
  }
  if (authority.empty()) return std::nullopt;
  url.host = std::string(authority);
  return url;
}

}  // namespace smoops::binance
