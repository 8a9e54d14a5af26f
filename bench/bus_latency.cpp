// Bar → order event latency on loopback, through the daemon's real path: an engine Bot with the
// real sma_cross and sim plugins (loaded with plugin::PluginRegistry, as BotRunner does), a
// daemon::BusObserver publishing through a real bus::Publisher, and a SUB socket on another
// thread subscribed to "bot.<name>.order". Latency = the subscriber's steady_clock receive time of
// the "submitted" order − the steady_clock time just before Bot::process_bar for the bar that
// produced it (matched by the order's created_ts == the bar's ts).
//
// Bars are paced (one every --pace-us, default 200 µs) so that no queue is saturated. By default
// they are synthetic: the close alternates between two levels every --regime bars (default 5), so
// sma_cross (fast 1, slow 2) enters or exits at every switch: one order per `regime` bars. With
// --csv FILE the bars come from a real file instead (sma_cross fast 2, slow 3).
//
//   smoops_bench_latency [--bars N] [--pace-us N] [--regime N] [--transport tcp|ipc]
//                        [--csv FILE] [--out FILE] [--plugin-dir DIR]

#include <unistd.h>

#include <algorithm>
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

#include "bus/publisher.hpp"
#include "config/bot_config.hpp"
#include "daemon/bus_observer.hpp"
#include "data/csv_bar_reader.hpp"
#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"
#include "engine/bot_plugins.hpp"
#include "engine/clock.hpp"
#include "plugin/plugin_registry.hpp"

namespace {

using namespace smoops;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kBotName = "latency";

struct Receipt {
  std::int64_t created_ms = 0;
  SteadyClock::time_point received;
};

// Subscribes to the bot's order topic and timestamps every "submitted" order.
class OrderSubscriber {
 public:
  OrderSubscriber(zmq::context_t& context, const std::string& endpoint) : socket_(context, zmq::socket_type::sub) {
    socket_.set(zmq::sockopt::rcvhwm, 1'000'000);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvtimeo, 100);
    socket_.set(zmq::sockopt::subscribe, std::string("bot.") + kBotName + ".");
    socket_.connect(endpoint);
    receipts_.reserve(1 << 20);
    thread_ = std::thread([this] { run(); });
  }
  ~OrderSubscriber() { stop(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  bool connected() const { return connected_.load(); }
  const std::vector<Receipt>& receipts() const { return receipts_; }
  std::uint64_t messages() const { return messages_; }

 private:
  void run() {
    std::vector<zmq::message_t> frames;
    const std::string order_topic = std::string("bot.") + kBotName + ".order";
    while (!stop_.load()) {
      frames.clear();
      if (!zmq::recv_multipart(socket_, std::back_inserter(frames))) continue;
      const auto now = SteadyClock::now();  // first thing after the message is in
      ++messages_;
      connected_.store(true);
      if (frames.size() != 3 || frames[0].to_string_view() != order_topic) continue;
      const auto order = nlohmann::json::parse(frames[2].to_string_view(), nullptr, false);
      if (order.is_discarded() || order.value("status", "") != "submitted") continue;
      receipts_.push_back({order.value("created_ts", std::int64_t{0}), now});
    }
  }

  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::uint64_t messages_ = 0;
  std::vector<Receipt> receipts_;
  std::thread thread_;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto low = static_cast<std::size_t>(rank);
  const auto high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - static_cast<double>(low));
}

void usage() {
  std::cerr << "usage: smoops_bench_latency [--bars N] [--pace-us N] [--regime N] [--transport tcp|ipc]\n"
               "                            [--csv FILE] [--out FILE] [--plugin-dir DIR]\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bar_count = 50'000;
  int pace_us = 200;
  int regime = 5;
  std::string transport = "tcp";
  std::filesystem::path csv;
  std::string out_file = "bench-latency.json";
  std::vector<std::filesystem::path> plugin_dirs;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      usage();
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--bars") bar_count = std::stoull(value);
    else if (flag == "--pace-us") pace_us = std::stoi(value);
    else if (flag == "--regime") regime = std::max(2, std::stoi(value));
    else if (flag == "--transport") transport = value;
    else if (flag == "--csv") csv = value;
    else if (flag == "--out") out_file = value;
    else if (flag == "--plugin-dir") plugin_dirs.emplace_back(value);
    else {
      usage();
      return 2;
    }
  }
  if (transport != "tcp" && transport != "ipc") {
    usage();
    return 2;
  }
  if (plugin_dirs.empty()) plugin_dirs = plugin::default_plugin_directories();

