// smoopsd: the daemon that hosts bots. This version validates a daemon config with all its bots
// and runs the backtest-mode bots to completion; paper and live bots need the long-running
// runtime (event loop, ZeroMQ, store) that comes next and are refused with a clear error.

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "cli/run_command.hpp"
#include "config/bot_config.hpp"
#include "config/daemon_config.hpp"
#include "engine/backtest.hpp"
#include "engine/bot_validation.hpp"

namespace smoops::daemon {
namespace {

std::string usage() {
  return "usage: smoopsd --config smoopsd.yaml [--check]\n"
         "  --check   validate the daemon config, every bot file and their plugins, then exit\n"
         "exit codes: see docs/exit-codes.md\n";
}

void set_up_logging(const config::DaemonConfig& daemon) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (daemon.log.file)
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(daemon.log.file->string(), 10u << 20, 5));
  auto logger = std::make_shared<spdlog::logger>("smoopsd", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(daemon.log.level));
  spdlog::set_default_logger(logger);
}

int run(const std::vector<std::string>& args) {
  const cli::Arguments parsed(args, {"config"}, {"check"});
  if (!parsed.positionals().empty()) throw cli::UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const config::DaemonConfig daemon = config::load_daemon_config(parsed.required("config"));
  set_up_logging(daemon);
  const plugin::PluginRegistry registry(cli::plugin_search_path(daemon.plugin_dirs));
  for (const auto& error : registry.errors()) spdlog::warn("{}", error.what());

  // Validate everything before anything runs: a daemon that starts is one whose config is sound.
  const std::vector<config::BotConfig> bots = engine::validate_daemon_bots(daemon, registry);
  for (const auto& bot : bots) {
    if (bot.mode != config::Mode::Backtest)
      throw config::ConfigError(bot.file.string(), "bot '" + bot.name + "' has mode " +
                                                       std::string(config::to_string(bot.mode)) +
                                                       ", which this smoopsd cannot run yet (backtest only)");
  }
  spdlog::info("config {} is valid: {} bots", daemon.file.string(), bots.size());
  if (parsed.flag("check")) return cli::kExitOk;

  int exit_code = cli::kExitOk;
  for (const auto& bot : bots) {
    const engine::BacktestReport report = engine::run_backtest(bot, registry, {});
    spdlog::info("bot {}: {} bars, {} trades, total pnl {} {}, state {}", bot.name, report.performance.bars,
                 report.trades.size(), report.total_pnl.to_string(), bot.instrument.quote_asset,
                 engine::to_string(report.final_state));
    if (report.faulted) exit_code = cli::kExitBotFault;
  }
  return exit_code;
}

}  // namespace
}  // namespace smoops::daemon

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return smoops::cli::run_command([&] { return smoops::daemon::run(args); }, smoops::daemon::usage(), std::cerr);
}
