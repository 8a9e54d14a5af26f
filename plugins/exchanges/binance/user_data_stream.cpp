#include "user_data_stream.hpp"

#include <set>
#include <variant>

#include "binance_json.hpp"

namespace smoops::binance {
namespace {

constexpr std::chrono::milliseconds kIdleTimeout{60'000};

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

// The venue ended the subscription or the connection: reconnect.
[[noreturn]] void ended(const std::string& why) { throw TransportError(why, true); }

}  // namespace

UserDataStream::UserDataStream(const BinanceParams& params, BinanceRest& rest, OrderTracker& tracker,
                               ExchangeEvents& events, Logger& log, StopSignal& stop, const RequestSigner& signer,
                               std::string_view api_key, std::string_view credentials_name, std::string venue_symbol)
    : params_(params),
      rest_(rest),
      tracker_(tracker),
      events_(events),
      log_(log),
      stop_(stop),
      signer_(signer),
      api_key_(api_key),
      credentials_name_(credentials_name),
      venue_symbol_(std::move(venue_symbol)),
      ws_(params.request_timeout, kIdleTimeout) {}

UserDataStream::~UserDataStream() { stop(); }

void UserDataStream::stop() {
  ws_.interrupt();
  if (thread_.joinable()) thread_.join();
}

std::string UserDataStream::signed_params() const {
  // The signature payload is every parameter but the signature, sorted by name (web-socket-api.md,
  // "SIGNED request example (HMAC)" / "(Ed25519)").
  const std::string recv_window = std::to_string(params_.recv_window.count());
  const std::string timestamp = std::to_string(rest_.clock().now_ms());
  const std::string payload =
      "apiKey=" + std::string(api_key_) + "&recvWindow=" + recv_window + "&timestamp=" + timestamp;
  return "{\"apiKey\":" + json_string(api_key_) + ",\"recvWindow\":" + recv_window + ",\"timestamp\":" + timestamp +
         ",\"signature\":" + json_string(signer_.sign(payload)) + "}";
}

void UserDataStream::call(const std::string& method, const std::string& params_json) {
  const std::string id = "smoops-" + std::to_string(next_id_++);
  std::string request = "{\"id\":" + json_string(id) + ",\"method\":" + json_string(method);
  if (!params_json.empty()) request += ",\"params\":" + params_json;
  ws_.send(request + "}");
  bool answered = false;
  while (!answered) {
    const auto text = ws_.read();
    if (!text) throw Stopped();
    handle(*text, id, answered);
  }
}

void UserDataStream::open() {
  ws_.connect(params_.ws_api_url, "");
  for (int attempt = 0;; ++attempt) {
    try {
      if (signer_.key_type() == KeyType::Hmac) {
        call("userDataStream.subscribe.signature", signed_params());
      } else {
        call("session.logon", signed_params());
        call("userDataStream.subscribe", "");
      }
      log_.info("binance: user data stream subscribed");
      return;
    } catch (const VenueError& e) {
      if (e.code() != kInvalidTimestamp || attempt > 0) throw;
      log_.warn(std::string(e.what()) + "; measuring the venue's clock again");
      rest_.sync_time();
    }
  }
}

void UserDataStream::start() {
  try {
    open();
  } catch (const VenueError& e) {
    if (is_key_refusal(e.code()))
      throw std::runtime_error("the venue refused the API key of credentials '" + credentials_name_ +
                               "': " + e.venue_message());
    throw std::runtime_error(std::string("binance: cannot start the user data stream: ") + e.what());
  } catch (const TransportError& e) {
    throw std::runtime_error(std::string("binance: cannot start the user data stream: ") + e.what());
  }
  thread_ = std::thread([this] { run(); });
}

void UserDataStream::run() {
  for (;;) {
    try {
      bool unused = false;
      while (auto text = ws_.read()) handle(*text, {}, unused);
      return;  // interrupted: disconnecting
    } catch (const TransportError& e) {
      events_.on_error(std::string("binance: user data stream: ") + e.what() + "; reconnecting");
    } catch (const std::exception& e) {
      events_.on_error(std::string("binance: user data stream: ") + e.what() + "; reconnecting");
    }
    for (;;) {
      if (!stop_.sleep_for(backoff_.next())) return;
      try {
        open();
        close_gap();
        backoff_.reset();
        break;
      } catch (const Stopped&) {
        return;
      } catch (const VenueError& e) {
        events_.on_error(is_key_refusal(e.code()) ? "the venue refused the API key of credentials '" + credentials_name_ +
                                                        "': " + e.venue_message()
                                                  : std::string("binance: user data stream: ") + e.what());
      } catch (const std::exception& e) {
        events_.on_error(std::string("binance: user data stream: reconnect failed: ") + e.what());
      }
    }
  }
}

void UserDataStream::handle(const std::string& text, const std::string& awaited_id, bool& answered) {
  UserMessage message;
  try {
    message = parse_user_message(text);
  } catch (const JsonError& e) {
    events_.on_error(std::string("binance: user data stream: message rejected: ") + e.what());
    return;
  }
  if (auto* response = std::get_if<WsApiResponse>(&message)) {
    if (!awaited_id.empty() && response->id == awaited_id) {
      answered = true;
      if (response->error)
        throw VenueError("binance: WebSocket API: HTTP " + std::to_string(response->status) + ", code " +
                             std::to_string(response->error->code) + ": " + response->error->msg,
                         static_cast<unsigned>(response->status), response->error->code, response->error->msg);
    } else if (response->error) {
      events_.on_error("binance: WebSocket API: code " + std::to_string(response->error->code) + ": " +
                       response->error->msg);
    }
  } else if (auto* report = std::get_if<ExecutionReport>(&message)) {
    if (report->symbol == venue_symbol_) tracker_.report_execution(*report);
  } else if (auto* other = std::get_if<OtherUserEvent>(&message)) {
    if (other->event == "eventStreamTerminated") ended("the venue ended the subscription");
    if (other->event == "serverShutdown") ended("the venue announced a shutdown");
    if (log_.enabled(LogLevel::Debug)) log_.debug("binance: user data stream: " + other->event);
  }
}

void UserDataStream::close_gap() {
  // The trades since the last one seen, then where each order the host still has working stands.
  if (auto last = tracker_.last_trade_id()) {
    std::int64_t from = *last + 1;
    for (;;) {
      const auto trades = rest_.my_trades(venue_symbol_, std::nullopt, from, 1000);
      tracker_.report_trades(trades);
      if (trades.size() < 1000) break;
      from = trades.back().id + 1;
    }
  }
  const auto unfinished = tracker_.unfinished();
  if (unfinished.empty()) return;
  std::set<std::string> open;
  for (const VenueOrder& order : rest_.open_orders(venue_symbol_)) {
    if (!tracker_.tracks(order.client_order_id)) continue;
    open.insert(order.client_order_id);
    tracker_.report_venue_order(order);
  }
  for (const std::string& id : unfinished) {
    if (open.count(id)) continue;
    // Unknown to the venue: a submit still on its way, which the order worker resolves.
    if (auto order = rest_.query_order(venue_symbol_, id)) tracker_.report_venue_order(*order);
  }
}

}  // namespace smoops::binance
