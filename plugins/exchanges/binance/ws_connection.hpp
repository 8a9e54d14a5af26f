#pragma once
// One WebSocket client connection (ws:// or wss://), blocking with timeouts, for one thread:
// connect, send and read text messages. Pings from the server are answered with pongs carrying
// their payload (Beast does it while a read is pending, as web-socket-streams.md asks), and a
// connection silent for longer than the idle timeout is pinged, then dropped. interrupt() may be
// called from any thread to end a blocked read().

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "endpoint_url.hpp"
#include "transport_error.hpp"

namespace smoops::binance {

/// A WebSocket client connection.
class WsConnection {
 public:
  /// `timeout` bounds connecting, the handshake and each send; `idle_timeout` a silent connection.
  WsConnection(std::chrono::milliseconds timeout, std::chrono::milliseconds idle_timeout);
  ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  /// Opens `url` with request target url.path + `target_suffix` (e.g. "/stream?streams=..."),
  /// dropping any previous connection. Throws TransportError.
  void connect(const EndpointUrl& url, const std::string& target_suffix);
  /// Sends one text message. Throws TransportError.
  void send(std::string_view text);
  /// The next message; nullopt once interrupt() was called. Throws TransportError when the
  /// connection drops or goes silent.
  std::optional<std::string> read();
  /// Thread-safe: ends a read() in progress (and every later one) with nullopt.
  void interrupt();
  /// Closes the connection politely (best effort, bounded by the timeout).
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smoops::binance
