// smoopsd: the daemon that hosts bots (docs/operations.md, docs/cli.md).

#include <signal.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_command.hpp"
#include "config/daemon_config.hpp"
#include "bus/bus_error.hpp"
#include "daemon/daemon.hpp"

namespace smoops::daemon {
namespace {

SignalFlags signal_flags;

extern "C" void on_signal(int signal) {
  if (signal == SIGHUP) {
    signal_flags.reload = true;
  } else {
    signal_flags.terminate = true;
  }
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaction(signal, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

std::string usage() {
  return "usage: smoopsd --config smoopsd.yaml [--check]\n"
         "  --config FILE  the daemon config (docs/configuration.md)\n"
         "  --check        validate the daemon config, every bot file and their plugins, then exit\n"
         "signals: SIGTERM/SIGINT stop cleanly (exit 0), SIGHUP reloads the config\n"
         "exit codes: see docs/exit-codes.md\n";
}

void set_up_logging(const config::DaemonConfig& daemon) {
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (daemon.log.file)
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(daemon.log.file->string(), 10u << 20, 5));
  auto logger = std::make_shared<spdlog::logger>("smoopsd", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(daemon.log.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

int run(const std::vector<std::string>& args) {
  const cli::Arguments parsed(args, {"config"}, {"check"});
  if (!parsed.positionals().empty()) throw cli::UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  config::DaemonConfig daemon = config::load_daemon_config(parsed.required("config"));
  set_up_logging(daemon);
  if (parsed.flag("check")) {
    const std::size_t bots = validate_daemon(daemon);
    spdlog::info("config {} is valid: {} bots", daemon.file.string(), bots);
    return cli::kExitOk;
  }
  install_signal_handlers();
  try {
    Daemon host(std::move(daemon), signal_flags);
    return host.run();
  } catch (const bus::BusError& e) {
    spdlog::error("{}", e.what());
    return cli::kExitBus;
  }
}

}  // namespace
}  // namespace smoops::daemon

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return smoops::cli::run_command([&] { return smoops::daemon::run(args); }, smoops::daemon::usage(), std::cerr);
}
