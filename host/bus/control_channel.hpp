#pragma once
// The daemon's control endpoint: a ROUTER socket taking one-frame JSON requests
// {"command": "status" | "bots" | "start" | "stop" | "pause" | "resume" | "flatten" | "reload",
//  "bot": NAME (for the per-bot commands)} and answering one-frame JSON replies
// {"ok": true, ...} or {"ok": false, "error": "..."}. The daemon's main thread polls it.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bus/bus_error.hpp"
#include "bus/curve.hpp"

namespace zmq { class context_t; }

namespace smoops::bus {

/// Requests larger than this are refused without parsing.
inline constexpr std::size_t kMaxControlRequestBytes = 64 * 1024;

/// Handles one valid request and returns its reply (it may throw: that becomes an error reply).
using ControlHandler = std::function<nlohmann::json(const nlohmann::json& request)>;

class ControlServer {
 public:
  /// Binds (throws BusError naming the endpoint); `curve` is required off loopback.
  ControlServer(zmq::context_t& context, const std::string& endpoint, const CurveServer* curve);
  ~ControlServer();
  /// Waits up to `timeout` for requests and answers every one that arrived: malformed frames,
  /// non-JSON, oversized or unknown requests get an error reply (or are dropped when no reply is
  /// possible) and are logged; never throws for bad input.
  void serve(std::chrono::milliseconds timeout, const ControlHandler& handler);
  const std::string& endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Options of a control client.
struct ControlClientOptions {
  std::string endpoint = "tcp://127.0.0.1:7602";
  std::chrono::milliseconds timeout{3000};
  std::optional<CurveKeyPair> curve_client;
  std::string curve_server_public_key;
};

/// Sends one request and waits for its reply; throws BusError "no daemon answered at ENDPOINT
/// within N ms" when nothing comes back.
nlohmann::json control_request(zmq::context_t& context, const ControlClientOptions& options,
                               const nlohmann::json& request);

}  // namespace smoops::bus
