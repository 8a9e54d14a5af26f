#pragma once
// The parameters of the simulated exchange, validated (see docs/sim-exchange.md).

#include <optional>

#include "smoops/fixed_point.hpp"
#include "smoops/params.hpp"

namespace smoops::sim {

/// What the `exchange.params` of a bot using "sim" may set.
struct SimConfig {
  Ratio taker_fee_rate;                    ///< `fee_rate`, in [0, 0.1], default 0
  Ratio maker_fee_rate;                    ///< `maker_fee_rate`, in [0, 0.1], default fee_rate
  Ratio slippage_bps;                      ///< `slippage_bps`, basis points in [0, 10000), default 0
  std::optional<Ratio> max_volume_share;   ///< `max_volume_share`, in (0, 1]; absent: no cap

  /// Reads and validates the parameters; throws ParamError at the offending value.
  static SimConfig from(const Params& params);
};

}  // namespace smoops::sim
