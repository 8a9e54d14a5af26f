#pragma once
// What only a simulated exchange needs: the market events it matches its working orders against.
// A live venue matches on its own side and never implements this.

#include "smoops/market_data.hpp"

namespace smoops {

/// Implemented by simulated exchanges (Exchange::simulated_venue returns it). The engine calls it
/// on the bot's thread with every market event, before the strategy sees that event.
class SimulatedVenue {
 public:
  virtual ~SimulatedVenue() = default;
  /// A bar has happened; match working orders against it.
  virtual void on_market_bar(const Bar& bar) = 0;
  /// A public trade has happened; match working orders against it.
  virtual void on_market_trade(const Trade& trade) = 0;
};

}  // namespace smoops
