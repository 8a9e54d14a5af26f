#include "bus/control_channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <variant>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace smoops::bus {
namespace {

/// Messages handled per serve() call, so a flood cannot keep the daemon's main thread forever.
constexpr int kMaxRequestsPerServe = 1000;
/// Larger messages make ZeroMQ drop the connection before we ever see them; between this and
/// kMaxControlRequestBytes the sender still gets an explanation.
constexpr std::int64_t kMaxControlMessageBytes = 16 * static_cast<std::int64_t>(kMaxControlRequestBytes);

constexpr std::array<std::string_view, 8> kCommands = {"status", "bots",   "start", "stop",
                                                       "pause",  "resume", "flatten", "reload"};
constexpr std::array<std::string_view, 5> kBotCommands = {"start", "stop", "pause", "resume", "flatten"};

bool contains(const auto& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string known_commands() {
  std::string text;
  for (const auto name : kCommands) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

nlohmann::json error_reply(const std::string& error) { return {{"ok", false}, {"error", error}}; }

/// The JSON text of a reply; strings that are not UTF-8 are repaired rather than thrown about.
std::string dump(const nlohmann::json& reply) {
  return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Parses and checks one request; an error text when it cannot be handled.
std::variant<nlohmann::json, std::string> validate_request(std::string_view payload) {
  if (payload.size() > kMaxControlRequestBytes)
    return "request too large (" + std::to_string(payload.size()) + " bytes, limit " +
           std::to_string(kMaxControlRequestBytes) + ")";
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(payload);
  } catch (const nlohmann::json::parse_error& e) {
    return std::string("request is not JSON: ") + e.what();
  }
  if (!request.is_object()) return std::string("request must be a JSON object, got ") + request.type_name();
  const auto command = request.find("command");
  if (command == request.end() || !command->is_string()) return std::string("request has no string \"command\"");
  const auto& name = command->get_ref<const std::string&>();
  if (!contains(kCommands, name)) return "unknown command '" + name + "' (known: " + known_commands() + ")";
  if (contains(kBotCommands, name)) {
    const auto bot = request.find("bot");
    if (bot == request.end() || !bot->is_string() || bot->get_ref<const std::string&>().empty())
      return "command '" + name + "' needs a string \"bot\"";
  }
  return request;
}

}  // namespace

struct ControlServer::Impl {
  zmq::socket_t socket;
  std::string endpoint;

  /// The reply to one payload; never throws.
  nlohmann::json answer(std::string_view payload, const ControlHandler& handler) const {
    auto validated = validate_request(payload);
    if (auto* error = std::get_if<std::string>(&validated)) return reject(*error);
    const auto& request = std::get<nlohmann::json>(validated);
    try {
      return handler(request);
    } catch (const std::exception& e) {
      return reject("command '" + request["command"].get<std::string>() + "' failed: " + e.what());
    } catch (...) {
      return reject("command '" + request["command"].get<std::string>() + "' failed");
    }
  }

  nlohmann::json reject(const std::string& error) const {
    spdlog::warn("control {}: rejected request: {}", endpoint, error);
    return error_reply(error);
  }

  /// Answers one message: [identity][payload] from a DEALER, [identity][][payload] from a REQ.
  /// Another shape gets an error in the DEALER shape (a REQ client could not read it anyway).
  void handle(zmq::multipart_t& message, const ControlHandler& handler) {
    if (message.size() < 2) {
      spdlog::warn("control {}: dropped a message of {} frame(s): no reply possible", endpoint, message.size());
      return;
    }
    const bool from_req = message.size() == 3 && message[1].empty();
    const bool well_formed = message.size() == 2 || from_req;
    const nlohmann::json reply =
        well_formed ? answer(message.back().to_string_view(), handler)
                    : reject("malformed request: expected one frame, got " + std::to_string(message.size() - 1));
    zmq::multipart_t out;
    out.add(message.pop());  // the identity
    if (from_req) out.addstr("");
    out.addstr(dump(reply));
    try {
      // A peer that went away or stopped reading loses its reply; the daemon never waits for it.
      out.send(socket, static_cast<int>(zmq::send_flags::dontwait));
    } catch (const zmq::error_t& e) {
      spdlog::warn("control {}: cannot send a reply: {}", endpoint, e.what());
    }
  }
};

ControlServer::ControlServer(zmq::context_t& context, const std::string& endpoint, const CurveServer* curve)
    : impl_(std::make_unique<Impl>()) {
  if (!curve && !is_loopback_endpoint(endpoint))
    throw BusError("control endpoint " + endpoint + " is not on loopback: it needs bus.curve keys");
  try {
    impl_->socket = zmq::socket_t(context, zmq::socket_type::router);
    impl_->socket.set(zmq::sockopt::linger, 0);
    impl_->socket.set(zmq::sockopt::maxmsgsize, kMaxControlMessageBytes);
    if (curve) make_curve_server(impl_->socket, *curve);
    impl_->socket.bind(endpoint);
    impl_->endpoint = impl_->socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    throw BusError("cannot bind control endpoint " + endpoint + ": " + e.what());
  }
}

ControlServer::~ControlServer() = default;

void ControlServer::serve(std::chrono::milliseconds timeout, const ControlHandler& handler) {
  zmq::pollitem_t item{impl_->socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return;
  for (int handled = 0; handled < kMaxRequestsPerServe; ++handled) {
    zmq::multipart_t message;
    if (!message.recv(impl_->socket, static_cast<int>(zmq::recv_flags::dontwait))) return;
    impl_->handle(message, handler);
  }
}

const std::string& ControlServer::endpoint() const { return impl_->endpoint; }

nlohmann::json control_request(zmq::context_t& context, const ControlClientOptions& options,
                               const nlohmann::json& request) {
  zmq::socket_t socket;
  try {
    socket = zmq::socket_t(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    if (options.curve_client) make_curve_client(socket, *options.curve_client, options.curve_server_public_key);
    socket.connect(options.endpoint);
    socket.send(zmq::buffer(dump(request)), zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    throw BusError("cannot send to the daemon at " + options.endpoint + ": " + e.what());
  }
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, options.timeout) == 0)
    throw BusError("no daemon answered at " + options.endpoint + " within " + std::to_string(options.timeout.count()) +
                   " ms");
  zmq::multipart_t reply(socket);
  try {
    return nlohmann::json::parse(reply.empty() ? std::string_view{} : reply.back().to_string_view());
  } catch (const nlohmann::json::parse_error& e) {
    throw BusError("the daemon at " + options.endpoint + " sent a reply that is not JSON: " + e.what());
  }
}

}  // namespace smoops::bus
