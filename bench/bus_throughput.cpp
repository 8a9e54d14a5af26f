// Throughput of the daemon's ZeroMQ publisher (host/bus/publisher.hpp), in process: N equity-like
// messages (~200-byte JSON) published by 1 or 4 producer threads through bus::Publisher to 1 or
// 10 SUB sockets (threads of this process), over tcp://127.0.0.1 and ipc://. Reports messages/s
// published (first publish → flush()), messages/s delivered to each subscriber, the publisher's
// dropped count (its queue was full) and the gaps subscribers saw (ZeroMQ high-water mark).
//
// Two producer policies:
//   retry   a refused publish() is retried (after a yield): the publisher's sustainable rate,
//           nothing is lost in the queue;
//   drop    a refused publish() is not retried, as a bot does (BusObserver): shows what the
//           default queue_capacity loses when producers outrun the publisher thread.
// Publisher options are the daemon's defaults (queue_capacity 65,536, SNDHWM 100,000) unless
// --queue / --hwm say otherwise; subscribers use the RCVHWM of CloneSubscriber (1,000,000).
//
//   smoops_bench_bus [--messages N] [--out FILE] [--queue N] [--hwm N]
//                    [--transport tcp|ipc] [--producers N] [--subscribers N] [--policy retry|drop]
// (the last four pick one scenario of the matrix; by default every one runs)

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/bus_message.hpp"
#include "bus/publisher.hpp"
#include "bus/wire_sequence.hpp"

