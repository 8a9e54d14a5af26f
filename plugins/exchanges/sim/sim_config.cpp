#include "sim_config.hpp"

#include <string>
#include <string_view>

namespace smoops::sim {
namespace {

constexpr Ratio kMaxFeeRate = Ratio::from_raw(kFixedScale / 10);  // 10%: anything above is a typo
constexpr Ratio kBasisPointsPerUnit = Ratio::from_units(10'000);

// Throws at the value under `key` unless `valid`; `expected` completes "must be ...".
void require(bool valid, const Params& params, std::string_view key, std::string_view expected) {
  if (valid) return;
  const Params& value = params.at(key);
  Params::fail(value.mark(), value.path() + ": must be " + std::string(expected) + ", got " + value.text());
}

Ratio fee_rate(const Params& params, std::string_view key, Ratio fallback) {
  const Ratio rate = params.get_fixed<Ratio>(key, fallback);
  require(rate >= Ratio() && rate <= kMaxFeeRate, params, key, "in [0, 0.1]");
  return rate;
}

}  // namespace

SimConfig SimConfig::from(const Params& params) {
  params.allow_only({"fee_rate", "maker_fee_rate", "slippage_bps", "max_volume_share"});
  SimConfig config;
  config.taker_fee_rate = fee_rate(params, "fee_rate", Ratio());
  config.maker_fee_rate = fee_rate(params, "maker_fee_rate", config.taker_fee_rate);
  config.slippage_bps = params.get_fixed<Ratio>("slippage_bps", Ratio());
  require(config.slippage_bps >= Ratio() && config.slippage_bps < kBasisPointsPerUnit, params, "slippage_bps",
          ">= 0 and < 10000");
  if (params.has("max_volume_share")) {
    const Ratio share = params.get_fixed<Ratio>("max_volume_share");
    require(share.is_positive() && share <= Ratio::from_units(1), params, "max_volume_share", "in (0, 1]");
    config.max_volume_share = share;
  }
  return config;
}

}  // namespace smoops::sim
