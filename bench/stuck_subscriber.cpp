// What a subscriber that never reads costs smoopsd's bots: the real daemon as a child process runs
// K backtest bots (sma_cross + sim on a real 5-minute series, as tests/integration/
// daemon_bus_test.cpp does), once with no subscriber and once with a SUB socket connected before
// the bots start that never reads (RCVHWM and the daemon's bus.high_water_mark both --hwm, 1,000
// by default, so its queue fills and ZeroMQ drops for it). Time runs from the `reload` that adds
// the bots until `bots` says every one has finished (polled every millisecond). Rounds alternate
// which of the two goes first; each run is a fresh daemon on a fresh temporary folder.
//
// Reported per run: seconds, bars per second (all bots together), messages published and dropped
// by the daemon, and what the stuck subscriber had kept; per mode the median; and the ratio of the
// stuck runs' median time to the lone runs' (1.0: the stuck subscriber costs nothing).
//
//   smoops_bench_stuck_subscriber [--bots K] [--rounds R] [--hwm N] [--csv FILE] [--bin DIR]
//                                 [--out FILE]
// (--bin: the folder of smoopsd, by default ../bin beside this executable; the daemon finds the
// plugins beside itself)

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bus/control_channel.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSmaA = "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}";
constexpr const char* kSmaB = "{plugin: sma_cross, params: {fast: 5, slow: 20, quantity: 0.25}}";

struct Options {
  int bots = 6;
  int rounds = 5;
  int high_water_mark = 1000;
  std::filesystem::path csv = SMOOPS_BENCH_SHARED_DATA_DIR "/ft_btc_usdt_5m.csv";
  std::filesystem::path bin;
  std::string out = "bench-stuck-subscriber.json";
};

