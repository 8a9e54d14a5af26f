// The plugin entry of sma_cross; the strategy itself lives in smoops_sma_cross_core.
#include "sma_cross.hpp"
#include "smoops/plugin.hpp"

SMOOPS_PLUGIN("sma_cross", "1.0.0", smoops::sma_cross::SmaCross)
