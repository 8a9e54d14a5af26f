#pragma once
// A backtest: one bot from its YAML, driven by a simulated clock over a CSV file of bars, with
// the fills, round trips and statistics collected into a report.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/bot_config.hpp"
#include "data/bar_source.hpp"
#include "engine/bot_observer.hpp"
#include "engine/performance.hpp"
#include "engine/trade_tracker.hpp"
#include "plugin/plugin_registry.hpp"

namespace smoops::engine {

/// Options of a backtest run that are not in the bot's YAML.
struct BacktestOptions {
  std::optional<std::filesystem::path> data_file;  ///< overrides the YAML's data.csv
  std::size_t equity_points = 1000;                ///< most samples in the equity curve
  bool record_orders = true;                       ///< false: report.orders stays empty (order_count still counts)
  BotObserver* observer = nullptr;                 ///< also told of every event (e.g. to keep every bar's equity)
};

/// Everything a backtest produced.
struct BacktestReport {
  std::string bot_name;
  std::string strategy_plugin;
  std::string exchange_plugin;
  std::filesystem::path data_file;
  Instrument instrument;
  Money initial_cash;
  Money total_pnl;             ///< final equity − initial cash (includes an open position's PnL)
  Money fees;
  Position final_position;
  std::vector<RoundTrip> trades;
  std::vector<Order> orders;   ///< in creation order, final state (empty unless options.record_orders)
  std::size_t order_count = 0; ///< orders created, denied ones included
  std::vector<EquityPoint> equity;
  PerformanceSummary performance;
  double win_rate = 0;                  ///< winning trades / trades, in [0, 1]
  std::optional<double> profit_factor;  ///< gross profit / gross loss; unset without losing trades
  BotState final_state = BotState::Stopped;
  std::string halt_reason;
  bool faulted = false;  ///< halted because a plugin threw
  double elapsed_s = 0;
  double bars_per_s = 0;
};

/// Runs the bot of `bot` over its CSV data (options.data_file, else data.csv); throws
/// ConfigError (plugins, params) or DataError (CSV).
BacktestReport run_backtest(const config::BotConfig& bot, const plugin::PluginRegistry& registry,
                            const BacktestOptions& options);

/// Runs the bot over the bars of `source` (options.data_file is ignored; report.data_file is
/// `source_name`).
BacktestReport run_backtest(const config::BotConfig& bot, const plugin::PluginRegistry& registry,
                            const BacktestOptions& options, data::BarSource& source,
                            const std::filesystem::path& source_name);

}  // namespace smoops::engine
