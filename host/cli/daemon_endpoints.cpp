#include "cli/daemon_endpoints.hpp"

#include "config/daemon_config.hpp"

namespace smoops::cli {
namespace {

/// Loads a key file named by an option; an unreadable file is a configuration error (exit 3).
template <typename Load>
auto load_key(const std::string& option, const std::string& file, Load load) {
  try {
    return load(file);
  } catch (const std::runtime_error& e) {
    throw config::ConfigError("--" + option, e.what());
  }
}

}  // namespace

const std::set<std::string>& daemon_endpoint_options() {
  static const std::set<std::string> options = {"daemon-config", "control",    "publish",   "snapshot",
                                                "server-key",    "client-key", "timeout-ms"};
  return options;
}

std::string connectable_endpoint(const std::string& bind_endpoint) {
  for (const std::string wildcard : {"tcp://*:", "tcp://0.0.0.0:"}) {
    if (bind_endpoint.rfind(wildcard, 0) == 0) return "tcp://127.0.0.1:" + bind_endpoint.substr(wildcard.size());
  }
  return bind_endpoint;
}

DaemonEndpoints daemon_endpoints(const Arguments& args) {
  DaemonEndpoints endpoints;
  if (const auto file = args.value("daemon-config")) {
    const config::BusConfig bus = config::load_daemon_config(*file).bus;
    endpoints.control = connectable_endpoint(bus.control);
    endpoints.publish = connectable_endpoint(bus.publish);
    endpoints.snapshot = connectable_endpoint(bus.snapshot);
  }
  endpoints.control = args.value("control").value_or(endpoints.control);
  endpoints.publish = args.value("publish").value_or(endpoints.publish);
  endpoints.snapshot = args.value("snapshot").value_or(endpoints.snapshot);
  endpoints.timeout = std::chrono::milliseconds(args.integer("timeout-ms", 3000, 1, 3'600'000));

  const auto server_key = args.value("server-key");
  const auto client_key = args.value("client-key");
  if (server_key.has_value() != client_key.has_value())
    throw UsageError("--server-key and --client-key go together: give both or neither");
  if (server_key) {
    endpoints.curve_server_public_key = load_key("server-key", *server_key, bus::load_curve_public_key);
    endpoints.curve_client = load_key("client-key", *client_key, bus::load_curve_secret_key);
  }
  return endpoints;
}

bus::ControlClientOptions control_client_options(const DaemonEndpoints& endpoints) {
  bus::ControlClientOptions options;
  options.endpoint = endpoints.control;
  options.timeout = endpoints.timeout;
  options.curve_client = endpoints.curve_client;
  options.curve_server_public_key = endpoints.curve_server_public_key;
  return options;
}

bus::SubscriberOptions subscriber_options(const DaemonEndpoints& endpoints, std::string topic_prefix) {
  bus::SubscriberOptions options;
  options.publish_endpoint = endpoints.publish;
  options.snapshot_endpoint = endpoints.snapshot;
  options.topic_prefix = std::move(topic_prefix);
  options.snapshot_timeout = endpoints.timeout;
  options.curve_client = endpoints.curve_client;
  options.curve_server_public_key = endpoints.curve_server_public_key;
  return options;
}

}  // namespace smoops::cli
