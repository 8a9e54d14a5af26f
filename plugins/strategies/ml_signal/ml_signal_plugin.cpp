// The plugin entry of ml_signal; the strategy itself lives in smoops_ml_signal_core.
#include "ml_signal.hpp"
#include "smoops/plugin.hpp"

SMOOPS_PLUGIN("ml_signal", "1.0.0", smoops::ml_signal::MlSignal)
