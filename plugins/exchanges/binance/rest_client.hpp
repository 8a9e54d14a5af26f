#pragma once
// HTTP(S) requests to the REST endpoint, blocking with a timeout, over keep-alive connections that
// any thread may use (a small pool: each request takes an idle connection or opens one).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint_url.hpp"
#include "transport_error.hpp"

namespace smoops::binance {

/// An HTTP answer and the headers the connector acts on.
struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::optional<int> used_weight_1m;          ///< X-MBX-USED-WEIGHT-1M
  std::optional<std::int64_t> retry_after_s;  ///< Retry-After (with 429 and 418)
};

/// A thread-safe HTTP(S) client for one base URL.
class RestClient {
 public:
  RestClient(EndpointUrl base, std::chrono::milliseconds timeout);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  /// Sends `method` `target` (path and query, e.g. "/api/v3/time") with the X-MBX-APIKEY header
  /// when `api_key` is not empty, and waits for the answer at most the timeout (connecting
  /// included). Throws TransportError when no answer came.
  HttpResponse request(std::string_view method, const std::string& target, std::string_view api_key);

 private:
  struct Connection;
  std::unique_ptr<Connection> take_idle();
  void give_back(std::unique_ptr<Connection> connection);

  EndpointUrl base_;
  std::chrono::milliseconds timeout_;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace smoops::binance
