#include <fstream>
#include <ostream>

#include "cli/arguments.hpp"
#include "cli/backtest_output.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "config/bot_config.hpp"

namespace smoops::cli {

int backtest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, {"config", "data", "json", "equity-points", "plugin-dir"}, {"no-orders"});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const config::BotConfig bot = config::load_bot_config(parsed.required("config"));

  engine::BacktestOptions options;
  if (auto data = parsed.value("data")) options.data_file = std::filesystem::absolute(*data);
  options.equity_points = static_cast<std::size_t>(parsed.integer("equity-points", 1000, 2, 1'000'000));
  options.record_orders = !parsed.flag("no-orders");
  if (bot.mode != config::Mode::Backtest)
    err << "note: " << bot.file.string() << " has mode " << config::to_string(bot.mode)
        << "; running it as a backtest\n";

  const plugin::PluginRegistry registry(plugin_search_path(parsed.values("plugin-dir")));
  const engine::BacktestReport report = engine::run_backtest(bot, registry, options);
  print_backtest_summary(report, out);

  if (auto json_path = parsed.value("json")) {
    std::ofstream file(*json_path, std::ios::binary | std::ios::trunc);
    if (file) file << backtest_to_json(report).dump(2) << '\n';
    if (!file) throw OutputError("cannot write " + *json_path);
    out << "  report          " << *json_path << '\n';
  }
  if (report.faulted) {
    err << "error: bot " << report.bot_name << " halted: " << report.halt_reason << '\n';
    return kExitBotFault;
  }
  return kExitOk;
}

}  // namespace smoops::cli
