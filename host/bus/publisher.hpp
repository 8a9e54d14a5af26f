#pragma once
// The daemon's ZeroMQ publisher: a PUB socket for updates and a ROUTER socket that answers
// snapshot requests, both owned by one thread. Bots hand it messages through a bounded queue;
// publish() never blocks: when the queue is full the message is dropped and counted (the count is
// published in daemon.status). ZeroMQ itself drops messages for a subscriber that is more than
// the high-water mark behind; subscribers see that as a gap in the sequence and re-snapshot.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus_error.hpp"
#include "bus/bus_message.hpp"
#include "bus/curve.hpp"

namespace zmq { class context_t; }

namespace smoops::bus {

/// Where and how to publish.
struct PublisherOptions {
  std::string publish_endpoint = "tcp://127.0.0.1:7600";
  std::string snapshot_endpoint = "tcp://127.0.0.1:7601";
  int high_water_mark = 100'000;        ///< per subscriber, in messages
  std::size_t queue_capacity = 65'536;  ///< messages waiting for the publisher thread
  const CurveServer* curve = nullptr;   ///< required for endpoints off loopback
};

/// Counters, readable from any thread.
struct PublisherStats {
  std::uint64_t published = 0;  ///< messages sent (= the last sequence number)
  std::uint64_t dropped = 0;    ///< messages refused because the queue was full
  std::uint64_t snapshots = 0;  ///< snapshot requests answered
  std::uint64_t bad_requests = 0; ///< malformed snapshot requests ignored
};

class Publisher {
 public:
  /// Binds both sockets (throws BusError naming the endpoint) and starts the thread.
  Publisher(zmq::context_t& context, PublisherOptions options);
  /// Publishes what is queued, then closes the sockets.
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  /// Queues a message; never blocks. False when the queue is full (the message is counted as dropped).
  bool publish(BusMessage message);
  /// Queues messages in order under one lock with at most one wake-up of the publisher thread
  /// (what a bot produces for one event); returns how many were queued, counts the rest as
  /// dropped, and empties `messages`.
  std::size_t publish_all(std::vector<BusMessage>& messages);
  /// Waits until everything queued before this call has been sent (for shutdown and tests).
  void flush();
  PublisherStats stats() const;
  /// The endpoints actually bound (a "tcp://127.0.0.1:*" port resolved), for tests and logs.
  const std::string& publish_endpoint() const;
  const std::string& snapshot_endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace smoops::bus
