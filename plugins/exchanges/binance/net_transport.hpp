#pragma once
// What REST and WebSocket connections share: blocking steps built from Asio's asynchronous
// operations on a connection's own io_context, so that every step has a timeout (Beast's
// tcp_stream timeouts apply to asynchronous operations only). Internal to the plugin.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <string>

#include "endpoint_url.hpp"

namespace smoops::binance::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// A TLS client context that verifies the venue's certificate against the system's CAs.
asio::ssl::context make_tls_context();

/// Starts `start(handler)` and runs `ioc` until the operation completes; its error code.
template <class Start>
beast::error_code run(asio::io_context& ioc, Start&& start) {
  beast::error_code result;
  bool done = false;
  std::forward<Start>(start)([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
  return result;
}

/// Resolves `url` and connects `stream` within `timeout`.
beast::error_code connect_tcp(asio::io_context& ioc, beast::tcp_stream& stream, const EndpointUrl& url,
                              std::chrono::milliseconds timeout);
/// Sets SNI and host name verification, then the TLS handshake within `timeout`.
beast::error_code tls_handshake(asio::io_context& ioc, TlsStream& stream, const EndpointUrl& url,
                                std::chrono::milliseconds timeout);
/// "connect to HOST:PORT: <reason>".
std::string describe(const char* step, const EndpointUrl& url, const beast::error_code& ec);

}  // namespace smoops::binance::net