// smoopsd in a temporary folder of its own: config, bots.d, ipc:// endpoints, its output.
class Daemon {
 public:
  Daemon(const Options& options, zmq::context_t& context) : context_(context) {
    std::string pattern = (std::filesystem::temp_directory_path() / "smoops-bench-stuck-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::filesystem::create_directories(dir_ / "bots.d");
    std::ofstream(dir_ / "smoopsd.yaml") << "bots_dir: bots.d\n"
                                         << "log: {level: warn}\n"
                                         << "bus:\n"
                                         << "  publish: " << publish_endpoint() << "\n"
                                         << "  snapshot: ipc://" << (dir_ / "snap").string() << "\n"
                                         << "  control: ipc://" << (dir_ / "ctl").string() << "\n"
                                         << "  high_water_mark: " << options.high_water_mark << "\n"
                                         << "store: {enabled: false}\n";
    spawn((options.bin / "smoopsd").string());
    const auto deadline = Clock::now() + 30s;
    while (true) {
      if (exited()) throw std::runtime_error("smoopsd exited during start-up; see " + (dir_ / "smoopsd.err").string());
      try {
        if (request({{"command", "status"}}, 200ms).value("ok", false)) break;
      } catch (const std::exception&) {
      }
      if (Clock::now() > deadline) throw std::runtime_error("smoopsd did not answer status within 30 s");
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !exited()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  std::string publish_endpoint() const { return "ipc://" + (dir_ / "pub").string(); }
  void write_bot(const std::string& name, const std::string& yaml) const {
    std::ofstream(dir_ / "bots.d" / (name + ".yaml")) << yaml;
  }
  Json request(const Json& body, std::chrono::milliseconds timeout = 3000ms) {
    smoops::bus::ControlClientOptions options;
    options.endpoint = "ipc://" + (dir_ / "ctl").string();
    options.timeout = timeout;
    return smoops::bus::control_request(context_, options, body);
  }
  /// SIGTERM, then the exit code (128 + signal when killed by one; -1 if still running after 20 s).
  int stop() {
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + 20s;
    while (!exited()) {
      if (Clock::now() > deadline) return -1;
      std::this_thread::sleep_for(5ms);
    }
    return exit_code_;
  }

 private:
  void spawn(const std::string& program) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = (dir_ / "smoopsd.out").string(), err = (dir_ / "smoopsd.err").string();
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const std::string config = (dir_ / "smoopsd.yaml").string();
    std::vector<char*> args{const_cast<char*>(program.c_str()), const_cast<char*>("--config"),
                            const_cast<char*>(config.c_str()), nullptr};
    const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + program);
  }
  bool exited() {
    if (exit_code_ >= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }

  zmq::context_t& context_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

std::string bot_yaml(const std::string& name, const char* strategy, const std::filesystem::path& csv) {
  return "name: " + name +
         "\nmode: backtest\ninstrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001, min_notional: 10}\n"
         "strategy: " + strategy + "\nexchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
         "data: {csv: " + csv.string() + "}\n";
}

// One daemon, K backtest bots, with or without a subscriber that never reads.
Json run_once(const Options& options, bool stuck_subscriber) {
  zmq::context_t context;
  Daemon daemon(options, context);
  std::optional<zmq::socket_t> stuck;
  if (stuck_subscriber) {
    stuck.emplace(context, zmq::socket_type::sub);
    stuck->set(zmq::sockopt::linger, 0);
    stuck->set(zmq::sockopt::rcvhwm, options.high_water_mark);
    stuck->set(zmq::sockopt::subscribe, "");
    stuck->connect(daemon.publish_endpoint());
    std::this_thread::sleep_for(50ms);  // connected before the first message of any bot
  }
  for (int i = 0; i < options.bots; ++i) {
    const std::string name = "bt" + std::to_string(i);
    daemon.write_bot(name, bot_yaml(name, i % 2 ? kSmaA : kSmaB, options.csv));
  }

  const auto started = Clock::now();
  const Json reply = daemon.request({{"command", "reload"}});
  if (!reply.value("ok", false)) throw std::runtime_error("reload failed: " + reply.dump());
  std::int64_t bars = 0;
  while (true) {
    const Json listing = daemon.request({{"command", "bots"}});
    bool all = listing.at("bots").size() == static_cast<std::size_t>(options.bots);
    bars = 0;
    for (const Json& bot : listing.at("bots")) {
      all = all && bot.value("finished", false);
      bars += bot.value("bars", std::int64_t{0});
    }
    if (all) break;
    if (Clock::now() - started > 120s) throw std::runtime_error("the bots did not finish within 120 s");
    std::this_thread::sleep_for(1ms);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  // The publisher thread may still be sending the bots' last messages: wait until its count settles.
  Json status = daemon.request({{"command", "status"}}).at("daemon");
  for (int settle = 0; settle < 40; ++settle) {
    std::this_thread::sleep_for(50ms);
    Json again = daemon.request({{"command", "status"}}).at("daemon");
    // daemon.status itself is published once a second: one more message is settled too.
    const bool settled = again.at("published").get<std::uint64_t>() <= status.at("published").get<std::uint64_t>() + 1;
    status = std::move(again);
    if (settled) break;
  }
  std::uint64_t kept = 0;
  if (stuck) {
    stuck->set(zmq::sockopt::rcvtimeo, 200);
    std::vector<zmq::message_t> frames;
    while (zmq::recv_multipart(*stuck, std::back_inserter(frames))) {
      frames.clear();
      ++kept;
    }
  }
  const int exit_code = daemon.stop();
  Json run = {{"stuck_subscriber", stuck_subscriber},
              {"seconds", seconds},
              {"bars", bars},
              {"bars_per_s", static_cast<double>(bars) / seconds},
              {"published", status.at("published")},
              {"dropped", status.at("dropped")},
              {"exit_code", exit_code}};
  if (stuck) run["stuck_subscriber_kept"] = kept;
  return run;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

void usage() {
  std::cerr << "usage: smoops_bench_stuck_subscriber [--bots K] [--rounds R] [--hwm N] [--csv FILE] [--bin DIR]\n"
               "                                     [--out FILE]\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.bin = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      usage();
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--bots") options.bots = std::stoi(value);
    else if (flag == "--rounds") options.rounds = std::stoi(value);
    else if (flag == "--hwm") options.high_water_mark = std::stoi(value);
    else if (flag == "--csv") options.csv = value;
    else if (flag == "--bin") options.bin = value;
    else if (flag == "--out") options.out = value;
    else {
      usage();
      return 2;
    }
  }
  if (options.bots <= 0 || options.rounds <= 0 || options.high_water_mark <= 0) {
    usage();
    return 2;
  }
  options.csv = std::filesystem::absolute(options.csv);
  if (!std::filesystem::exists(options.csv)) {
    std::cerr << "no data file " << options.csv << " (use --csv FILE)\n";
    return 2;
  }

  Json runs = Json::array();
  std::vector<double> alone_s, stuck_s;
  bool ok = true;
  try {
    run_once(options, false);  // warms the page cache and the plugin files
    for (int round = 0; round < options.rounds; ++round) {
      for (const bool stuck : round % 2 ? std::vector{true, false} : std::vector{false, true}) {
        Json run = run_once(options, stuck);
        run["round"] = round;
        (stuck ? stuck_s : alone_s).push_back(run.at("seconds").get<double>());
        ok = ok && run.at("exit_code") == 0 && run.at("dropped") == 0;
        const std::string kept =
            stuck ? ", the subscriber kept " + std::to_string(run.at("stuck_subscriber_kept").get<std::uint64_t>()) : "";
        std::printf("round %d, %-20s %.3f s, %8.0f bars/s, published %llu, dropped %llu%s\n", round,
                    stuck ? "stuck subscriber:" : "no subscriber:", run.at("seconds").get<double>(),
                    run.at("bars_per_s").get<double>(),
                    static_cast<unsigned long long>(run.at("published").get<std::uint64_t>()),
                    static_cast<unsigned long long>(run.at("dropped").get<std::uint64_t>()), kept.c_str());
        std::fflush(stdout);
        runs.push_back(std::move(run));
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "smoops_bench_stuck_subscriber: " << e.what() << '\n';
    return 1;
  }

  Json results;
  results["benchmark"] =
      "smoopsd: backtest bots alone and with a subscriber that never reads (seconds from reload until all finished)";
  results["hardware_threads"] = std::thread::hardware_concurrency();
  results["bots"] = options.bots;
  results["data"] = options.csv.string();
  results["high_water_mark"] = options.high_water_mark;
  results["rounds"] = options.rounds;
  results["runs"] = runs;
  results["median_s_alone"] = median(alone_s);
  results["median_s_stuck"] = median(stuck_s);
  results["stuck_over_alone"] = median(stuck_s) / median(alone_s);
  results["ok"] = ok;
  std::ofstream(options.out) << results.dump(2) << '\n';
  std::printf("median %.3f s alone, %.3f s with a stuck subscriber: ratio %.3f (results: %s)\n", median(alone_s),
              median(stuck_s), median(stuck_s) / median(alone_s), options.out.c_str());
  if (!ok) std::cerr << "smoops_bench_stuck_subscriber: a daemon dropped messages or did not exit 0 (see the JSON)\n";
  return ok ? 0 : 1;
}
