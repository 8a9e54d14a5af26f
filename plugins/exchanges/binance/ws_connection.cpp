#include "ws_connection.hpp"

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <mutex>

#include "net_transport.hpp"

namespace smoops::binance {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WsConnection::Impl {
  std::chrono::milliseconds timeout;
  std::chrono::milliseconds idle_timeout;
  asio::io_context ioc;
  // The work guard keeps run_one() waiting for an interrupt posted while no operation is pending.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::unique_ptr<asio::ssl::context> tls_context;
  std::optional<websocket::stream<beast::tcp_stream>> plain;
  std::optional<websocket::stream<net::TlsStream>> tls;
  std::atomic<bool> interrupted{false};
  EndpointUrl url;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain); }
  bool open() const { return (plain && plain->is_open()) || (tls && tls->is_open()); }

  template <class Ws>
  void handshake(Ws& ws, const std::string& target) {
    // The handshake's own timeout, then the idle timeout with keep-alive pings for the session.
    websocket::stream_base::timeout t;
    t.handshake_timeout = timeout;
    t.idle_timeout = idle_timeout;
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "smoops-binance/1.0"); }));
    ws.read_message_max(16 * 1024 * 1024);
    beast::get_lowest_layer(ws).expires_never();  // the websocket's timeouts take over
    const std::string path = url.path + target;
    const beast::error_code ec =
        net::run(ioc, [&](auto handler) { ws.async_handshake(url.host_header(), path, handler); });
    if (ec) throw TransportError(net::describe("open a WebSocket to", url, ec), false);
  }

  template <class Ws>
  void write(Ws& ws, std::string_view text) {
    ws.text(true);
    const beast::error_code ec =
        net::run(ioc, [&](auto handler) { ws.async_write(asio::buffer(text.data(), text.size()), handler); });
    if (ec) throw TransportError(net::describe("send on the WebSocket to", url, ec), true);
  }

  template <class Ws>
  std::optional<std::string> read_one(Ws& ws) {
    beast::flat_buffer buffer;
    const beast::error_code ec = net::run(ioc, [&](auto handler) { ws.async_read(buffer, handler); });
    if (interrupted.load()) return std::nullopt;
    if (ec) {
      const std::string reason =
          ec == websocket::error::closed ? "closed by the venue" : (ec == beast::error::timeout ? "silent too long" : ec.message());
      throw TransportError("WebSocket to " + url.host + ":" + url.port + " dropped: " + reason, true);
    }
    return beast::buffers_to_string(buffer.data());
  }

  template <class Ws>
  void close_gracefully(Ws& ws) {
    if (!ws.is_open()) return;
    beast::get_lowest_layer(ws).expires_after(timeout);
    net::run(ioc, [&](auto handler) { ws.async_close(websocket::close_code::normal, handler); });
  }
};

WsConnection::WsConnection(std::chrono::milliseconds timeout, std::chrono::milliseconds idle_timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  impl_->idle_timeout = idle_timeout;
  impl_->guard.emplace(impl_->ioc.get_executor());
}

WsConnection::~WsConnection() = default;

void WsConnection::connect(const EndpointUrl& url, const std::string& target_suffix) {
  Impl& m = *impl_;
  m.plain.reset();
  m.tls.reset();
  m.url = url;
  beast::error_code ec;
  if (url.tls()) {
    if (!m.tls_context) m.tls_context = std::make_unique<asio::ssl::context>(net::make_tls_context());
    m.tls.emplace(m.ioc, *m.tls_context);
    ec = net::connect_tcp(m.ioc, beast::get_lowest_layer(*m.tls), url, m.timeout);
    if (!ec) ec = net::tls_handshake(m.ioc, m.tls->next_layer(), url, m.timeout);
    if (ec) throw TransportError(net::describe("connect to", url, ec), false);
    m.handshake(*m.tls, target_suffix);
  } else {
    m.plain.emplace(m.ioc);
    ec = net::connect_tcp(m.ioc, beast::get_lowest_layer(*m.plain), url, m.timeout);
    if (ec) throw TransportError(net::describe("connect to", url, ec), false);
    m.handshake(*m.plain, target_suffix);
  }
}

void WsConnection::send(std::string_view text) {
  if (!impl_->open()) throw TransportError("WebSocket is not connected", false);
  impl_->tls ? impl_->write(*impl_->tls, text) : impl_->write(*impl_->plain, text);
}

std::optional<std::string> WsConnection::read() {
  if (impl_->interrupted.load()) return std::nullopt;
  if (!impl_->open()) throw TransportError("WebSocket is not connected", false);
  return impl_->tls ? impl_->read_one(*impl_->tls) : impl_->read_one(*impl_->plain);
}

void WsConnection::interrupt() {
  impl_->interrupted.store(true);
  // Runs on the reading thread (inside its run_one()); closing the socket ends the pending read.
  asio::post(impl_->ioc, [m = impl_.get()] {
    beast::error_code ignored;
    if (m->open()) m->lowest().socket().close(ignored);
  });
}

void WsConnection::close() {
  if (impl_->interrupted.load()) return;
  try {
    if (impl_->tls) impl_->close_gracefully(*impl_->tls);
    if (impl_->plain) impl_->close_gracefully(*impl_->plain);
  } catch (const std::exception&) {
    // best effort
  }
}

}  // namespace smoops::binance
