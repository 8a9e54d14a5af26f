#pragma once
// What a bot holds.

#include <string>

#include "smoops/fixed_point.hpp"

namespace smoops {

/// A bot's position in its instrument.
struct Position {
  Quantity quantity;        ///< signed: positive long, negative short, zero flat
  Price average_entry_price;///< cost basis per unit of the open quantity (rounded half-even)
  Money cost_basis;         ///< exact signed notional paid for the open quantity
  Money realized_pnl;       ///< closed PnL since the start, before fees
  Money unrealized_pnl;     ///< open PnL at the last mark price
  Money fees;               ///< fees paid since the start
};

/// An asset balance on an exchange account.
struct Balance {
  std::string asset;
  Money total;
  Money available;  ///< total less what open orders hold
};

}  // namespace smoops
