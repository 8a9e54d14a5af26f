#include "config/bot_config.hpp"

#include <algorithm>

#include "config/bot_sections.hpp"
#include "config/config_value.hpp"
#include "config/yaml_document.hpp"
#include "config/yaml_params.hpp"

namespace smoops::config {

namespace {

bool is_bot_name_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The name becomes part of client order ids, so it is kept to characters every exchange accepts.
std::string read_bot_name(const ConfigValue& value) {
  const std::string expected = "1 to " + std::to_string(kMaxBotNameLength) +
                               " characters from A-Z a-z 0-9 _ - (it becomes part of client order ids)";
  std::string name = value.as_text(expected);
  if (name.empty() || name.size() > kMaxBotNameLength || !std::all_of(name.begin(), name.end(), is_bot_name_character))
    value.fail_expected(expected);
  return name;
}

Mode read_mode(const ConfigValue& value) {
  const std::string mode = value.as_one_of({"backtest", "paper", "live"});
  if (mode == "paper") return Mode::Paper;
  if (mode == "live") return Mode::Live;
  return Mode::Backtest;
}

std::string read_asset(const ConfigValue& value) {
  std::string asset = value.as_text("an asset name such as BTC");
  if (asset.empty()) value.fail_expected("an asset name such as BTC");
  return asset;
}

// "BTC/USDT" → {"BTC", "USDT"}; nullopt unless there is exactly one '/' with text on both sides.
std::optional<std::pair<std::string, std::string>> split_symbol(const std::string& symbol) {
  const auto slash = symbol.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == symbol.size() ||
      symbol.find('/', slash + 1) != std::string::npos)
    return std::nullopt;
  return std::pair{symbol.substr(0, slash), symbol.substr(slash + 1)};
}

// `venue_fills_filters`: the bot runs on a live feed or venue, which has the filters the YAML
// leaves out (`given` says which it set).
Instrument read_instrument(const ConfigValue& value, bool venue_fills_filters = false,
                           InstrumentGiven* given = nullptr) {
  const ConfigMap section = value.as_map({"symbol", "base", "quote", "tick_size", "lot_size", "min_notional"});
  Instrument instrument;
  const ConfigValue symbol = section.require("symbol");
  instrument.symbol = symbol.as_text("a symbol such as BTC/USDT");
  if (instrument.symbol.empty()) symbol.fail_expected("a symbol such as BTC/USDT");

  const auto split = split_symbol(instrument.symbol);
  const auto base = section.find("base");
  const auto quote = section.find("quote");
  if (!split && (!base || !quote))
    symbol.fail("cannot split '" + instrument.symbol +
                "' into base and quote assets; write it as BASE/QUOTE (e.g. BTC/USDT) or set instrument.base and "
                "instrument.quote");
  instrument.base_asset = base ? read_asset(*base) : split->first;
  instrument.quote_asset = quote ? read_asset(*quote) : split->second;

  const auto tick_size = section.find("tick_size");
  const auto lot_size = section.find("lot_size");
  const auto min_notional = section.find("min_notional");
  if (!venue_fills_filters) {
    // A file-fed bot on a simulated venue has nobody to ask: the YAML must say it.
    instrument.tick_size = section.require("tick_size").as_decimal<Price>(DecimalRange::Positive);
    instrument.lot_size = section.require("lot_size").as_decimal<Quantity>(DecimalRange::Positive);
  } else {
    if (tick_size) instrument.tick_size = tick_size->as_decimal<Price>(DecimalRange::Positive);
    if (lot_size) instrument.lot_size = lot_size->as_decimal<Quantity>(DecimalRange::Positive);
  }
  if (min_notional) instrument.min_notional = min_notional->as_decimal<Money>(DecimalRange::NonNegative);
  if (given) *given = InstrumentGiven{tick_size.has_value(), lot_size.has_value(), min_notional.has_value()};
  return instrument;
}

// The plugin named by `name_key` in `section` (the map `value`) and its `params:`.
PluginRef plugin_ref_in(const ConfigValue& value, const ConfigMap& section, const char* name_key) {
  PluginRef ref;
  const ConfigValue plugin = section.require(name_key);
  ref.plugin = plugin.as_text("a plugin name");
  if (ref.plugin.empty()) plugin.fail_expected("a plugin name");
  ref.mark = plugin.mark();

  const std::string params_path = child_path(value.path(), "params");
  if (const auto params = section.find_non_null("params")) {
    if (!params->node().IsMap()) params->fail_shape("a map");
    ref.params = to_params(params->node(), value.file(), params_path);
  } else {
    // `params:` left empty or out: the plugin sees an empty map placed at its section.
    ref.params = Params::map(value.mark(), params_path);
  }
  return ref;
}

// A `{plugin: NAME, params: {...}}` section.
PluginRef read_plugin_ref(const ConfigValue& value) {
  return plugin_ref_in(value, value.as_map({"plugin", "params"}), "plugin");
}

DataConfig read_data(const ConfigValue& value, Mode mode) {
  const ConfigMap section = value.as_map({"csv", "speed", "feed", "interval", "trades", "params"});
  const auto csv = section.find("csv");
  const auto feed = section.find("feed");
  if (csv && feed) feed->fail("data takes either csv (a file) or feed (a live feed), not both");
  if (!csv && !feed)
    throw ConfigError(value.mark(), "data needs csv: FILE (bars from a file) or feed: EXCHANGE with interval (a live feed)");
  DataConfig data;
  if (csv) {
    if (mode == Mode::Live)
      csv->fail("mode live trades on a live feed; write data: {feed: binance, interval: 5m} (a file replay is "
                "mode paper)");
    data.csv = csv->as_path();
    data.mark = csv->mark();
    if (const auto speed = section.find("speed")) data.speed = speed->as_decimal<Ratio>(DecimalRange::Positive);
    for (const char* key : {"interval", "trades", "params"})
      if (const auto v = section.find(key)) v->fail(std::string(key) + " belongs to a live feed (data.feed), not to data.csv");
    return data;
  }
  if (mode == Mode::Backtest)
    feed->fail("a backtest reads its bars from a file (data.csv); a live feed is for modes paper and live");
  // The feed is an exchange plugin used for its public data: `data: {feed: NAME, params: {...}}`
  // reads like the `exchange:` section.
  data.feed = plugin_ref_in(value, section, "feed");
  data.mark = feed->mark();
  constexpr std::string_view kIntervalExpected =
      "a bar interval: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w or 1M";
  const ConfigValue interval = section.require("interval");
  data.interval = interval.as_text(kIntervalExpected);
  if (!is_bar_interval(data.interval)) interval.fail_expected(kIntervalExpected);
  if (const auto trades = section.find("trades")) data.trades = trades->as_bool();
  if (const auto speed = section.find("speed")) speed->fail("speed belongs to a file replay (data.csv); a live feed runs in real time");
  return data;
}

RiskLimits read_risk(const ConfigValue& value) {
  const ConfigMap section = value.as_map({"max_position", "max_order_notional", "max_open_orders", "max_daily_loss",
                                          "kill_switch"});
  RiskLimits risk;
  if (const auto v = section.find("max_position")) risk.max_position = v->as_decimal<Quantity>(DecimalRange::Positive);
  if (const auto v = section.find("max_order_notional"))
    risk.max_order_notional = v->as_decimal<Money>(DecimalRange::Positive);
  if (const auto v = section.find("max_open_orders")) risk.max_open_orders = v->as_integer_at_least(1);
  if (const auto v = section.find("max_daily_loss")) risk.max_daily_loss = v->as_decimal<Money>(DecimalRange::Positive);
  if (const auto v = section.find("kill_switch")) risk.kill_switch = v->as_bool();
  return risk;
}

Money read_initial_cash(const ConfigValue& value) {
  const ConfigMap section = value.as_map({"initial_cash"});
  if (const auto cash = section.find("initial_cash")) return cash->as_decimal<Money>(DecimalRange::Positive);
  return kDefaultInitialCash;
}

}  // namespace