namespace {

using namespace smoops;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kSubscriberReceiveHwm = 1'000'000;  // as CloneSubscriber (smoops watch)
constexpr std::string_view kWarmupTopic = "bench.warmup";

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// An equity message as BusObserver::publish_equity writes it, for bot `name`.
std::string equity_payload(const std::string& name, std::uint64_t bars) {
  nlohmann::ordered_json j;
  j["bot"] = name;
  j["ts"] = 1732537200000;
  j["equity"] = "100234.56780000";
  j["cash"] = "35012.12000000";
  j["position"] = "1.25000000";
  j["close"] = "52176.45000000";
  j["bars"] = bars;
  j["mode"] = "paper";
  j["note"] = "sampled equity at bar close";
  return j.dump();
}

struct SubscriberResult {
  std::uint64_t received = 0;     // measured messages (warm-up excluded)
  std::uint64_t gaps = 0;         // times the sequence jumped
  std::uint64_t missing = 0;      // messages skipped by those jumps
  std::uint64_t out_of_order = 0; // a sequence at or below the previous one (must stay 0)
  Clock::time_point first_receive{};
  Clock::time_point last_receive{};
};

// One SUB socket on its own thread: counts messages and checks the sequence order.
class BenchSubscriber {
 public:
  BenchSubscriber(zmq::context_t& context, const std::string& endpoint) : socket_(context, zmq::socket_type::sub) {
    socket_.set(zmq::sockopt::rcvhwm, kSubscriberReceiveHwm);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvtimeo, 100);
    socket_.set(zmq::sockopt::subscribe, "");
    socket_.connect(endpoint);
    thread_ = std::thread([this] { run(); });
  }
  ~BenchSubscriber() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  bool warmed_up() const { return warmed_up_.load(std::memory_order_acquire); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  /// The sequence after which the thread stops (0: not known yet).
  void finish_at(std::uint64_t last) { last_.store(last, std::memory_order_release); }
  void give_up() { give_up_.store(true, std::memory_order_release); }
  const SubscriberResult& result() const { return result_; }

 private:
  void run() {
    receive();
    done_.store(true, std::memory_order_release);
  }

  void receive() {
    std::vector<zmq::message_t> frames;
    std::uint64_t previous = 0;
    while (true) {
      frames.clear();
      const auto got = zmq::recv_multipart(socket_, std::back_inserter(frames));
      if (!got) {  // timed out
        if (give_up_.load(std::memory_order_acquire)) return;
        continue;
      }
      const auto now = Clock::now();
      const auto sequence = frames.size() == 3 ? bus::decode_sequence(frames[1].to_string_view()) : std::nullopt;
      if (!sequence) continue;
      if (previous != 0) {
        if (*sequence <= previous) {
          ++result_.out_of_order;
        } else if (*sequence != previous + 1) {
          ++result_.gaps;
          result_.missing += *sequence - previous - 1;
        }
      }
      previous = *sequence;
      if (frames[0].to_string_view() == kWarmupTopic) {
        warmed_up_.store(true, std::memory_order_release);
        continue;
      }
      if (result_.received++ == 0) result_.first_receive = now;
      result_.last_receive = now;
      const std::uint64_t last = last_.load(std::memory_order_acquire);
      if (last != 0 && *sequence >= last) return;
    }
  }

  zmq::socket_t socket_;
  std::atomic<bool> warmed_up_{false};
  std::atomic<std::uint64_t> last_{0};
  std::atomic<bool> give_up_{false};
  std::atomic<bool> done_{false};
  SubscriberResult result_;
  std::thread thread_;
};

struct Scenario {
  std::string transport;  // "tcp" or "ipc"
  int producers = 1;
  int subscribers = 1;
  bool retry = true;
};

nlohmann::ordered_json run_scenario(const Scenario& scenario, std::uint64_t messages, std::size_t queue_capacity,
                                    int hwm, const std::filesystem::path& work) {
  // The publisher's context is the daemon's (one I/O thread); the subscribers get their own, as
  // clients in other processes would, so that the publisher's I/O thread does not also decode
  // what they receive.
  zmq::context_t context(1);
  zmq::context_t subscriber_context(1);
  bus::PublisherOptions options;
  options.queue_capacity = queue_capacity;
  options.high_water_mark = hwm;
  if (scenario.transport == "tcp") {
    options.publish_endpoint = "tcp://127.0.0.1:*";
    options.snapshot_endpoint = "tcp://127.0.0.1:*";
  } else {
    options.publish_endpoint = "ipc://" + (work / "updates").string();
    options.snapshot_endpoint = "ipc://" + (work / "snapshots").string();
  }
  bus::Publisher publisher(context, options);

  std::vector<std::unique_ptr<BenchSubscriber>> subscribers;
  for (int i = 0; i < scenario.subscribers; ++i)
    subscribers.push_back(std::make_unique<BenchSubscriber>(subscriber_context, publisher.publish_endpoint()));
  // Slow joiners: publish warm-up messages until every subscriber has seen one.
  const auto warmup_deadline = Clock::now() + 10s;
  for (bool all = subscribers.empty(); !all;) {
    publisher.publish(bus::BusMessage{std::string(kWarmupTopic), "{}", bus::StateEffect::None, {}});
    std::this_thread::sleep_for(2ms);
    all = true;
    for (const auto& subscriber : subscribers) all = all && subscriber->warmed_up();
    if (Clock::now() > warmup_deadline) throw std::runtime_error("subscribers did not connect within 10 s");
  }
  publisher.flush();
  std::this_thread::sleep_for(50ms);  // the last warm-up messages reach every subscriber
  const bus::PublisherStats before = publisher.stats();

  // Each producer is one bot publishing its equity, as BusObserver does (topic, payload, Set effect).
  std::vector<std::string> names;
  for (int p = 0; p < scenario.producers; ++p) names.push_back("btc-usdt-sma-paper-" + std::to_string(p));
  const std::string payload = equity_payload(names[0], 123456);
  std::atomic<std::uint64_t> refused{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  for (int p = 0; p < scenario.producers; ++p) {
    const std::uint64_t share = messages / scenario.producers + (p < static_cast<int>(messages % scenario.producers) ? 1 : 0);
    producers.emplace_back([&, p, share] {
      const std::string topic = "bot." + names[p] + ".equity";
      const std::string body = equity_payload(names[p], 123456);
      std::uint64_t my_refused = 0;
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {}
      for (std::uint64_t sent = 0; sent < share;) {
        if (publisher.publish(bus::BusMessage{topic, body, bus::StateEffect::Set, topic})) {
          ++sent;
        } else {
          ++my_refused;
          if (scenario.retry) {
            std::this_thread::yield();
          } else {
            ++sent;  // a bot does not retry: the message is lost and counted
          }
        }
      }
      refused.fetch_add(my_refused);
    });
  }
  while (ready.load() < scenario.producers) std::this_thread::yield();
  const double cpu_before = cpu_seconds();
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& producer : producers) producer.join();
  const auto produced = Clock::now();
  publisher.flush();
  const auto flushed = Clock::now();
  const bus::PublisherStats after = publisher.stats();
  const std::uint64_t published = after.published - before.published;
  const std::uint64_t last_sequence = after.published;
  for (auto& subscriber : subscribers) subscriber->finish_at(last_sequence);
  // Subscribers that lost the tail never see last_sequence: give them up to 2 s after the flush.
  const auto give_up_at = Clock::now() + 2s;
  for (auto& subscriber : subscribers)
    while (Clock::now() < give_up_at && !subscriber->done()) std::this_thread::sleep_for(1ms);
  for (auto& subscriber : subscribers) subscriber->give_up();
  for (auto& subscriber : subscribers) subscriber->join();
  const double cpu_s = cpu_seconds() - cpu_before;

  const double publish_s = std::chrono::duration<double>(flushed - start).count();
  nlohmann::ordered_json result;
  result["transport"] = scenario.transport;
  result["endpoint"] = publisher.publish_endpoint();
  result["producers"] = scenario.producers;
  result["subscribers"] = scenario.subscribers;
  result["policy"] = scenario.retry ? "retry" : "drop";
  result["queue_capacity"] = queue_capacity;
  result["high_water_mark"] = hwm;
  result["payload_bytes"] = payload.size();
  result["messages"] = messages;
  result["published"] = published;
  // The publisher counts every refused publish() as dropped; with "retry" each was sent again.
  result["dropped_queue_full"] = after.dropped - before.dropped;
  result["publish_refusals"] = refused.load();
  result["producers_done_s"] = std::chrono::duration<double>(produced - start).count();
  result["publish_s"] = publish_s;
  result["published_per_s"] = static_cast<double>(published) / publish_s;
  result["process_cpu_s"] = cpu_s;
  result["published_per_process_cpu_s"] = static_cast<double>(published) / cpu_s;  // publisher, producers and subscribers until the last one is done

  nlohmann::ordered_json subs = nlohmann::json::array();
  double min_rate = 0, sum_rate = 0;
  std::uint64_t total_missing = 0, total_gaps = 0, total_out_of_order = 0, total_lost = 0;
  std::uint64_t min_received = subscribers.empty() ? 0 : messages;
  for (const auto& subscriber : subscribers) {
    const SubscriberResult& r = subscriber->result();
    const double seconds = std::chrono::duration<double>(r.last_receive - start).count();
    const double rate = r.received == 0 || seconds <= 0 ? 0.0 : static_cast<double>(r.received) / seconds;
    subs.push_back({{"received", r.received},
                    {"delivered_per_s", rate},
                    {"last_receive_s", seconds},
                    {"gaps", r.gaps},
                    {"missing", r.missing},
                    {"lost", published - r.received},
                    {"out_of_order", r.out_of_order}});
    min_rate = subs.size() == 1 ? rate : std::min(min_rate, rate);
    sum_rate += rate;
    total_missing += r.missing;
    total_gaps += r.gaps;
    total_lost += published - r.received;
    total_out_of_order += r.out_of_order;
    min_received = std::min(min_received, r.received);
  }
  result["delivered_per_s_per_subscriber_min"] = min_rate;
  result["delivered_per_s_per_subscriber_mean"] = subscribers.empty() ? 0.0 : sum_rate / static_cast<double>(subscribers.size());
  result["delivered_per_s_total"] = sum_rate;
  result["received_min"] = min_received;
  result["gaps_total"] = total_gaps;
  result["missing_total"] = total_missing;  // inside gaps the subscriber saw
  result["lost_total"] = total_lost;        // published - received, summed: gaps and a lost tail
  result["out_of_order_total"] = total_out_of_order;
  result["per_subscriber"] = subs;
  return result;
}

void usage() {
  std::cerr << "usage: smoops_bench_bus [--messages N] [--out FILE] [--queue N] [--hwm N]\n"
               "                        [--transport tcp|ipc] [--producers N] [--subscribers N] [--policy retry|drop]\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t messages = 2'000'000;
  std::string out_file = "bench-bus.json";
  const bus::PublisherOptions defaults;
  std::size_t queue_capacity = defaults.queue_capacity;
  int hwm = defaults.high_water_mark;
  std::string only_transport, only_policy;
  int only_producers = 0, only_subscribers = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--transport" && has_value) {
      only_transport = argv[++i];
    } else if (flag == "--policy" && has_value) {
      only_policy = argv[++i];
    } else if (flag == "--producers" && has_value) {
      only_producers = std::stoi(argv[++i]);
    } else if (flag == "--subscribers" && has_value) {
      only_subscribers = std::stoi(argv[++i]);
    } else if (flag == "--messages" && has_value) {
      messages = std::stoull(argv[++i]);
    } else if (flag == "--out" && has_value) {
      out_file = argv[++i];
    } else if (flag == "--queue" && has_value) {
      queue_capacity = std::stoull(argv[++i]);
    } else if (flag == "--hwm" && has_value) {
      hwm = std::stoi(argv[++i]);
    } else {
      usage();
      return 2;
    }
  }

  const auto work = std::filesystem::temp_directory_path() / ("smoops-bench-bus-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work);

  // retry: every transport × 1 or 4 producers × 1 or 10 subscribers, and 1 producer with no
  // subscriber (the publisher alone); drop: one producer (a bot), 1 or 10 subscribers.
  std::vector<Scenario> scenarios;
  for (const bool retry : {true, false})
    for (const std::string transport : {"tcp", "ipc"})
      for (int producers : {1, 4})
        for (int subscribers : {0, 1, 10}) {
          if (!retry && producers != 1 && only_producers == 0) continue;
          if (subscribers == 0 && (!retry || producers != 1)) continue;
          if (!only_transport.empty() && transport != only_transport) continue;
          if (!only_policy.empty() && (retry ? "retry" : "drop") != only_policy) continue;
          if (only_producers != 0 && producers != only_producers) continue;
          if (only_subscribers != 0 && subscribers != only_subscribers) continue;
          scenarios.push_back({transport, producers, subscribers, retry});
        }
  if (!only_policy.empty() && only_policy != "retry" && only_policy != "drop") {
    usage();
    return 2;
  }

  nlohmann::ordered_json results;
  results["benchmark"] = "bus::Publisher throughput, in process, SUB sockets on threads of the same process";
  results["hardware_threads"] = std::thread::hardware_concurrency();
  results["messages"] = messages;
  nlohmann::ordered_json runs = nlohmann::json::array();
  for (const Scenario& scenario : scenarios) {
    std::cerr << scenario.transport << ", " << scenario.producers << " producer(s), " << scenario.subscribers
              << " subscriber(s), " << (scenario.retry ? "retry" : "drop") << "... " << std::flush;
    nlohmann::ordered_json run = run_scenario(scenario, messages, queue_capacity, hwm, work);
    std::fprintf(stderr, "published %.2f M/s, delivered %.2f M/s per subscriber (min), queue refusals %llu, lost by subscribers %llu\n",
                 run["published_per_s"].get<double>() / 1e6,
                 run["delivered_per_s_per_subscriber_min"].get<double>() / 1e6,
                 static_cast<unsigned long long>(run["dropped_queue_full"].get<std::uint64_t>()),
                 static_cast<unsigned long long>(run["lost_total"].get<std::uint64_t>()));
    runs.push_back(std::move(run));
  }
  results["runs"] = runs;
  std::filesystem::remove_all(work);
  std::ofstream(out_file) << results.dump(2) << '\n';
  std::cout << results.dump(2) << '\n';
  return 0;
}
