#include "bus/publisher.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/snapshot_protocol.hpp"
#include "bus/state_model.hpp"
#include "bus/wire_sequence.hpp"

namespace smoops::bus {
namespace {

// Frames larger than this make libzmq drop the connection before the publisher reads anything:
// well above any valid request, so that oversized ones are still answered with an error.
constexpr std::int64_t kMaxSnapshotFrameBytes = 64 * 1024;
// Room reserved in the queue and the batch it is swapped with, so that the hot path does not
// allocate once they are this large (larger capacities grow on demand).
constexpr std::size_t kQueueReserve = 65'536;

void require_curve_off_loopback(const std::string& endpoint, const CurveServer* curve) {
  if (curve == nullptr && !is_loopback_endpoint(endpoint))
    throw BusError("cannot publish on " + endpoint +
                   ": it is not a loopback endpoint, and publishing off loopback requires CURVE keys");
}

// Binds `socket` to `endpoint` and returns the endpoint actually bound (a wildcard port resolved).
std::string bind_socket(zmq::socket_t& socket, const std::string& endpoint, const CurveServer* curve) {
  if (curve != nullptr) make_curve_server(socket, *curve);
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& error) {
    throw BusError("cannot bind " + endpoint + ": " + error.what());
  }
  return socket.get(zmq::sockopt::last_endpoint);
}

// A Linux eventfd that wakes the publisher thread out of zmq::poll when work arrives; writing it
// is safe from any thread, unlike a ZeroMQ socket.
class WakeSignal {
 public:
  WakeSignal() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw BusError(std::string("cannot create the publisher's wake eventfd: ") + std::strerror(errno));
  }
  ~WakeSignal() { ::close(fd_); }
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;

