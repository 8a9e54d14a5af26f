#pragma once
// A market data subscription (Exchange::subscribe) on the combined stream endpoint
// (web-socket-streams.md): `<symbol>@kline_<interval>` delivers closed klines ("x": true) as bars
// (ts = open time), `<symbol>@trade` public trades. On its own thread; reconnects with backoff,
// and after a drop first delivers the closed bars it missed, from GET /api/v3/klines, so that bars
// arrive in order, each once.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "binance_rest.hpp"
#include "reconnect_backoff.hpp"
#include "smoops/exchange.hpp"
#include "ws_connection.hpp"

namespace smoops::binance {

/// One subscription's stream.
class KlineStream {
 public:
  KlineStream(const BinanceParams& params, BinanceRest& rest, ExchangeEvents& events, Logger& log, StopSignal& stop,
              Subscription subscription, std::string venue_symbol);
  ~KlineStream();
  KlineStream(const KlineStream&) = delete;
  KlineStream& operator=(const KlineStream&) = delete;

  /// Notes the newest closed bar, connects and closes the gap (throws when any of it fails), then
  /// reads on its own thread.
  void start();
  /// Ends the thread; nothing is reported after it returns.
  void stop();

 private:
  void run();
  void connect();
  void handle(const std::string& text);
  void deliver(const Bar& bar);
  /// Delivers the closed bars after the last one delivered (all of them when none was).
  void fill_gap();

  const BinanceParams& params_;
  BinanceRest& rest_;
  ExchangeEvents& events_;
  Logger& log_;
  StopSignal& stop_;
  Subscription subscription_;
  std::string venue_symbol_;
  std::string target_;
  WsConnection ws_;
  ReconnectBackoff backoff_;
  std::optional<std::int64_t> last_bar_ms_;  // open time of the last bar delivered
  std::thread thread_;
};

}  // namespace smoops::binance
