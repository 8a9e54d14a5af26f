// End-to-end backtest throughput of sma_cross through the real plugins: bars per second with CSV
// parsing and with the bars already in memory, and peak RSS after streaming a short and a long
// series (it must not grow with the length). Writes the results as JSON.
//
//   smoops_bench_backtest [--bars N] [--out FILE] [--plugin-dir DIR]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "config/bot_config.hpp"
#include "data/csv_bar_reader.hpp"
#include "data/synthetic_bars.hpp"
#include "engine/backtest.hpp"
#include "plugin/plugin_registry.hpp"

namespace {

using namespace smoops;

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Run {
  std::size_t bars = 0;
  std::size_t trades = 0;
  double wall_s = 0;
  double cpu_s = 0;
  long peak_rss_kib = 0;
  std::string total_pnl;

  nlohmann::ordered_json to_json() const {
    return {{"bars", bars},
            {"trades", trades},
            {"wall_s", wall_s},
            {"cpu_s", cpu_s},
            {"bars_per_s", bars / wall_s},
            {"bars_per_cpu_s", bars / cpu_s},
            {"peak_rss_kib", peak_rss_kib},
            {"total_pnl", total_pnl}};
  }
};

template <class Backtest>
Run measure(Backtest&& backtest) {
  const double cpu_before = cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  const engine::BacktestReport report = backtest();
  Run run;
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  run.cpu_s = cpu_seconds() - cpu_before;
  run.bars = report.performance.bars;
  run.trades = report.trades.size();
  run.peak_rss_kib = peak_rss_kib();
  run.total_pnl = report.total_pnl.to_string();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bars = 5'000'000;
  std::string out_file = "bench-backtest.json";
  std::vector<std::filesystem::path> plugin_dirs;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--bars") {
      bars = std::stoull(argv[i + 1]);
    } else if (flag == "--out") {
      out_file = argv[i + 1];
    } else if (flag == "--plugin-dir") {
      plugin_dirs.emplace_back(argv[i + 1]);
    } else {
      std::cerr << "usage: smoops_bench_backtest [--bars N] [--out FILE] [--plugin-dir DIR]\n";
      return 2;
    }
  }
  if (argc % 2 == 0) {
    std::cerr << "usage: smoops_bench_backtest [--bars N] [--out FILE] [--plugin-dir DIR]\n";
    return 2;
  }
  if (plugin_dirs.empty()) plugin_dirs = plugin::default_plugin_directories();

  const auto work = std::filesystem::temp_directory_path() / ("smoops-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work);
  const auto short_csv = work / "short.csv";
  const auto long_csv = work / "long.csv";
  data::SyntheticSeries series;
  std::cerr << "generating " << bars << " bars...\n";
  data::write_synthetic_csv(short_csv, series, bars / 10);
  data::write_synthetic_csv(long_csv, series, bars);
  std::ofstream(work / "bot.yaml") << "name: bench\nmode: backtest\n"
                                      "instrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001, min_notional: 10}\n"
                                      "strategy: {plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 1}}\n"
                                      "exchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
                                      "data: {csv: long.csv}\n"
                                      "account: {initial_cash: 100000000}\n";
  const config::BotConfig bot = config::load_bot_config(work / "bot.yaml");
  const plugin::PluginRegistry registry(plugin_dirs);

  // The report's order list grows with the number of orders, not bars; leave it out so that the
  // memory figures show the engine itself (trades and the sampled equity curve are still kept).
  engine::BacktestOptions options;
  options.record_orders = false;
  engine::BacktestOptions short_options = options;
  short_options.data_file = short_csv;
  std::cerr << "streaming the short series...\n";
  const Run short_stream = measure([&] { return engine::run_backtest(bot, registry, short_options); });
  std::cerr << "streaming the long series...\n";
  const Run long_stream = measure([&] { return engine::run_backtest(bot, registry, options); });
  std::cerr << "loading the long series into memory...\n";
  const std::vector<Bar> in_memory = data::read_all_bars(long_csv);
  std::cerr << "running from memory...\n";
  const Run memory = measure([&] {
    data::MemoryBarSource source(in_memory);
    return engine::run_backtest(bot, registry, options, source, "memory");
  });
  std::filesystem::remove_all(work);

  nlohmann::ordered_json results;
  results["benchmark"] = "sma_cross backtest (fast 10, slow 30) through the sma_cross and sim plugins";
  results["series"] = "synthetic 5-minute bars, seed 42 (smoops data generate)";
  results["hardware_threads"] = std::thread::hardware_concurrency();
  results["orders_recorded"] = false;
  results["csv_short"] = short_stream.to_json();
  results["csv_long"] = long_stream.to_json();
  results["memory"] = memory.to_json();
  results["same_result_csv_and_memory"] = long_stream.total_pnl == memory.total_pnl && long_stream.trades == memory.trades;
  results["rss_growth_short_to_long_kib"] = long_stream.peak_rss_kib - short_stream.peak_rss_kib;
  std::ofstream(out_file) << results.dump(2) << '\n';
  std::cout << results.dump(2) << '\n';
  return results["same_result_csv_and_memory"].get<bool>() ? 0 : 1;
}
