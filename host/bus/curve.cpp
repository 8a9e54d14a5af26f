#include "bus/curve.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/bus_error.hpp"

namespace smoops::bus {
namespace {

constexpr std::size_t kZ85KeyChars = 40;
constexpr std::size_t kBinaryKeyBytes = 32;
// libzmq sends every ZAP request of a context to this fixed inproc endpoint (ZAP 1.0, RFC 27).
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kZapVersion = "1.0";
constexpr const char* kZapDomain = "smoops";

bool is_valid_z85_key(const std::string& key) {
  if (key.size() != kZ85KeyChars) return false;
  std::array<std::uint8_t, kBinaryKeyBytes> decoded{};
  return zmq_z85_decode(decoded.data(), key.c_str()) != nullptr;
}

std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = line.find_last_not_of(" \t\r\n");
  return line.substr(first, last - first + 1);
}

// The key lines of a key file: trimmed, without blank lines and '#' comments, each with its line number.
std::vector<std::pair<int, std::string>> key_lines(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read CURVE key file " + file);
  std::vector<std::pair<int, std::string>> lines;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string key = trimmed(line);
    if (!key.empty() && key.front() != '#') lines.emplace_back(number, std::move(key));
  }
  return lines;
}

std::string checked_key(const std::string& file, int line_number, const std::string& key) {
  if (!is_valid_z85_key(key))
    throw std::runtime_error(file + ":" + std::to_string(line_number) + ": expected a " +
                             std::to_string(kZ85KeyChars) + "-character Z85 CURVE key, found " +
                             std::to_string(key.size()) + " characters that are not one");
  return key;
}

// The one key of a key file.
std::string single_key(const std::string& file) {
  const auto lines = key_lines(file);
  if (lines.size() != 1)
    throw std::runtime_error(file + ": expected exactly one Z85 CURVE key line, found " + std::to_string(lines.size()));
  return checked_key(file, lines.front().first, lines.front().second);
}

bool is_ipv4_loopback(std::string_view host) {
  int octets[4];
  const char* p = host.data();
  const char* const end = host.data() + host.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    const auto [next, error] = std::from_chars(p, end, octets[i]);
    if (error != std::errc() || next == p || octets[i] < 0 || octets[i] > 255) return false;
    p = next;
  }
  return p == end && octets[0] == 127;
}