Instrument read_instrument_section(const ConfigValue& value) { return read_instrument(value); }

bool is_bar_interval(std::string_view interval) {
  static constexpr std::string_view kIntervals[] = {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h",
                                                    "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"};
  return std::find(std::begin(kIntervals), std::end(kIntervals), interval) != std::end(kIntervals);
}
PluginRef read_plugin_section(const ConfigValue& value) { return read_plugin_ref(value); }

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::Backtest: return "backtest";
    case Mode::Paper: return "paper";
    case Mode::Live: return "live";
  }
  return "unknown";
}

BotConfig parse_bot_config(std::string_view yaml_text, const std::filesystem::path& file) {
  const YAML::Node root = parse_yaml_document(yaml_text, file);
  if (root.IsNull())
    throw ConfigError(source_mark(root.Mark(), file),
                      "the file holds no settings; expected a map with name, mode, instrument, strategy and exchange");
  // Every key of the top level is checked before any value, so a misspelt section is reported
  // as a misspelling rather than as the section it was meant to be going missing.
  const ConfigMap top = ConfigValue::root(root, file).as_map(
      {"name", "mode", "instrument", "strategy", "exchange", "model", "data", "risk", "account"});

  BotConfig config;
  config.file = file;
  config.name = read_bot_name(top.require("name"));
  config.mode = read_mode(top.require("mode"));
  const auto data = top.find("data");
  if (!data)
    throw ConfigError(top.mark(), "missing required key 'data' (mode " + std::string(to_string(config.mode)) +
                                      (config.mode == Mode::Backtest ? " reads its bars from data.csv)"
                                       : config.mode == Mode::Paper ? " reads its bars from data.csv or a live feed, data.feed)"
                                                                     : " reads its bars from a live feed, data.feed)"));
  config.data = read_data(*data, config.mode);
  config.instrument = read_instrument(top.require("instrument"), config.data->live_feed(), &config.instrument_given);
  config.strategy = read_plugin_ref(top.require("strategy"));
  config.exchange = read_plugin_ref(top.require("exchange"));
  if (const auto model = top.find("model")) config.model = read_plugin_ref(*model);
  if (const auto risk = top.find("risk")) config.risk = read_risk(*risk);
  if (const auto account = top.find("account")) config.initial_cash = read_initial_cash(*account);
  return config;
}

BotConfig load_bot_config(const std::filesystem::path& file) { return parse_bot_config(read_config_text(file), file); }

}  // namespace smoops::config
