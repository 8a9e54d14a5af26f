#include "rest_client.hpp"

#include <sys/socket.h>

#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <optional>

#include "net_transport.hpp"

namespace smoops::binance {

namespace http = boost::beast::http;
namespace asio = boost::asio;
namespace beast = boost::beast;

struct RestClient::Tls {
  asio::ssl::context context = net::make_tls_context();
};

// One keep-alive connection with its own io_context: used by one thread at a time.
struct RestClient::Connection {
  asio::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<net::TlsStream> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // A pooled connection the server closed (or that holds stray bytes) is not reused: sending on it
  // would turn a harmless reconnect into an order whose outcome is unknown.
  bool still_open() {
    char byte = 0;
    const ssize_t n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

RestClient::RestClient(EndpointUrl base, std::chrono::milliseconds timeout)
    : base_(std::move(base)), timeout_(timeout) {
  if (base_.tls()) tls_ = std::make_unique<Tls>();
}

RestClient::~RestClient() = default;

std::unique_ptr<RestClient::Connection> RestClient::take_idle() {
  std::lock_guard lock(mutex_);
  while (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    if (c->still_open()) return c;
  }
  return nullptr;
}

void RestClient::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 4) idle_.push_back(std::move(connection));
}

namespace {

template <class Stream>
HttpResponse exchange(asio::io_context& ioc, Stream& stream, beast::tcp_stream& lowest, beast::flat_buffer& buffer,
                      const http::request<http::empty_body>& request, std::chrono::milliseconds timeout,
                      const EndpointUrl& url, bool& keep_alive) {
  lowest.expires_after(timeout);
  beast::error_code ec = net::run(ioc, [&](auto handler) { http::async_write(stream, request, handler); });
  if (ec) throw TransportError(net::describe("send a request to", url, ec), false);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  ec = net::run(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  if (ec) throw TransportError(net::describe("read the answer of", url, ec), true);
  http::response<http::string_body> response = parser.release();
  keep_alive = response.keep_alive();
  HttpResponse out;
  out.status = response.result_int();
  out.body = std::move(response.body());
  auto number = [&](std::string_view name) -> std::optional<std::int64_t> {
    const auto it = response.find(beast::string_view(name.data(), name.size()));
    if (it == response.end()) return std::nullopt;
    std::int64_t value = 0;
    const auto text = it->value();
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) return std::nullopt;
    return value;
  };
  if (auto used = number("X-MBX-USED-WEIGHT-1M")) out.used_weight_1m = static_cast<int>(*used);
  out.retry_after_s = number("Retry-After");
  return out;
}

}  // namespace

HttpResponse RestClient::request(std::string_view method, const std::string& target, std::string_view api_key) {
  std::unique_ptr<Connection> c = take_idle();
  if (!c) {
    c = std::make_unique<Connection>();
    beast::error_code ec;
    if (tls_) {
      c->tls.emplace(c->ioc, tls_->context);
      ec = net::connect_tcp(c->ioc, beast::get_lowest_layer(*c->tls), base_, timeout_);
      if (!ec) ec = net::tls_handshake(c->ioc, *c->tls, base_, timeout_);
    } else {
      c->plain.emplace(c->ioc);
      ec = net::connect_tcp(c->ioc, *c->plain, base_, timeout_);
    }
    if (ec) throw TransportError(net::describe("connect to", base_, ec), false);
  }
  http::request<http::empty_body> req;
  req.method(http::string_to_verb(beast::string_view(method.data(), method.size())));
  req.target(base_.path + target);
  req.version(11);
  req.set(http::field::host, base_.host_header());
  req.set(http::field::user_agent, "smoops-binance/1.0");
  if (!api_key.empty()) req.set("X-MBX-APIKEY", beast::string_view(api_key.data(), api_key.size()));
  req.keep_alive(true);
  bool keep_alive = false;
  HttpResponse response = c->tls ? exchange(c->ioc, *c->tls, c->lowest(), c->buffer, req, timeout_, base_, keep_alive)
                                 : exchange(c->ioc, *c->plain, c->lowest(), c->buffer, req, timeout_, base_, keep_alive);
  if (keep_alive) give_back(std::move(c));
  return response;
}

}  // namespace smoops::binance
