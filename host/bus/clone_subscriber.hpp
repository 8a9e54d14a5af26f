#pragma once
// A client of the publisher that follows the daemon's state the ZeroMQ-guide "clone" way:
// subscribe to updates first, then ask for a snapshot (state + the sequence it is valid at),
// drop queued updates at or below that sequence, and apply the rest in order. A gap in the
// sequence (a message the socket dropped) triggers a new snapshot. Used by `smoops watch`, tests
// and benchmarks.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bus/bus_error.hpp"
#include "bus/curve.hpp"
#include "bus/state_model.hpp"

namespace zmq { class context_t; }

namespace smoops::bus {

/// One update as received.
struct ReceivedMessage {
  std::string topic;
  std::uint64_t sequence = 0;
  std::string payload;
};

/// Options of a subscriber.
struct SubscriberOptions {
  std::string publish_endpoint = "tcp://127.0.0.1:7600";
  std::string snapshot_endpoint = "tcp://127.0.0.1:7601";
  std::string topic_prefix;  ///< "" for everything; updates only (the snapshot is always whole)
  std::chrono::milliseconds snapshot_timeout{2000};
  /// Updates ZeroMQ may hold for us while we wait for a snapshot or the caller is busy; past this
  /// the publisher's side drops them and we re-snapshot.
  int receive_high_water_mark = 1'000'000;
  /// CURVE client keys and the server's public key, for a daemon off loopback.
  std::optional<CurveKeyPair> curve_client;
  std::string curve_server_public_key;
};

class CloneSubscriber {
 public:
  explicit CloneSubscriber(zmq::context_t& context, SubscriberOptions options);
  ~CloneSubscriber();

  /// Subscribes and loads a snapshot; throws BusError when no snapshot arrives in time (names the endpoint).
  void connect();
  /// The next update applied to the state, or nullopt after `timeout` with nothing new. Handles
  /// gaps by re-snapshotting (counted in resyncs()).
  std::optional<ReceivedMessage> next(std::chrono::milliseconds timeout);

  const StateModel& state() const;
  /// The sequence of the last message applied (or of the snapshot).
  std::uint64_t sequence() const;
  std::uint64_t resyncs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smoops::bus
