#pragma once
// A tradable market and the filters an order must pass before it may leave.

#include <string>

#include "smoops/fixed_point.hpp"

namespace smoops {

/// A market such as BTC/USDT: what is traded, in what, and in which increments.
struct Instrument {
  std::string symbol;       ///< as the exchange names it, e.g. "BTC/USDT"
  std::string base_asset;   ///< what a quantity counts, e.g. "BTC"
  std::string quote_asset;  ///< what a price and cash are in, e.g. "USDT"
  Price tick_size = Price::from_raw(1);        ///< every price is a multiple of this
  Quantity lot_size = Quantity::from_raw(1);   ///< every quantity is a multiple of this
  Money min_notional;                          ///< smallest price × quantity an order may have
};

}  // namespace smoops
