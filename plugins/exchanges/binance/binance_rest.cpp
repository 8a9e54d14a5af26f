#include "binance_rest.hpp"

#include <algorithm>

#include "binance_json.hpp"

namespace smoops::binance {
namespace {

constexpr int kMaxAttempts = 4;
// Longest the connector waits for the venue's rate limit before it gives the request up.
constexpr std::int64_t kMaxRateWaitMs = 60'000;

std::chrono::milliseconds backoff(int attempt) {
  return std::chrono::milliseconds(std::min<std::int64_t>(200LL << attempt, 5000));
}

std::string describe(const char* method, const char* path) { return std::string(method) + " " + path; }

}  // namespace

BinanceRest::BinanceRest(const BinanceParams& params, Logger& log, StopSignal& stop)
    : params_(params), log_(log), stop_(stop), client_(params.rest_url, params.request_timeout) {}

void BinanceRest::set_credentials(const RequestSigner* signer, std::string_view api_key) {
  signer_ = signer;
  api_key_ = api_key;
}

void BinanceRest::wait_for_weight(int weight) {
  std::int64_t waited = 0;
  for (;;) {
    const std::int64_t now = clock_.now_ms();
    const std::int64_t wait = limiter_.reserve(weight, now);
    if (wait == 0) return;
    if (waited + wait > kMaxRateWaitMs) {
      const auto until = limiter_.blocked_until(now);
      throw RateLimited("binance: request not sent: the venue's rate limit allows the next request in " +
                        std::to_string(((until ? *until - now : wait) + 999) / 1000) + " s");
    }
    if (log_.enabled(LogLevel::Debug))
      log_.debug("binance: waiting " + std::to_string(wait) + " ms for the request weight limit");
    stop_.sleep_or_throw(std::chrono::milliseconds(wait));
    waited += wait;
  }
}

std::string BinanceRest::signed_query(const QueryString& params) const {
  if (!signer_) throw std::logic_error("binance: a signed request without credentials");
  QueryString q = params;
  q.add("recvWindow", static_cast<long long>(params_.recv_window.count()));
  q.add("timestamp", static_cast<long long>(clock_.now_ms()));
  const std::string signature = signer_->sign(q.str());
  q.add("signature", signature);
  return q.str();
}

std::string BinanceRest::call(const Endpoint& endpoint, const QueryString& params) {
  const std::string what = describe(endpoint.method, endpoint.path);
  bool resynced = false;
  for (int attempt = 0;; ++attempt) {
    const bool last = attempt + 1 >= kMaxAttempts;
    if (stop_.stop_requested()) throw Stopped();
    wait_for_weight(endpoint.weight);
    const std::string query = endpoint.is_signed ? signed_query(params) : params.str();
    const std::string target = std::string(endpoint.path) + (query.empty() ? "" : "?" + query);
    HttpResponse response;
    try {
      response = client_.request(endpoint.method, target, endpoint.is_signed ? api_key_ : std::string_view());
    } catch (const TransportError& e) {
      if (!endpoint.idempotent && e.maybe_delivered())
        throw UnknownOutcome("binance: " + what + ": no answer (" + e.what() + ")");
      if (last) throw TransportError("binance: " + what + ": " + e.what(), e.maybe_delivered());
      log_.warn("binance: " + what + ": " + e.what() + "; trying again");
      stop_.sleep_or_throw(backoff(attempt));
      continue;
    }
    const std::int64_t now = clock_.now_ms();
    if (response.used_weight_1m) limiter_.on_used_weight(*response.used_weight_1m, now);
    if (response.status == 429 || response.status == 418) {
      // The venue refused the request; every request now waits out Retry-After (rest-api.md,
      // "IP Limits": failing to back off after a 429 gets the IP banned).
      const std::int64_t seconds = response.retry_after_s.value_or(std::max<std::int64_t>(1, backoff(attempt).count() / 1000));
      limiter_.on_retry_after(seconds, now);
      log_.warn("binance: " + what + ": HTTP " + std::to_string(response.status) + ", retry after " +
                std::to_string(seconds) + " s");
      if (last)
        throw RateLimited("binance: " + what + ": HTTP " + std::to_string(response.status) +
                          " (rate limit) after " + std::to_string(kMaxAttempts) + " attempts");
      stop_.sleep_or_throw(backoff(attempt));  // backs off even when Retry-After is 0
      continue;
    }
    if (response.status >= 200 && response.status < 300) return std::move(response.body);
    const auto error = parse_error_body(response.body);
    const int code = error ? error->code : 0;
    const std::string message = error ? error->msg : response.body.substr(0, 200);
    const std::string text = "binance: " + what + ": HTTP " + std::to_string(response.status) +
                             (error ? ", code " + std::to_string(code) : std::string()) + ": " + message;
    if (response.status >= 500 || code == kBackendTimeout) {
      if (!endpoint.idempotent) throw UnknownOutcome(text);
      if (last) throw VenueError(text, response.status, code, message);
      log_.warn(text + "; trying again");
      stop_.sleep_or_throw(backoff(attempt));
      continue;
    }
    if (code == kInvalidTimestamp && !resynced && endpoint.is_signed) {
      log_.warn(text + "; measuring the venue's clock again");
      sync_time();
      resynced = true;
      continue;
    }
    throw VenueError(text, response.status, code, message);
  }
}

void BinanceRest::sync_time() {
  const std::int64_t sent = ServerClock::local_ms();
  const std::string body = call({"GET", "/api/v3/time", 1, false, true}, {});
  const std::int64_t received = ServerClock::local_ms();
  clock_.measured(parse_server_time(body).millis(), sent, received);
  if (log_.enabled(LogLevel::Debug))
    log_.debug("binance: venue clock offset " + std::to_string(clock_.offset_ms()) + " ms");
}

SymbolInfo BinanceRest::exchange_info(std::string_view venue_symbol) {
  const SymbolInfo info =
      parse_exchange_info(call({"GET", "/api/v3/exchangeInfo", 20, false, true}, QueryString().add("symbol", venue_symbol)),
                          venue_symbol);
  limiter_.set_limit(info.request_weight_per_minute);
  return info;
}

std::vector<Kline> BinanceRest::klines(std::string_view venue_symbol, std::string_view interval,
                                       std::optional<std::int64_t> start_ms, std::optional<std::int64_t> end_ms,
                                       int limit) {
  QueryString q;
  q.add("symbol", venue_symbol).add("interval", interval);
  if (start_ms) q.add("startTime", static_cast<long long>(*start_ms));
  if (end_ms) q.add("endTime", static_cast<long long>(*end_ms));
  q.add("limit", static_cast<long long>(std::clamp(limit, 1, 1000)));
  return parse_klines(call({"GET", "/api/v3/klines", 2, false, true}, q));
}

std::vector<Balance> BinanceRest::balances() {
  return parse_account_balances(call({"GET", "/api/v3/account", 20, true, true}, QueryString().add("omitZeroBalances", "true")));
}

VenueOrder BinanceRest::new_order(const QueryString& order_params) {
  return parse_order(call({"POST", "/api/v3/order", 1, true, false}, order_params));
}

VenueOrder BinanceRest::cancel_order(std::string_view venue_symbol, std::string_view client_order_id) {
  QueryString q;
  q.add("symbol", venue_symbol).add("origClientOrderId", client_order_id);
  return parse_order(call({"DELETE", "/api/v3/order", 1, true, false}, q));
}

std::optional<VenueOrder> BinanceRest::query_order(std::string_view venue_symbol, std::string_view client_order_id) {
  QueryString q;
  q.add("symbol", venue_symbol).add("origClientOrderId", client_order_id);
  try {
    return parse_order(call({"GET", "/api/v3/order", 4, true, true}, q));
  } catch (const VenueError& e) {
    if (e.code() == kNoSuchOrder) return std::nullopt;
    throw;
  }
}

std::vector<VenueOrder> BinanceRest::open_orders(std::string_view venue_symbol) {
  return parse_orders(call({"GET", "/api/v3/openOrders", 6, true, true}, QueryString().add("symbol", venue_symbol)));
}

std::vector<VenueTrade> BinanceRest::my_trades(std::string_view venue_symbol, std::optional<std::int64_t> order_id,
                                               std::optional<std::int64_t> from_id, int limit) {
  QueryString q;
  q.add("symbol", venue_symbol);
  if (order_id) q.add("orderId", static_cast<long long>(*order_id));
  if (from_id) q.add("fromId", static_cast<long long>(*from_id));
  q.add("limit", static_cast<long long>(std::clamp(limit, 1, 1000)));
  return parse_my_trades(call({"GET", "/api/v3/myTrades", order_id ? 5 : 20, true, true}, q));
}

}  // namespace smoops::binance