  void raise() const {
    const std::uint64_t one = 1;
    // A full counter (never reached in practice) still leaves the fd readable, which is all we need.
    [[maybe_unused]] const auto written = ::write(fd_, &one, sizeof one);
  }
  void clear() const {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(fd_, &count, sizeof count);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

struct Publisher::Impl {
  PublisherOptions options;
  zmq::socket_t updates;    // PUB; owned by `thread` once it runs
  zmq::socket_t snapshots;  // ROUTER; owned by `thread` once it runs
  std::string bound_publish_endpoint;
  std::string bound_snapshot_endpoint;
  StateModel state;  // owned by `thread`
  WakeSignal wake;

  // Guards the hand-over between producers and the publisher thread.
  std::mutex queue_mutex;
  std::condition_variable flushed;
  std::vector<BusMessage> queue;
  std::uint64_t accepted = 0;        // messages ever queued
  std::uint64_t handed_to_zmq = 0;   // of those, messages the thread has sent
  bool thread_sleeping = false;      // the thread is (about to be) in poll and needs a wake
  bool stopping = false;

  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> snapshots_answered{0};
  std::atomic<std::uint64_t> bad_requests{0};

  std::thread thread;

  Impl(zmq::context_t& context, PublisherOptions opts)
      : options(std::move(opts)),
        updates(context, zmq::socket_type::xpub),
        snapshots(context, zmq::socket_type::router) {
    require_curve_off_loopback(options.publish_endpoint, options.curve);
    require_curve_off_loopback(options.snapshot_endpoint, options.curve);
    updates.set(zmq::sockopt::sndhwm, options.high_water_mark);
    updates.set(zmq::sockopt::linger, 0);
    // XPUB tells us of every subscription (verbose: repeated topics too), so that a new subscriber
    // can be greeted: the greeting proves its subscription is live before it asks for a snapshot.
    updates.set(zmq::sockopt::xpub_verbose, 1);
    snapshots.set(zmq::sockopt::linger, 0);
    snapshots.set(zmq::sockopt::maxmsgsize, kMaxSnapshotFrameBytes);
    bound_publish_endpoint = bind_socket(updates, options.publish_endpoint, options.curve);
    bound_snapshot_endpoint = bind_socket(snapshots, options.snapshot_endpoint, options.curve);
    queue.reserve(std::min(options.queue_capacity, kQueueReserve));
    thread = std::thread([this] { run(); });
  }

  ~Impl() {
    flush();
    {
      std::lock_guard lock(queue_mutex);
      stopping = true;
    }
    wake.raise();
    thread.join();
  }

  bool publish(BusMessage&& message) {
    bool must_wake = false;
    {
      std::lock_guard lock(queue_mutex);
      if (queue.size() >= options.queue_capacity) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      queue.push_back(std::move(message));
      ++accepted;
      must_wake = std::exchange(thread_sleeping, false);
    }
    if (must_wake) wake.raise();
    return true;
  }

  std::size_t publish_all(std::vector<BusMessage>& messages) {
    std::size_t queued = 0;
    bool must_wake = false;
    {
      std::lock_guard lock(queue_mutex);
      for (BusMessage& message : messages) {
        if (queue.size() >= options.queue_capacity) {
          dropped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        queue.push_back(std::move(message));
        ++accepted;
        ++queued;
      }
      if (queued) must_wake = std::exchange(thread_sleeping, false);
    }
    messages.clear();
    if (must_wake) wake.raise();
    return queued;
  }

  void flush() {
    std::unique_lock lock(queue_mutex);
    const std::uint64_t target = accepted;
    flushed.wait(lock, [&] { return handed_to_zmq >= target; });
  }

  void run() {
    std::vector<BusMessage> batch;
    batch.reserve(queue.capacity());
    std::array<zmq::pollitem_t, 3> items = {{{snapshots.handle(), 0, ZMQ_POLLIN, 0},
                                             {nullptr, wake.fd(), ZMQ_POLLIN, 0},
                                             {updates.handle(), 0, ZMQ_POLLIN, 0}}};
    while (true) {
      bool stop = false;
      {
        std::lock_guard lock(queue_mutex);
        batch.swap(queue);
        stop = stopping;
        // Decided under the lock, so that a producer that queues after this sees it and wakes us.
        thread_sleeping = batch.empty();
      }
      if (!batch.empty()) {
        for (const BusMessage& message : batch) send_update(message);
        {
          std::lock_guard lock(queue_mutex);
          handed_to_zmq += batch.size();
        }
        flushed.notify_all();
        batch.clear();
        // Between batches too, so that a steady stream of updates cannot starve snapshot requests.
        serve_snapshot_requests();
        greet_new_subscribers();
        continue;
      }
      if (stop) return;
      try {
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds{-1});
        if (items[1].revents & ZMQ_POLLIN) wake.clear();
        if (items[0].revents & ZMQ_POLLIN) serve_snapshot_requests();
        if (items[2].revents & ZMQ_POLLIN) greet_new_subscribers();
      } catch (const zmq::error_t& error) {
        spdlog::error("bus: publisher on {}: {}", bound_publish_endpoint, error.what());
      }
    }
  }

  // Each subscription arrives as one frame: 0x01 then the topic prefix (0x00 to unsubscribe).
  void greet_new_subscribers() {
    zmq::message_t frame;
    while (updates.recv(frame, zmq::recv_flags::dontwait)) {
      const std::string_view data = frame.to_string_view();
      if (data.empty() || data[0] != '\x01') continue;
      nlohmann::json hello{{"subscription", std::string(data.substr(1))}};
      send_update(BusMessage{std::string(kHelloTopic), hello.dump(), StateEffect::None, {}});
    }
  }

  void send_update(const BusMessage& message) {
    const std::uint64_t sequence = published.load(std::memory_order_relaxed) + 1;
    state.apply(message);
    const auto sequence_frame = encode_sequence(sequence);
    try {
      // PUB never blocks: a subscriber past its high-water mark loses the message and sees a gap.
      updates.send(zmq::buffer(message.topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      updates.send(zmq::buffer(sequence_frame), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      updates.send(zmq::buffer(message.payload), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& error) {
      spdlog::error("bus: cannot publish {} #{} on {}: {}", message.topic, sequence, bound_publish_endpoint,
                    error.what());
    }
    published.store(sequence, std::memory_order_release);
  }

  void serve_snapshot_requests() {
    try {
      serve_queued_snapshot_requests();
    } catch (const zmq::error_t& error) {
      spdlog::error("bus: snapshot endpoint {}: {}", bound_snapshot_endpoint, error.what());
    }
  }

  void serve_queued_snapshot_requests() {
    std::vector<zmq::message_t> request;
    while (true) {
      request.clear();
      if (!zmq::recv_multipart(snapshots, std::back_inserter(request), zmq::recv_flags::dontwait)) return;
      // ROUTER puts the peer's identity first; a valid request is that and one "snapshot" frame.
      const std::string problem = request_problem(request);
      if (problem.empty()) {
        // Taken between two updates by the thread that sends them, so it is exactly the state at `sequence`.
        const std::string reply = R"({"sequence":)" + std::to_string(published.load(std::memory_order_relaxed)) +
                                  R"(,"state":)" + state.to_json() + "}";
        send_reply(request.front(), reply);
        snapshots_answered.fetch_add(1, std::memory_order_relaxed);
      } else {
        bad_requests.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("bus: bad snapshot request on {}: {}", bound_snapshot_endpoint, problem);
        if (!request.empty()) send_reply(request.front(), nlohmann::json{{"error", problem}}.dump());
      }
    }
  }

  static std::string request_problem(const std::vector<zmq::message_t>& request) {
    for (const auto& frame : request)
      if (frame.size() > kMaxSnapshotRequestBytes)
        return "a frame of " + std::to_string(frame.size()) + " bytes (at most " +
               std::to_string(kMaxSnapshotRequestBytes) + " allowed)";
    if (request.size() != 2)
      return "expected one frame \"snapshot\", got " + std::to_string(request.size() - 1) + " frames";
    if (request[1].to_string_view() != kSnapshotRequest) return "expected one frame \"snapshot\"";
    return {};
  }

  void send_reply(const zmq::message_t& identity, const std::string& body) {
    try {
      // ROUTER drops replies to peers that left or are not reading; it never blocks.
      snapshots.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      snapshots.send(zmq::buffer(body), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& error) {
      spdlog::warn("bus: cannot answer a snapshot request on {}: {}", bound_snapshot_endpoint, error.what());
    }
  }
};

Publisher::Publisher(zmq::context_t& context, PublisherOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

Publisher::~Publisher() = default;

bool Publisher::publish(BusMessage message) { return impl_->publish(std::move(message)); }

std::size_t Publisher::publish_all(std::vector<BusMessage>& messages) { return impl_->publish_all(messages); }

void Publisher::flush() { impl_->flush(); }

PublisherStats Publisher::stats() const {
  return {impl_->published.load(), impl_->dropped.load(), impl_->snapshots_answered.load(),
          impl_->bad_requests.load()};
}

const std::string& Publisher::publish_endpoint() const { return impl_->bound_publish_endpoint; }
const std::string& Publisher::snapshot_endpoint() const { return impl_->bound_snapshot_endpoint; }

}  // namespace smoops::bus
