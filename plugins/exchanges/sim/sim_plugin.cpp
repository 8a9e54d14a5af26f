// The plugin entry of sim; the exchange itself lives in smoops_sim_core.
#include "sim_exchange.hpp"
#include "smoops/plugin.hpp"

SMOOPS_PLUGIN("sim", "1.0.0", smoops::sim::SimExchange)
