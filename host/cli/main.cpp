// smoops: the command line of the smoops trading host.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_command.hpp"
#include "cli/store_options.hpp"
#include "smoops/plugin.hpp"

namespace smoops::cli {

std::string usage() {
  return "usage: smoops [--log-level LEVEL] COMMAND [ARGS]\n"
         "\n"
         "commands:\n"
         "  backtest --config BOT.yaml [--data CSV] [--json OUT] [--equity-points N] [--no-orders]\n"
         "           [--plugin-dir DIR]... [--store [store options]]\n"
         "                       run a bot over historical bars and report its trades and statistics\n"
         "                       (--store: also keep the run, its trades and equity in the database)\n"
         "  config check FILE... [--plugin-dir DIR]...\n"
         "                       validate bot and daemon YAML files (and their plugins) without running\n"
         "  plugins list [--plugin-dir DIR]...\n"
         "                       list the plugins found: name, kind, version, ABI, path\n"
         "  train --config MODEL.yaml --data CSV... --out DIR [--plugin-dir DIR]... [--quiet]\n"
         "                       train a model plugin on bars (chronological split, early stopping), save it\n"
         "                       in DIR and report it on the test split against baselines and backtests\n"
         "  data generate --out FILE [--bars N] [--seed S] [--interval-s SECONDS] [--start-price P]\n"
         "  fetch-data --exchange NAME --symbol BTC/USDT --interval 5m --from DATE [--to DATE] --out FILE\n"
         "             [--param KEY=VALUE]... [--plugin-dir DIR]... [--no-progress] [--verbose]\n"
         "                       the venue's bar history into a CSV file (extends an existing file, reports\n"
         "                       gaps); DATE: 2024-01-31, 2024-01-31T12:00:00Z or epoch milliseconds\n"
         "                       write a deterministic synthetic OHLCV series (random walk with trends)\n"
         "  status [--json]      ask a running smoopsd for its uptime, counters and bots\n"
         "  bots [--json]        list the daemon's bots: name, state, mode, paused, position, equity\n"
         "  start|stop|pause|resume|flatten BOT [--json]\n"
         "                       control one bot of the daemon (flatten: close its position)\n"
         "  reload [--json]      make the daemon re-read its bot files\n"
         "  watch [BOT] [--count N] [--duration-s S] [--raw]\n"
         "                       print the daemon's events as they are published (Ctrl-C stops)\n"
         "  keys generate --out PREFIX\n"
         "                       write a CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub\n"
         "  credentials add NAME [--type hmac|ed25519] [--replace] [--state-dir DIR] [--key-file FILE]\n"
         "                       store an exchange API key and secret, encrypted (read from the terminal\n"
         "                       without echo, or from stdin lines; never from the command line)\n"
         "  credentials list [--json] | remove NAME | check NAME   [--state-dir DIR] [--key-file FILE]\n"
         "                       names, types and key fingerprints; delete one; prove one decrypts\n"
         "                       (docs/credentials.md: where the passphrase or key file comes from)\n"
         "  db migrate           apply the pending schema migrations to the database\n"
         "  db status [--json]   list the migrations, applied or pending (exit 11 when not current)\n"
         "  db start|stop|dsn [--state-dir DIR]\n"
         "                       start or stop smoops's private PostgreSQL cluster, or print its DSN\n"
         "  runs list [--bot NAME] [--kind backtest|paper|live] [--limit N] [--json]\n"
         "                       list the stored runs (backtest --store, paper and live sessions)\n"
         "  runs show ID [--trades N] [--json]\n"
         "                       one stored run: its summary and its trades\n"
         "  version              print the version\n"
         "  help                 print this text\n"
         "\n"
         "daemon options (status ... watch): --daemon-config smoopsd.yaml (its bus endpoints), or\n"
         "  --control EP, --publish EP, --snapshot EP (default tcp://127.0.0.1:7602, 7600, 7601);\n"
         "  --server-key FILE --client-key FILE (CURVE: the daemon's public key, your secret key);\n"
         "  --timeout-ms N (default 3000)\n"
         "\n" +
         store_options_usage() +
         "\n"
         "LEVEL: trace, debug, info (default), warn, error. Logs go to stderr.\n"
         "exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid config, 4 plugin error, 5 invalid data,\n"
         "            6 bot halted by a plugin fault, 7 cannot write output,\n"
         "            8 the daemon refused the request or did not answer, 10 database unreachable, credentials\n"
         "            refused, malformed DSN or private cluster failed, 11 schema not current (run\n"
         "            `smoops db migrate`), 12 bot owned by another daemon, 13 no run with that id,\n"
         "            14 training failed, 15 credential refused (unknown, exists, wrong passphrase or key,\n"
         "            altered file), 16 a venue refused or did not answer (keys, instrument, connection)\n"
         "            (docs/exit-codes.md)\n";
}

namespace {

int dispatch(std::vector<std::string> args) {
  auto logger = spdlog::stderr_color_mt("smoops");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  while (!args.empty() && args.front().rfind("--log-level", 0) == 0) {
    std::string level;
    if (args.front().size() > 12 && args.front()[11] == '=') {
      level = args.front().substr(12);
      args.erase(args.begin());
    } else if (args.front() == "--log-level" && args.size() >= 2) {
      level = args[1];
      args.erase(args.begin(), args.begin() + 2);
    } else {
      throw UsageError("--log-level needs a value");
    }
    const auto parsed = spdlog::level::from_str(level);
    if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error")
      throw UsageError("--log-level: expected trace, debug, info, warn or error, got '" + level + "'");
    spdlog::set_level(parsed);
  }
  if (args.empty()) throw UsageError("no command given");
  const std::string command = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  auto sub = [&](const char* name) -> std::vector<std::string> {
    if (rest.empty() || rest.front() != name) throw UsageError("unknown command '" + command + (rest.empty() ? "" : " " + rest.front()) + "'");
    return {rest.begin() + 1, rest.end()};
  };
  if (command == "backtest") return backtest_command(rest, std::cout, std::cerr);
  if (command == "config") return config_check_command(sub("check"), std::cout, std::cerr);
  if (command == "plugins") return plugins_list_command(sub("list"), std::cout, std::cerr);
  if (command == "data") return data_generate_command(sub("generate"), std::cout, std::cerr);
  if (command == "status" || command == "bots" || command == "start" || command == "stop" || command == "pause" ||
      command == "resume" || command == "flatten" || command == "reload")
    return control_command(command, rest, std::cout, std::cerr);
  if (command == "watch") return watch_command(rest, std::cout, std::cerr);
  if (command == "keys") return keys_generate_command(sub("generate"), std::cout, std::cerr);
  if (command == "credentials") return credentials_command(rest, std::cout, std::cerr);
  if (command == "db") return db_command(rest, std::cout, std::cerr);
  if (command == "runs") return runs_command(rest, std::cout, std::cerr);
  if (command == "train") return train_command(rest, std::cout, std::cerr);
  if (command == "fetch-data") return fetch_data_command(rest, std::cout, std::cerr);
  if (command == "version" && rest.empty()) {
    std::cout << "smoops " << SMOOPS_VERSION << " (SDK ABI " << smoops::kAbiVersion << ")\n";
    return kExitOk;
  }
  if ((command == "help" || command == "--help" || command == "-h") && rest.empty()) {
    std::cout << usage();
    return kExitOk;
  }
  throw UsageError("unknown command '" + command + "'");
}

}  // namespace
}  // namespace smoops::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return smoops::cli::run_command([&] { return smoops::cli::dispatch(args); }, smoops::cli::usage(), std::cerr);
}