  // The bars, in memory, so that reading them is not part of the measured path.
  std::vector<Bar> bars;
  if (!csv.empty()) {
    data::CsvBarReader reader(csv);
    for (Bar bar; bars.size() < bar_count && reader.next(bar);) bars.push_back(bar);
  } else {
    const Timestamp origin = Timestamp::from_millis(1'732'537'200'000);
    for (std::uint64_t i = 0; i < bar_count; ++i) {
      Bar bar;
      bar.ts = origin + Duration::from_millis(static_cast<std::int64_t>(i) * 60'000);
      const bool high = (i / static_cast<std::uint64_t>(regime)) % 2 == 1;
      bar.open = bar.high = bar.low = bar.close = Price::from_units(high ? 101 : 100);
      bar.volume = Quantity::from_units(10);
      bars.push_back(bar);
    }
  }

  const auto work = std::filesystem::temp_directory_path() / ("smoops-bench-latency-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work);
  std::ofstream(work / "bars.csv") << "timestamp,open,high,low,close,volume\n";
  std::ofstream(work / "bot.yaml") << "name: " << kBotName << "\nmode: paper\n"
                                   << "instrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001, min_notional: 10}\n"
                                   << "strategy: {plugin: sma_cross, params: {fast: " << (csv.empty() ? 1 : 2)
                                   << ", slow: " << (csv.empty() ? 2 : 3) << ", quantity: 1}}\n"
                                   << "exchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
                                   << "data: {csv: bars.csv, speed: 1}\n"
                                   << "account: {initial_cash: 100000000}\n";
  const config::BotConfig bot_config = config::load_bot_config(work / "bot.yaml");
  const plugin::PluginRegistry registry(plugin_dirs);

  zmq::context_t context(1);
  bus::PublisherOptions options;  // the daemon's defaults but the endpoints
  if (transport == "tcp") {
    options.publish_endpoint = "tcp://127.0.0.1:*";
    options.snapshot_endpoint = "tcp://127.0.0.1:*";
  } else {
    options.publish_endpoint = "ipc://" + (work / "updates").string();
    options.snapshot_endpoint = "ipc://" + (work / "snapshots").string();
  }
  bus::Publisher publisher(context, options);
  OrderSubscriber subscriber(context, publisher.publish_endpoint());

  // As BotRunner::Parts does.
  engine::BotPlugins plugins = engine::create_bot_plugins(bot_config, registry);
  engine::SimulatedClock clock;
  engine::BotLogger logger(bot_config.name);
  daemon::BusObserver observer(bot_config, publisher);
  engine::Bot bot(engine::BotParts{bot_config.name, bot_config.instrument, bot_config.risk, bot_config.initial_cash,
                                   &bot_config.strategy.params, plugins.strategy.get(), plugins.exchange.get(),
                                   plugins.model.get(), &clock, &logger, &observer,
                                   /*journal=*/nullptr, /*exchange_state_dir=*/{}, LogLevel::Info,
                                   /*credentials=*/{}});
  observer.attach(&bot);
  logger.set_tap(&observer);

  // Slow joiner: the status messages of start() are republished until the subscriber sees one.
  bot.start();
  const auto connect_deadline = SteadyClock::now() + 10s;
  while (!subscriber.connected()) {
    if (SteadyClock::now() > connect_deadline) {
      std::cerr << "the subscriber did not connect within 10 s\n";
      return 1;
    }
    observer.publish_status("warm-up");
    observer.flush();
    std::this_thread::sleep_for(5ms);
  }
  publisher.flush();
  std::this_thread::sleep_for(50ms);

  // started[i]: steady time just before process_bar(bars[i]).
  std::vector<SteadyClock::time_point> started(bars.size());
  std::vector<SteadyClock::time_point> processed(bars.size());  // just after process_bar returned
  const auto pace = std::chrono::microseconds(pace_us);
  const auto origin = SteadyClock::now();
  for (std::size_t i = 0; i < bars.size(); ++i) {
    std::this_thread::sleep_until(origin + pace * static_cast<std::int64_t>(i));
    started[i] = SteadyClock::now();
    bot.process_bar(bars[i]);
    observer.flush();  // as the daemon's BotRunner does after every event
    processed[i] = SteadyClock::now();
  }
  const auto ended = SteadyClock::now();
  bot.stop();
  observer.flush();
  publisher.flush();
  std::this_thread::sleep_for(200ms);
  subscriber.stop();
  const bus::PublisherStats stats = publisher.stats();

  // Match each receipt to its bar by time stamp.
  std::vector<std::pair<std::int64_t, std::size_t>> bar_index;
  bar_index.reserve(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) bar_index.emplace_back(bars[i].ts.millis(), i);
  std::sort(bar_index.begin(), bar_index.end());
  std::vector<double> latencies_us;
  std::vector<double> process_bar_us;  // the bot's own share: process_bar of the bars that made an order
  std::uint64_t unmatched = 0;
  for (const Receipt& receipt : subscriber.receipts()) {
    const auto found = std::lower_bound(bar_index.begin(), bar_index.end(), std::pair{receipt.created_ms, std::size_t{0}});
    if (found == bar_index.end() || found->first != receipt.created_ms) {
      ++unmatched;
      continue;
    }
    latencies_us.push_back(std::chrono::duration<double, std::micro>(receipt.received - started[found->second]).count());
    process_bar_us.push_back(
        std::chrono::duration<double, std::micro>(processed[found->second] - started[found->second]).count());
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  std::sort(process_bar_us.begin(), process_bar_us.end());
  std::filesystem::remove_all(work);

  nlohmann::ordered_json results;
  results["benchmark"] = "bar -> 'submitted' order event at a SUB socket: Bot(sma_cross, sim) + BusObserver + Publisher";
  results["hardware_threads"] = std::thread::hardware_concurrency();
  results["transport"] = transport;
  results["endpoint"] = publisher.publish_endpoint();
  results["bars_source"] = csv.empty() ? "synthetic: close alternates every " + std::to_string(regime) + " bars; sma_cross fast 1 slow 2"
                                       : csv.string() + "; sma_cross fast 2 slow 3";
  results["bars"] = bars.size();
  results["pace_us"] = pace_us;
  results["achieved_bars_per_s"] = static_cast<double>(bars.size()) / std::chrono::duration<double>(ended - origin).count();
  results["published"] = stats.published;
  results["dropped"] = stats.dropped;
  results["messages_received"] = subscriber.messages();
  results["orders_received"] = subscriber.receipts().size();
  results["unmatched"] = unmatched;
  results["count"] = latencies_us.size();
  results["min_us"] = latencies_us.empty() ? 0.0 : latencies_us.front();
  results["median_us"] = percentile(latencies_us, 50);
  results["p90_us"] = percentile(latencies_us, 90);
  results["p99_us"] = percentile(latencies_us, 99);
  results["p999_us"] = percentile(latencies_us, 99.9);
  results["max_us"] = latencies_us.empty() ? 0.0 : latencies_us.back();
  results["process_bar_median_us"] = percentile(process_bar_us, 50);
  results["process_bar_p99_us"] = percentile(process_bar_us, 99);
  std::ofstream(out_file) << results.dump(2) << '\n';
  std::cout << results.dump(2) << '\n';
  return latencies_us.empty() || unmatched != 0 ? 1 : 0;
}
