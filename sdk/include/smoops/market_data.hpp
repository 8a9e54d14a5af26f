#pragma once
// Market data events: bars (OHLCV) and public trades.

#include <cstdint>

#include "smoops/fixed_point.hpp"
#include "smoops/order.hpp"
#include "smoops/time.hpp"

namespace smoops {

/// One OHLCV bar. `ts` is the bar's open time, as in the data files.
struct Bar {
  Timestamp ts;
  Price open;
  Price high;
  Price low;
  Price close;
  Quantity volume;
};

/// One public trade on the exchange (a tick).
struct Trade {
  Timestamp ts;
  std::int64_t trade_id = 0;  ///< the exchange's id for this trade
  Side aggressor = Side::Buy; ///< the taker's side
  Price price;
  Quantity quantity;
};

}  // namespace smoops
