#pragma once
// The real smoopsd as a child process for end-to-end tests: a short private directory under /tmp
// holds the daemon config, its bots.d folder and ipc:// sockets (so tests run in parallel); the
// daemon is started and considered up once its control endpoint answers `status`. Helpers send
// control requests, make subscribers, and follow the bus recording every message.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bus/clone_subscriber.hpp"
#include "bus/control_channel.hpp"
#include "support/child_process.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace smoops::test {

using Json = nlohmann::json;

/// The data every daemon test replays: 10,999 five-minute bars.
inline std::string daemon_test_csv() { return shared_data("ft_btc_usdt_5m.csv").string(); }

/// A bot file's YAML. `mode` is paper or backtest; `speed` matters to paper bots only
/// (3,000,000: a 5-minute bar every 0.1 ms, the whole file in about 1.1 s).
inline std::string bot_yaml(const std::string& name, const std::string& mode = "paper",
                            const std::string& strategy = "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}",
                            const std::string& speed = "3000000", const std::string& extra = "") {
  return "name: " + name + "\nmode: " + mode +
         "\ninstrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001, min_notional: 10}\n"
         "strategy: " + strategy + "\nexchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
         "data: {csv: " + daemon_test_csv() + ", speed: " + speed + "}\n" + extra;
}

/// The topic's bot name ("bot.a.b.fill" → "a.b") and kind ("fill"); "" for daemon.status.
inline std::string topic_bot(const std::string& topic) {
  if (topic.rfind("bot.", 0) != 0) return "";
  return topic.substr(4, topic.rfind('.') - 4);
}
inline std::string topic_kind(const std::string& topic) { return topic.substr(topic.rfind('.') + 1); }

/// A CloneSubscriber that records every message it applies and every sequence gap it saw.
class BusRecorder {
 public:
  BusRecorder(zmq::context_t& context, bus::SubscriberOptions options) : subscriber_(context, std::move(options)) {
    subscriber_.connect();
    start_sequence_ = subscriber_.sequence();
  }
  struct Message {
    std::string topic;
    std::uint64_t sequence;
    Json payload;
    std::string bot() const { return topic_bot(topic); }
    std::string kind() const { return topic_kind(topic); }
  };
  /// Reads until `done(message)` is true for a message (true) or `timeout` passes (false).
  bool until(const std::function<bool(const Message&)>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto received = subscriber_.next(std::min(left, std::chrono::milliseconds(100)));
      if (!received) continue;
      if (received->sequence != last_sequence() + 1) ++gaps_;
      messages_.push_back(Message{received->topic, received->sequence, Json::parse(received->payload)});
      if (done(messages_.back())) return true;
    }
  }
  /// Reads until the subscriber has applied `sequence` (true) or `timeout` passes.
  bool until_sequence(std::uint64_t sequence, std::chrono::milliseconds timeout) {
    if (subscriber_.sequence() >= sequence) return true;
    return until([&](const Message& m) { return m.sequence >= sequence; }, timeout);
  }
  /// Reads whatever arrives within `quiet` of the last message.
  void drain(std::chrono::milliseconds quiet = std::chrono::milliseconds(300)) {
    while (auto received = subscriber_.next(quiet)) {
      if (received->sequence != last_sequence() + 1) ++gaps_;
      messages_.push_back(Message{received->topic, received->sequence, Json::parse(received->payload)});
    }
  }
  std::uint64_t last_sequence() const { return messages_.empty() ? start_sequence_ : messages_.back().sequence; }
  std::vector<Message> of(const std::string& bot, const std::string& kind) const {
    std::vector<Message> found;
    for (const auto& m : messages_)
      if (m.bot() == bot && m.kind() == kind) found.push_back(m);
    return found;
  }
  const std::vector<Message>& messages() const { return messages_; }
  std::uint64_t start_sequence() const { return start_sequence_; }
  std::uint64_t gaps() const { return gaps_; }
  bus::CloneSubscriber& subscriber() { return subscriber_; }

 private:
  bus::CloneSubscriber subscriber_;
  std::uint64_t start_sequence_ = 0;
  std::uint64_t gaps_ = 0;
  std::vector<Message> messages_;
};

