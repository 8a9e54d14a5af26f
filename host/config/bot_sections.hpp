#pragma once
// Sections of a bot file that other files reuse (the `evaluation:` of a model config names an
// instrument and plugins the same way a bot does).

#include "config/bot_config.hpp"
#include "config/config_value.hpp"

namespace smoops::config {

/// An `instrument:` map (symbol, tick_size, lot_size, min_notional), as in a bot file.
Instrument read_instrument_section(const ConfigValue& value);
/// A `{plugin: NAME, params: {...}}` map, as the strategy/exchange/model sections of a bot file.
PluginRef read_plugin_section(const ConfigValue& value);

}  // namespace smoops::config
