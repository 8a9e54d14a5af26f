#pragma once
// The venue's REST API (rest-api.md) as typed calls: signing, the time offset, request weights,
// 429/418 Retry-After, and what an answer means when it does not come. Thread-safe.
//
// Retries: a request that certainly did not reach the venue (no connection), a 429/418 (the
// venue refused it) and a -1021 (clock, after measuring the offset again; once) are sent again, a
// bounded number of times with backoff. An idempotent request (GET) is also retried after a
// timeout or a 5xx. A non-idempotent one (placing or canceling an order) never is: it throws
// UnknownOutcome and the caller asks the venue what became of it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "binance_params.hpp"
#include "binance_types.hpp"
#include "query_string.hpp"
#include "request_signer.hpp"
#include "rest_client.hpp"
#include "server_clock.hpp"
#include "smoops/logger.hpp"
#include "stop_signal.hpp"
#include "weight_limiter.hpp"

namespace smoops::binance {

/// The venue answered with an error ({"code", "msg"}), or an HTTP error without one.
class VenueError : public std::runtime_error {
 public:
  VenueError(const std::string& what, unsigned http_status, int code, std::string venue_message)
      : std::runtime_error(what), http_status_(http_status), code_(code), venue_message_(std::move(venue_message)) {}
  unsigned http_status() const { return http_status_; }
  int code() const { return code_; }  ///< the venue's error code (errors.md), 0 when none
  const std::string& venue_message() const { return venue_message_; }

 private:
  unsigned http_status_;
  int code_;
  std::string venue_message_;
};

/// The request may or may not have been executed (timeout, dropped connection, 5xx, -1007).
class UnknownOutcome : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The request was not sent: the venue asked to wait (429/418) longer than the connector waits.
class RateLimited : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Error codes the connector acts on (errors.md).
inline constexpr int kInvalidTimestamp = -1021;
inline constexpr int kInvalidSignature = -1022;
inline constexpr int kBackendTimeout = -1007;
inline constexpr int kNoSuchOrder = -2013;
inline constexpr int kBadApiKeyFormat = -2014;
inline constexpr int kRejectedApiKey = -2015;
inline constexpr int kCancelRejected = -2011;

/// True for the codes that mean the API key or its signature was refused.
constexpr bool is_key_refusal(int code) {
  return code == kBadApiKeyFormat || code == kRejectedApiKey || code == kInvalidSignature;
}

/// Typed access to the REST API.
class BinanceRest {
 public:
  BinanceRest(const BinanceParams& params, Logger& log, StopSignal& stop);

  /// Signed requests use `signer` and `api_key` (both must outlive their use: until disconnect).
  void set_credentials(const RequestSigner* signer, std::string_view api_key);
  ServerClock& clock() { return clock_; }
  WeightLimiter& limiter() { return limiter_; }

  /// Measures the offset to the venue's clock (GET /api/v3/time).
  void sync_time();
  /// GET /api/v3/exchangeInfo?symbol=...; also adopts its REQUEST_WEIGHT limit.
  SymbolInfo exchange_info(std::string_view venue_symbol);
  /// GET /api/v3/klines (limit at most 1000).
  std::vector<Kline> klines(std::string_view venue_symbol, std::string_view interval, std::optional<std::int64_t> start_ms,
                            std::optional<std::int64_t> end_ms, int limit);
  /// GET /api/v3/account: the balances.
  std::vector<Balance> balances();
  /// POST /api/v3/order.
  VenueOrder new_order(const QueryString& order_params);
  /// DELETE /api/v3/order by origClientOrderId.
  VenueOrder cancel_order(std::string_view venue_symbol, std::string_view client_order_id);
  /// GET /api/v3/order by origClientOrderId; nullopt for -2013 (the venue never had it).
  std::optional<VenueOrder> query_order(std::string_view venue_symbol, std::string_view client_order_id);
  /// GET /api/v3/openOrders?symbol=...
  std::vector<VenueOrder> open_orders(std::string_view venue_symbol);
  /// GET /api/v3/myTrades, by order id and/or from a trade id, at most `limit` (<= 1000).
  std::vector<VenueTrade> my_trades(std::string_view venue_symbol, std::optional<std::int64_t> order_id,
                                    std::optional<std::int64_t> from_id, int limit);

 private:
  struct Endpoint {
    const char* method;
    const char* path;
    int weight;
    bool is_signed;
    bool idempotent;
  };
  /// Sends with the rules above; the body of a 2xx answer.
  std::string call(const Endpoint& endpoint, const QueryString& params);
  void wait_for_weight(int weight);
  std::string signed_query(const QueryString& params) const;

  BinanceParams params_;
  Logger& log_;
  StopSignal& stop_;
  RestClient client_;
  ServerClock clock_;
  WeightLimiter limiter_;
  const RequestSigner* signer_ = nullptr;
  std::string_view api_key_;
};

}  // namespace smoops::binance
