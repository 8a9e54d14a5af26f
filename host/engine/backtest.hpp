#pragma once
// A backtest: one bot from its YAML, driven by a simulated clock over a CSV file of bars, with
// the fills, round trips and statistics collected into a report.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/bot_config.hpp"
#include "engine/bot_observer.hpp"
#include "engine/performance.hpp"
#include "engine/trade_tracker.hpp"
#include "plugin/plugin_registry.hpp"

namespace smoops::engine {

/// Options of a backtest run that are not in the bot's YAML.
struct BacktestOptions {
  std::optional<std::filesystem::path> data_file;  ///< overrides the YAML's data.csv
  std::size_t equity_points = 1000;                ///< most samples in the equity curve
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
  std::vector<Order> orders;   ///< in creation order, final state
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

/// Runs the bot of `bot` over its data; throws ConfigError (plugins, params) or DataError (CSV).
BacktestReport run_backtest(const config::BotConfig& bot, const plugin::PluginRegistry& registry,
                            const BacktestOptions& options);

}  // namespace smoops::engine
