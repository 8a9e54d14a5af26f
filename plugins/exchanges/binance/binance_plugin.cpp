// The plugin entry of binance; the connector itself lives in smoops_binance_core.
#include "binance_exchange.hpp"
#include "smoops/plugin.hpp"

SMOOPS_PLUGIN("binance", "1.0.0", smoops::binance::BinanceExchange)
