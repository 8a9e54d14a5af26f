#include "kline_stream.hpp"

#include <variant>

#include "binance_json.hpp"
#include "binance_symbols.hpp"
#include "kline_history.hpp"

namespace smoops::binance {
namespace {
constexpr std::chrono::milliseconds kIdleTimeout{60'000};
}  // namespace

KlineStream::KlineStream(const BinanceParams& params, BinanceRest& rest, ExchangeEvents& events, Logger& log,
                         StopSignal& stop, Subscription subscription, std::string venue_symbol)
    : params_(params),
      rest_(rest),
      events_(events),
      log_(log),
      stop_(stop),
      subscription_(std::move(subscription)),
      venue_symbol_(std::move(venue_symbol)),
      ws_(params.request_timeout, kIdleTimeout) {
  const std::string name = stream_symbol(venue_symbol_);
  std::string streams;
  if (subscription_.bars) streams += name + "@kline_" + subscription_.bar_interval;
  if (subscription_.trades) streams += (streams.empty() ? "" : "/") + name + "@trade";
  target_ = "/stream?streams=" + streams;
}

KlineStream::~KlineStream() { stop(); }

void KlineStream::start() {
  // The newest closed bar before the stream opens is the baseline: the stream delivers what
  // closes after it, and the first gap fill catches a bar that closes while connecting.
  if (subscription_.bars) {
    const auto latest = closed_bars(rest_, venue_symbol_, subscription_.bar_interval, std::nullopt, std::nullopt, 1);
    if (!latest.empty()) last_bar_ms_ = latest.back().ts.millis();
  }
  connect();
  if (subscription_.bars) fill_gap();
  thread_ = std::thread([this] { run(); });
}

void KlineStream::stop() {
  ws_.interrupt();
  if (thread_.joinable()) thread_.join();
}

void KlineStream::connect() {
  ws_.connect(params_.stream_url, target_);
  log_.info("binance: market stream " + target_.substr(std::string("/stream?streams=").size()) + " connected");
}

void KlineStream::run() {
  for (;;) {
    try {
      while (auto text = ws_.read()) handle(*text);
      return;  // interrupted: disconnecting
    } catch (const TransportError& e) {
      events_.on_error(std::string("binance: market stream: ") + e.what() + "; reconnecting");
    }
    // Reconnect with backoff, then close the gap before reading on.
    for (;;) {
      if (!stop_.sleep_for(backoff_.next())) return;
      try {
        connect();
        if (subscription_.bars) fill_gap();
        backoff_.reset();
        break;
      } catch (const Stopped&) {
        return;
      } catch (const std::exception& e) {
        events_.on_error(std::string("binance: market stream: reconnect failed: ") + e.what());
      }
    }
  }
}

void KlineStream::handle(const std::string& text) {
  MarketMessage message;
  try {
    message = parse_market_message(text);
  } catch (const JsonError& e) {
    events_.on_error(std::string("binance: market stream: message rejected: ") + e.what());
    return;
  }
  if (auto* k = std::get_if<KlineEvent>(&message)) {
    if (k->kline.closed && k->symbol == venue_symbol_ && k->interval == subscription_.bar_interval) deliver(k->kline.bar);
  } else if (auto* t = std::get_if<TradeEvent>(&message)) {
    if (subscription_.trades && t->symbol == venue_symbol_) events_.on_trade(t->trade);
  } else if (auto* other = std::get_if<OtherMarketMessage>(&message)) {
    if (other->event == "serverShutdown") throw TransportError("the venue announced a shutdown", true);
  }
}

void KlineStream::deliver(const Bar& bar) {
  const std::int64_t open_ms = bar.ts.millis();
  if (last_bar_ms_ && open_ms <= *last_bar_ms_) return;  // delivered already (by the gap fill)
  last_bar_ms_ = open_ms;
  events_.on_bar(bar);
}

void KlineStream::fill_gap() {
  std::size_t delivered = 0;
  for (;;) {
    // Bars with open time >= startTime (rest-api.md, "Kline/Candlestick data"), oldest first.
    const std::int64_t from = last_bar_ms_ ? *last_bar_ms_ + 1 : 0;
    const auto bars = closed_bars(rest_, venue_symbol_, subscription_.bar_interval, from, std::nullopt, 1000);
    for (const Bar& bar : bars) deliver(bar);
    delivered += bars.size();
    if (bars.size() < 1000) break;
  }
  if (delivered > 0)
    log_.info("binance: market stream: delivered " + std::to_string(delivered) + " bar(s) that closed while it was down");
}

}  // namespace smoops::binance