/// One smoopsd and its directory.
class DaemonUnderTest {
 public:
  DaemonUnderTest() {
    std::string pattern = "/tmp/smoopsd-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::filesystem::create_directories(bots_dir());
  }
  ~DaemonUnderTest() {
    process_.reset();  // SIGKILLs a daemon still running
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  DaemonUnderTest(const DaemonUnderTest&) = delete;
  DaemonUnderTest& operator=(const DaemonUnderTest&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path bots_dir() const { return dir_ / "bots.d"; }
  std::filesystem::path config_file() const { return dir_ / "smoopsd.yaml"; }
  std::string endpoint(const std::string& name) const { return "ipc://" + (dir_ / (name + ".sock")).string(); }
  std::string publish_endpoint() const { return endpoint("pub"); }
  std::string snapshot_endpoint() const { return endpoint("snap"); }
  std::string control_endpoint() const { return endpoint("ctl"); }

  /// Writes (or rewrites) bots.d/<file>.yaml.
  std::filesystem::path write_bot(const std::string& file, const std::string& yaml) const {
    const auto path = bots_dir() / (file + ".yaml");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << yaml;
    return path;
  }
  void remove_bot(const std::string& file) const { std::filesystem::remove(bots_dir() / (file + ".yaml")); }

  /// Writes smoopsd.yaml: the real and the faulty plugin folders, bots.d, ipc endpoints; `bus_extra`
  /// lines go inside `bus:` (indented by two), `extra` at the top level. Unless `extra` has a
  /// `store:` section the store is disabled (tests of the store give theirs).
  void write_config(const std::string& bus_extra = "", const std::string& extra = "",
                    std::optional<std::string> publish = std::nullopt) const {
    std::ofstream out(config_file(), std::ios::binary | std::ios::trunc);
    out << "plugin_dirs: [" << plugin_build_dir().string() << ", " << faulty_plugin_dir().string() << "]\n"
        << "bots_dir: bots.d\n"
        << "log: {level: info}\n"
        << "bus:\n"
        << "  publish: " << publish.value_or(publish_endpoint()) << "\n"
        << "  snapshot: " << snapshot_endpoint() << "\n"
        << "  control: " << control_endpoint() << "\n"
        << bus_extra << extra;
    if (extra.find("store:") == std::string::npos) out << "store: {enabled: false}\n";
  }

  /// Starts smoopsd on config_file() without waiting.
  ChildProcess& spawn(const std::string& stem = "smoopsd") {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{(bin_dir() / "smoopsd").string(), "--config", config_file().string()}, dir_, stem);
    return *process_;
  }
  /// Starts smoopsd and waits (up to 5 s) until its control endpoint answers `status`.
  void start() {
    if (!std::filesystem::exists(config_file())) write_config();
    spawn();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (true) {
      if (!process_->running())
        throw std::runtime_error("smoopsd exited during start-up: " + process_->err());
      try {
        const Json reply = request({{"command", "status"}}, std::chrono::milliseconds(200));
        if (reply.value("ok", false)) return;
      } catch (const std::exception&) {
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("smoopsd did not answer status within 5 s: " + process_->err());
    }
  }
  /// One control request (throws BusError when nothing answers in `timeout`).
  Json request(const Json& request, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    bus::ControlClientOptions options;
    options.endpoint = control_endpoint();
    options.timeout = timeout;
    return bus::control_request(context_, options, request);
  }
  bus::SubscriberOptions subscriber_options() const {
    bus::SubscriberOptions options;
    options.publish_endpoint = publish_endpoint();
    options.snapshot_endpoint = snapshot_endpoint();
    return options;
  }
  std::unique_ptr<BusRecorder> recorder() { return std::make_unique<BusRecorder>(context_, subscriber_options()); }
  /// Sends `signal` and waits up to `timeout` for the exit code (nullopt: still running).
  std::optional<int> stop(int signal = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    process_->signal(signal);
    return process_->wait(timeout);
  }
  ChildProcess& process() { return *process_; }
  zmq::context_t& context() { return context_; }
  /// The bots' summaries from `bots`, by name.
  std::map<std::string, Json> bots() {
    std::map<std::string, Json> by_name;
    const Json reply = request({{"command", "bots"}});
    for (const Json& bot : reply.at("bots")) by_name[bot.at("name").get<std::string>()] = bot;
    return by_name;
  }
  /// Polls `bots` until every bot has finished (true) or `timeout` passes.
  bool wait_all_finished(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (const auto& [name, bot] : bots()) all = all && bot.value("finished", false);
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  std::filesystem::path dir_;
  zmq::context_t context_;
  std::unique_ptr<ChildProcess> process_;
};

/// A decimal string ("-0.1", "12") as an integer count of 1e-8.
inline std::int64_t fixed_e8(const std::string& text) {
  const bool negative = !text.empty() && text[0] == '-';
  const std::string digits = negative ? text.substr(1) : text;
  const auto dot = digits.find('.');
  std::string whole = digits.substr(0, dot), fraction = dot == std::string::npos ? "" : digits.substr(dot + 1);
  fraction.resize(8, '0');
  const std::int64_t value = std::stoll(whole.empty() ? "0" : whole) * 100'000'000 + std::stoll(fraction);
  return negative ? -value : value;
}

/// Reads until every bot in `names` has published a status whose "note" is `note` (true) or `timeout` passes.
inline bool until_every_status_note(BusRecorder& recorder, std::set<std::string> names, const std::string& note,
                                    std::chrono::milliseconds timeout) {
  for (const auto& m : recorder.messages())
    if (m.kind() == "status" && m.payload.value("note", "") == note) names.erase(m.bot());
  if (names.empty()) return true;
  return recorder.until(
      [&](const BusRecorder::Message& m) {
        if (m.kind() == "status" && m.payload.value("note", "") == note) names.erase(m.bot());
        return names.empty();
      },
      timeout);
}

/// Starts `daemon` with no bots, connects a recorder, then adds `bots` (file stem → YAML) with a
/// `reload`, so that the recorder is subscribed before the first message of any bot.
inline std::unique_ptr<BusRecorder> start_then_add_bots(DaemonUnderTest& daemon,
                                                        const std::map<std::string, std::string>& bots) {
  daemon.write_config();
  daemon.start();
  auto recorder = daemon.recorder();
  for (const auto& [file, yaml] : bots) daemon.write_bot(file, yaml);
  const Json reply = daemon.request({{"command", "reload"}});
  if (!reply.value("ok", false) || reply.at("added").size() != bots.size())
    throw std::runtime_error("reload did not add the bots: " + reply.dump());
  return recorder;
}

/// `smoops backtest` of a bot file; the --json report.
inline Json run_backtest(const std::filesystem::path& bot_file, const std::filesystem::path& scratch) {
  const auto report = scratch / "report.json";
  const ProcessResult result = run_process({(bin_dir() / "smoops").string(), "backtest", "--config",
                                            bot_file.string(), "--json", report.string(), "--plugin-dir",
                                            plugin_build_dir().string()},
                                           scratch);
  if (result.exit_code != 0) throw std::runtime_error("smoops backtest failed: " + result.err);
  std::ifstream in(report);
  return Json::parse(in);
}

}  // namespace smoops::test
