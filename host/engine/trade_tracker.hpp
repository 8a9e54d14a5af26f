#pragma once
// Turns fills into round-trip trades: a trade opens when the position leaves zero and closes
// when it returns to zero. A fill that flips the position closes one trade and opens the next;
// its fee is split between them in proportion to quantity (rounded half-even, the remainder to
// the new trade). A trade's pnl is the realized PnL of the round trip less all its fees: exact.

#include <optional>
#include <vector>

#include "engine/portfolio.hpp"
#include "smoops/order.hpp"

namespace smoops::engine {

/// One closed round trip.
struct RoundTrip {
  Side direction = Side::Buy;  ///< Buy: a long trade; Sell: a short one
  Timestamp entry_ts;          ///< first entry fill
  Price entry_price;           ///< volume-weighted over entry fills, rounded half-even
  Timestamp exit_ts;           ///< last exit fill
  Price exit_price;            ///< volume-weighted over exit fills, rounded half-even
  Quantity quantity;           ///< total quantity entered
  Money pnl;                   ///< realized PnL less fees
  Money fees;
};

/// Collects round trips from a bot's fills.
class TradeTracker {
 public:
  /// Books a fill; `after` is the portfolio with the fill applied.
  void on_fill(const Fill& fill, const Portfolio& after);
  const std::vector<RoundTrip>& trades() const { return trades_; }
  /// True while a position is open (its trade is not in trades()).
  bool has_open_trade() const { return open_.has_value(); }

 private:
  struct OpenTrade {
    Side direction;
    Timestamp entry_ts;
    Timestamp exit_ts;
    Quantity entry_quantity;
    Money entry_notional;
    Quantity exit_quantity;
    Money exit_notional;
    Money fees;
    Money realized_at_open;
  };
  void open(Side direction, const Fill& fill, Quantity quantity, Money fee, Money realized_before);
  void close(Money realized_now);

  std::optional<OpenTrade> open_;
  std::vector<RoundTrip> trades_;
};

}  // namespace smoops::engine
