#include "net_transport.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace smoops::binance::net {

asio::ssl::context make_tls_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

beast::error_code connect_tcp(asio::io_context& ioc, beast::tcp_stream& stream, const EndpointUrl& url,
                              std::chrono::milliseconds timeout) {
  asio::ip::tcp::resolver resolver(ioc);
  asio::ip::tcp::resolver::results_type endpoints;
  beast::error_code ec = run(ioc, [&](auto handler) {
    resolver.async_resolve(url.host, url.port, [&endpoints, handler](beast::error_code e, auto results) mutable {
      endpoints = results;
      handler(e);
    });
  });
  if (ec) return ec;
  stream.expires_after(timeout);
  ec = run(ioc, [&](auto handler) { stream.async_connect(endpoints, handler); });
  if (!ec) stream.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  return ec;
}

beast::error_code tls_handshake(asio::io_context& ioc, TlsStream& stream, const EndpointUrl& url,
                                std::chrono::milliseconds timeout) {
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    return beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  return run(ioc, [&](auto handler) { stream.async_handshake(asio::ssl::stream_base::client, handler); });
}

std::string describe(const char* step, const EndpointUrl& url, const beast::error_code& ec) {
  const std::string reason = ec == beast::error::timeout ? std::string("timed out") : ec.message();
  return std::string(step) + " " + url.host + ":" + url.port + ": " + reason;
}

}  // namespace smoops::binance::net