bool is_port(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

CurveKeyPair generate_curve_key_pair() {
  std::array<char, kZ85KeyChars + 1> public_key{};
  std::array<char, kZ85KeyChars + 1> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
    throw std::runtime_error(std::string("cannot generate a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  return {public_key.data(), secret_key.data()};
}

CurveKeyPair load_curve_secret_key(const std::string& file) {
  CurveKeyPair keys;
  keys.secret_key = single_key(file);
  std::array<char, kZ85KeyChars + 1> public_key{};
  if (zmq_curve_public(public_key.data(), keys.secret_key.c_str()) != 0)
    throw std::runtime_error(file + ": cannot derive the public key: " + zmq_strerror(zmq_errno()));
  keys.public_key = public_key.data();
  return keys;
}

std::string load_curve_public_key(const std::string& file) { return single_key(file); }

std::vector<std::string> load_authorized_keys(const std::string& file) {
  std::vector<std::string> keys;
  for (const auto& [line_number, key] : key_lines(file)) keys.push_back(checked_key(file, line_number, key));
  return keys;
}

bool is_loopback_endpoint(const std::string& endpoint) {
  const std::string_view text = endpoint;
  if (text.starts_with("ipc://") || text.starts_with("inproc://")) return true;
  constexpr std::string_view kTcp = "tcp://";
  if (!text.starts_with(kTcp)) return false;
  const std::string_view address = text.substr(kTcp.size());
  std::string_view host;
  std::string_view port;
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') return false;
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  // "*" asks for any free port and is only ever bound, so it is as local as the host it is on.
  if (port != "*" && !is_port(port)) return false;
  return host == "localhost" || host == "::1" || is_ipv4_loopback(host);
}

struct CurveAuthenticator::Impl {
  zmq::context_t& context;
  std::set<std::string> authorized_client_keys;
  zmq::socket_t handler;      // owned by `thread` once it runs
  zmq::socket_t stop_sender;  // owned by the thread that owns the authenticator
  zmq::socket_t stop_receiver;  // owned by `thread`
  std::thread thread;

  Impl(zmq::context_t& ctx, std::vector<std::string> keys)
      : context(ctx),
        authorized_client_keys(keys.begin(), keys.end()),
        handler(ctx, zmq::socket_type::rep),
        stop_sender(ctx, zmq::socket_type::pair),
        stop_receiver(ctx, zmq::socket_type::pair) {
    handler.set(zmq::sockopt::linger, 0);
    try {
      handler.bind(kZapEndpoint);
    } catch (const zmq::error_t& error) {
      throw BusError(std::string("cannot bind ") + kZapEndpoint + " (is another CurveAuthenticator alive?): " +
                     error.what());
    }
    const std::string stop_endpoint = "inproc://smoops-zap-stop-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    stop_receiver.bind(stop_endpoint);
    stop_sender.connect(stop_endpoint);
    thread = std::thread([this] { run(); });
  }

  ~Impl() {
    stop_sender.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    thread.join();
  }

  void run() {
    std::array<zmq::pollitem_t, 2> items = {{{handler.handle(), 0, ZMQ_POLLIN, 0},
                                             {stop_receiver.handle(), 0, ZMQ_POLLIN, 0}}};
    while (true) {
      try {
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds{-1});
        if (items[1].revents & ZMQ_POLLIN) return;
        if (items[0].revents & ZMQ_POLLIN) answer_one();
      } catch (const zmq::error_t& error) {
        if (error.num() == ETERM) return;
        spdlog::error("bus: ZAP handler on {}: {}", kZapEndpoint, error.what());
      }
    }
  }

  // REP must answer every request it receives, malformed ones included, or it can never receive again.
  void answer_one() {
    std::vector<zmq::message_t> request;
    if (!zmq::recv_multipart(handler, std::back_inserter(request), zmq::recv_flags::dontwait)) return;
    const auto frame = [&](std::size_t index) { return index < request.size() ? request[index].to_string() : std::string(); };
    const std::string request_id = frame(1);
    const std::string address = frame(3);
    const std::string mechanism = frame(5);
    std::string status_code = "200";
    std::string status_text = "OK";
    std::string user_id;
    if (frame(0) != kZapVersion || request.size() < 6) {
      status_code = "500";
      status_text = "malformed ZAP request";
    } else if (mechanism != "CURVE" || request.size() != 7 || request[6].size() != kBinaryKeyBytes) {
      status_code = "400";
      status_text = "only CURVE clients are accepted";
      spdlog::warn("bus: refused a {} connection from {}: only CURVE clients are accepted", mechanism, address);
    } else {
      std::array<char, kZ85KeyChars + 1> client_key{};
      zmq_z85_encode(client_key.data(), request[6].data<std::uint8_t>(), kBinaryKeyBytes);
      if (authorized_client_keys.contains(client_key.data())) {
        user_id = client_key.data();
      } else {
        status_code = "400";
        status_text = "client key not authorized";
        spdlog::warn("bus: refused CURVE client {} from {}: key not in the authorized keys", client_key.data(), address);
      }
    }
    std::array<zmq::message_t, 6> reply = {zmq::message_t(std::string_view(kZapVersion)), zmq::message_t(request_id),
                                           zmq::message_t(status_code), zmq::message_t(status_text),
                                           zmq::message_t(user_id), zmq::message_t()};
    zmq::send_multipart(handler, reply);
  }
};

CurveAuthenticator::CurveAuthenticator(zmq::context_t& context, std::vector<std::string> authorized_client_keys)
    : impl_(std::make_unique<Impl>(context, std::move(authorized_client_keys))) {}

CurveAuthenticator::~CurveAuthenticator() = default;

void make_curve_server(zmq::socket_t& socket, const CurveServer& server) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, server.keys.secret_key);
  socket.set(zmq::sockopt::curve_publickey, server.keys.public_key);
  socket.set(zmq::sockopt::zap_domain, kZapDomain);
}

void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& client, const std::string& server_public_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_key);
  socket.set(zmq::sockopt::curve_publickey, client.public_key);
  socket.set(zmq::sockopt::curve_secretkey, client.secret_key);
}

}  // namespace smoops::bus
