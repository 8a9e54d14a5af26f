#include <chrono>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/arguments.hpp"
#include "cli/backtest_output.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "cli/store_options.hpp"
#include "config/bot_config.hpp"
#include "config/config_error.hpp"
#include "store/run_store.hpp"

namespace smoops::cli {
namespace {

/// The bot file's text, read before the run so that the stored copy is the one that ran.
std::string read_bot_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw config::ConfigError(file.string(), "cannot read the file to store it with the run");
  return text.str();
}

/// "smoops 0.1.0 sma_cross@1.0.0 sim@1.0.0": this binary and the plugins the bot ran with.
std::string code_version(const config::BotConfig& bot, const plugin::PluginRegistry& registry) {
  std::string version = std::string("smoops ") + SMOOPS_VERSION;
  const auto add = [&](PluginKind kind, const std::string& name) {
    const plugin::PluginInfo* info = registry.find(kind, name);
    version += " " + name + "@" + (info ? info->version : "unknown");
  };
  add(PluginKind::Strategy, bot.strategy.plugin);
  add(PluginKind::Exchange, bot.exchange.plugin);
  if (bot.model) add(PluginKind::Model, bot.model->plugin);
  return version;
}

}  // namespace

int backtest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::set<std::string> valued{"config", "data", "json", "equity-points", "plugin-dir"};
  valued.insert(kStoreOptions.begin(), kStoreOptions.end());
  const Arguments parsed(args, valued, {"no-orders", "store"});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const bool store = parsed.flag("store");
  if (!store)
    for (const std::string& name : kStoreOptions)
      if (parsed.value(name)) throw UsageError("--" + name + " is a store option: it needs --store");
  const config::BotConfig bot = config::load_bot_config(parsed.required("config"));

  engine::BacktestOptions options;
  if (auto data = parsed.value("data")) options.data_file = std::filesystem::absolute(*data);
  options.equity_points = static_cast<std::size_t>(parsed.integer("equity-points", 1000, 2, 1'000'000));
  options.record_orders = !parsed.flag("no-orders");
  if (bot.mode != config::Mode::Backtest)
    err << "note: " << bot.file.string() << " has mode " << config::to_string(bot.mode)
        << "; running it as a backtest\n";

  // The store keeps every bar's equity, cash and position, not the report's sampled curve.
  store::EquityRecorder equity;
  std::string config_yaml;
  if (store) {
    options.observer = &equity;
    config_yaml = read_bot_file(bot.file);
  }

  const plugin::PluginRegistry registry(plugin_search_path(parsed.values("plugin-dir")));
  const auto started_at = std::chrono::system_clock::now();
  const engine::BacktestReport report = engine::run_backtest(bot, registry, options);
  const auto ended_at = std::chrono::system_clock::now();
  print_backtest_summary(report, out);

  if (auto json_path = parsed.value("json")) {
    std::ofstream file(*json_path, std::ios::binary | std::ios::trunc);
    if (file) file << backtest_to_json(report).dump(2) << '\n';
    if (!file) throw OutputError("cannot write " + *json_path);
    out << "  report          " << *json_path << '\n';
  }
  if (report.faulted) err << "error: bot " << report.bot_name << " halted: " << report.halt_reason << '\n';

  // Stored last, so that the summary and the JSON report are out even when the database is not
  // there (the store's error then decides the exit code).
  if (store) {
    store::BacktestRunRecord record;
    record.bot = report.bot_name;
    record.symbol = report.instrument.symbol;
    record.config_file = std::filesystem::absolute(bot.file).lexically_normal().string();
    record.config_yaml = std::move(config_yaml);
    record.code_version = code_version(bot, registry);
    record.data_file = std::filesystem::absolute(report.data_file).lexically_normal().string();
    record.started_at = started_at;
    record.ended_at = ended_at;
    record.failed = report.faulted;
    record.end_reason = report.halt_reason;
    record.initial_cash = report.initial_cash;
    record.final_equity = report.performance.final_equity;
    record.bars = static_cast<std::int64_t>(report.performance.bars);
    record.summary = summary_to_json(report);
    record.trades = report.trades;
    record.equity = equity.take_rows();

    const StoreSession session = open_store(parsed, SchemaNeed::Current);
    const std::int64_t run_id = store::save_backtest(*session.connection, record);
    out << "stored as run " << run_id << '\n';
  }
  return report.faulted ? kExitBotFault : kExitOk;
}

}  // namespace smoops::cli
