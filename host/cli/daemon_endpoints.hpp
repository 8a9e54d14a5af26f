#pragma once
// Where a control command finds the daemon: its endpoints (from --daemon-config, overridden by
// --control/--publish/--snapshot, else the defaults), the CURVE client keys and the reply timeout.

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "bus/clone_subscriber.hpp"
#include "bus/control_channel.hpp"
#include "cli/arguments.hpp"

namespace smoops::cli {

/// How to reach one daemon.
struct DaemonEndpoints {
  std::string control = "tcp://127.0.0.1:7602";
  std::string publish = "tcp://127.0.0.1:7600";
  std::string snapshot = "tcp://127.0.0.1:7601";
  std::chrono::milliseconds timeout{3000};
  std::optional<bus::CurveKeyPair> curve_client;  ///< from --client-key
  std::string curve_server_public_key;            ///< from --server-key
};

/// The valued options daemon_endpoints() reads: daemon-config, control, publish, snapshot,
/// server-key, client-key, timeout-ms.
const std::set<std::string>& daemon_endpoint_options();

/// Reads the options; throws UsageError for a bad value or only one of the two key options,
/// ConfigError for a daemon config or key file that cannot be read.
DaemonEndpoints daemon_endpoints(const Arguments& args);

/// A client's view of a bind endpoint: "tcp://*:7602" and "tcp://0.0.0.0:7602" become
/// "tcp://127.0.0.1:7602"; anything else is returned as it is.
std::string connectable_endpoint(const std::string& bind_endpoint);

bus::ControlClientOptions control_client_options(const DaemonEndpoints& endpoints);
bus::SubscriberOptions subscriber_options(const DaemonEndpoints& endpoints, std::string topic_prefix);

}  // namespace smoops::cli
