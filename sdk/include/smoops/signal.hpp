#pragma once
// A strategy's decision and the checks behind it, reported through Context::signal. The host logs
// it and, under smoopsd, publishes it on the bus (topic bot.<name>.signal).

#include <string>
#include <vector>

#include "smoops/fixed_point.hpp"

namespace smoops {

/// One check of a decision: what was measured, the bound it was held to, and whether it passed.
struct SignalCheck {
  std::string name;    ///< e.g. "confidence", "trend", "volatility", "cooldown"
  bool passed = true;
  double value = 0;    ///< what was measured
  std::string limit;   ///< the bound, as text: ">= 0.6", "[0.001, 0.02]", "agrees with up"
};

/// One decision, taken at Context::now().
struct Signal {
  std::string prediction;   ///< e.g. "up", "down", "flat"
  double confidence = 0;    ///< the model's probability of the prediction, 0..1
  std::string action;       ///< "buy", "sell" or "hold"
  Quantity quantity;        ///< what the action orders (zero for hold)
  std::string reason;       ///< why, in a few words: "all checks passed", "cooldown", ...
  std::vector<SignalCheck> checks;
};

}  // namespace smoops
