#pragma once
// A bot's YAML, parsed and validated into typed values. Relative paths in the file are resolved
// against the directory of the file.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_error.hpp"
#include "smoops/instrument.hpp"
#include "smoops/params.hpp"

namespace smoops::config {

/// How a bot trades.
enum class Mode { Backtest, Paper, Live };

/// "backtest", "paper", "live".
std::string_view to_string(Mode mode);

/// A `strategy:`, `exchange:` or `model:` section.
struct PluginRef {
  std::string plugin;  ///< plugin name
  SourceMark mark;     ///< where the plugin name was written (for "no such plugin")
  Params params = Params::map({}, "");  ///< the `params:` map (empty map when absent), paths "strategy.params.x"
};

/// The `risk:` section; an absent limit is no limit.
struct RiskLimits {
  std::optional<Quantity> max_position;        ///< largest absolute position
  std::optional<Money> max_order_notional;     ///< largest price × quantity of one order
  std::optional<std::int64_t> max_open_orders; ///< most orders working at once
  std::optional<Money> max_daily_loss;         ///< equity drop since the UTC day's start that halts the bot
  bool kill_switch = false;                    ///< true: deny every new order
};

/// The `data:` section: a file (`csv:`) or a live feed (`feed:`), never both.
struct DataConfig {
  std::filesystem::path csv;  ///< absolute after loading; empty for a live feed
  SourceMark mark;            ///< where `csv:` or `feed:` was written
  /// Paper mode: how many times faster than real time the file is replayed as a live feed
  /// (`speed: 1000` plays 1000 seconds of bars per second). Ignored by backtests.
  Ratio speed = Ratio::from_units(1);
  /// The exchange plugin whose public market data the bot runs on (`feed: binance`, its params from
  /// `data.params`); feed.plugin is empty for a file.
  PluginRef feed;
  std::string interval;  ///< the feed's bar interval, e.g. "5m" (the venue's names)
  bool trades = false;   ///< the feed also delivers public trades (Strategy::on_trade)
  /// True for `feed:`.
  bool live_feed() const { return !feed.plugin.empty(); }
};

/// Which instrument filters the YAML sets. A bot on a live feed or venue may leave them to the
/// venue (`instrument: {symbol: BTC/USDT}`); one it sets must agree with the venue's.
struct InstrumentGiven {
  bool tick_size = true;
  bool lot_size = true;
  bool min_notional = true;
};

/// `account.initial_cash` when the file does not set it: a round million quote units, large
/// enough that a backtest of one instrument is never cash-bound by accident. (Documented in the
/// config reference as the default.)
inline constexpr Money kDefaultInitialCash = Money::from_units(1'000'000);

/// The bar intervals a feed may name (Binance's kline intervals).
bool is_bar_interval(std::string_view interval);

/// Longest bot name: it becomes part of every client order id, which exchanges limit in length.
inline constexpr std::size_t kMaxBotNameLength = 64;

/// A whole bot file.
struct BotConfig {
  std::filesystem::path file;
  std::string name;
  Mode mode = Mode::Backtest;
  Instrument instrument;
  PluginRef strategy;
  PluginRef exchange;
  std::optional<PluginRef> model;
  InstrumentGiven instrument_given;
  std::optional<DataConfig> data;  ///< required in every mode (live: a feed)
  RiskLimits risk;
  Money initial_cash = kDefaultInitialCash;  ///< `account.initial_cash`
};

/// Reads and validates a bot file; throws ConfigError.
BotConfig load_bot_config(const std::filesystem::path& file);
/// Parses bot YAML text; `file` names it in errors and relative paths resolve against its directory.
BotConfig parse_bot_config(std::string_view yaml_text, const std::filesystem::path& file);

}  // namespace smoops::config
