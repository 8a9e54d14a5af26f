#include "bus/clone_subscriber.hpp"

#include <array>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/snapshot_protocol.hpp"
#include "bus/wire_sequence.hpp"

namespace smoops::bus {
namespace {

void connect_socket(zmq::socket_t& socket, const std::string& endpoint) {
  try {
    socket.connect(endpoint);
  } catch (const zmq::error_t& error) {
    throw BusError("cannot connect to " + endpoint + ": " + error.what());
  }
}

}  // namespace

struct CloneSubscriber::Impl {
  SubscriberOptions options;
  zmq::socket_t updates;    // SUB
  zmq::socket_t snapshots;  // DEALER
  StateModel state;
  std::uint64_t sequence = 0;
  std::uint64_t resyncs = 0;
  std::uint64_t malformed = 0;
  bool connected = false;
  std::vector<zmq::message_t> frames;

  Impl(zmq::context_t& context, SubscriberOptions opts)
      : options(std::move(opts)), updates(context, zmq::socket_type::sub), snapshots(context, zmq::socket_type::dealer) {
    updates.set(zmq::sockopt::rcvhwm, options.receive_high_water_mark);
    updates.set(zmq::sockopt::linger, 0);
    snapshots.set(zmq::sockopt::linger, 0);
    if (options.curve_client) {
      make_curve_client(updates, *options.curve_client, options.curve_server_public_key);
      make_curve_client(snapshots, *options.curve_client, options.curve_server_public_key);
    }
  }

  void connect() {
    if (!connected) {
      // Subscribed before the snapshot is asked for, so that no update between the two is lost:
      // ZeroMQ queues them while we wait, and those the snapshot already holds are dropped by sequence.
      updates.set(zmq::sockopt::subscribe, options.topic_prefix);
      if (!options.topic_prefix.empty()) updates.set(zmq::sockopt::subscribe, std::string(kHelloTopic));
      connect_socket(updates, options.publish_endpoint);
      connect_socket(snapshots, options.snapshot_endpoint);
      connected = true;
      // The publisher greets every subscription; once anything arrives our subscription is live,
      // so every update after the snapshot reaches us (before that, ZeroMQ may drop them).
      std::array<zmq::pollitem_t, 1> items = {{{updates.handle(), 0, ZMQ_POLLIN, 0}}};
      zmq::poll(items.data(), items.size(), options.snapshot_timeout);
    }
    load_snapshot();
  }

  void load_snapshot() {
    discard_stale_replies();
    snapshots.send(zmq::buffer(kSnapshotRequest), zmq::send_flags::dontwait);
    std::array<zmq::pollitem_t, 1> items = {{{snapshots.handle(), 0, ZMQ_POLLIN, 0}}};
    if (zmq::poll(items.data(), items.size(), options.snapshot_timeout) == 0)
      throw BusError("no snapshot from " + options.snapshot_endpoint + " within " +
                     std::to_string(options.snapshot_timeout.count()) + " ms");
    frames.clear();
    (void)zmq::recv_multipart(snapshots, std::back_inserter(frames), zmq::recv_flags::dontwait);
    if (frames.size() != 1) throw BusError("malformed snapshot from " + options.snapshot_endpoint);
    const auto reply = nlohmann::json::parse(frames.front().to_string_view(), nullptr, /*allow_exceptions=*/false);
    if (!reply.is_object()) throw BusError("snapshot from " + options.snapshot_endpoint + " is not a JSON object");
    if (const auto error = reply.find("error"); error != reply.end())
      throw BusError("snapshot refused by " + options.snapshot_endpoint + ": " + error->dump());
    const auto reply_sequence = reply.find("sequence");
    const auto reply_state = reply.find("state");
    if (reply_sequence == reply.end() || !reply_sequence->is_number_unsigned() || reply_state == reply.end())
      throw BusError("snapshot from " + options.snapshot_endpoint + " lacks \"sequence\" or \"state\"");
    try {
      state.load_json(reply_state->dump());
    } catch (const std::invalid_argument& error) {
      throw BusError("snapshot from " + options.snapshot_endpoint + ": " + error.what());
    }
    sequence = reply_sequence->get<std::uint64_t>();
  }

  // A reply to a request that timed out earlier would otherwise be taken for the answer to the next one.
  void discard_stale_replies() {
    while (true) {
      frames.clear();
      if (!zmq::recv_multipart(snapshots, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
    }
  }

  std::optional<ReceivedMessage> next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<zmq::pollitem_t, 1> items = {{{updates.handle(), 0, ZMQ_POLLIN, 0}}};
    while (true) {
      frames.clear();
      if (!zmq::recv_multipart(updates, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        zmq::poll(items.data(), items.size(), left);
        continue;
      }
      if (auto received = take_update()) return received;
    }
  }

  // Applies the update in `frames`, or returns nullopt for one that is stale, malformed or ends in a resync.
  std::optional<ReceivedMessage> take_update() {
    const auto received_sequence = frames.size() == 3 ? decode_sequence(frames[1].to_string_view()) : std::nullopt;
    if (!received_sequence) {
      ++malformed;
      spdlog::warn("bus: skipped a malformed update from {} ({} frames)", options.publish_endpoint, frames.size());
      return std::nullopt;
    }
    if (*received_sequence <= sequence) return std::nullopt;  // already in the snapshot
    // With a topic filter the sequence skips the filtered topics by design, so only an unfiltered
    // subscriber can tell a lost message from one it did not ask for.
    if (options.topic_prefix.empty() && *received_sequence != sequence + 1) {
      spdlog::info("bus: gap after #{} (got #{}) from {}; re-snapshotting", sequence, *received_sequence,
                   options.publish_endpoint);
      ++resyncs;
      load_snapshot();
      return std::nullopt;  // the snapshot was taken after this update was sent, so it holds it
    }
    ReceivedMessage message{frames[0].to_string(), *received_sequence, frames[2].to_string()};
    sequence = message.sequence;
    if (message.topic == kHelloTopic) return std::nullopt;  // bus housekeeping, not an event
    try {
      state.apply_received(message.topic, message.payload);
    } catch (const std::invalid_argument& error) {
      ++malformed;
      spdlog::warn("bus: skipped update #{} from {}: {}", message.sequence, options.publish_endpoint, error.what());
      return std::nullopt;
    }
    return message;
  }
};

CloneSubscriber::CloneSubscriber(zmq::context_t& context, SubscriberOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

CloneSubscriber::~CloneSubscriber() = default;

void CloneSubscriber::connect() { impl_->connect(); }

std::optional<ReceivedMessage> CloneSubscriber::next(std::chrono::milliseconds timeout) { return impl_->next(timeout); }

const StateModel& CloneSubscriber::state() const { return impl_->state; }
std::uint64_t CloneSubscriber::sequence() const { return impl_->sequence; }
std::uint64_t CloneSubscriber::resyncs() const { return impl_->resyncs; }

}  // namespace smoops::bus
