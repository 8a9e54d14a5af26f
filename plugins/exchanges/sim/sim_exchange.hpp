#pragma once
// The simulated exchange: fills a bot's orders against the bars (or trades) the engine feeds it,
// with fees, slippage, an optional volume cap and the intra-bar rules of sim_matching.hpp.
// Everything it reports goes synchronously through the session's ExchangeEvents; the full
// behaviour is documented in docs/sim-exchange.md.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim_config.hpp"
#include "sim_matching.hpp"
#include "smoops/exchange.hpp"
#include "smoops/params.hpp"

namespace smoops::sim {

/// The "sim" exchange plugin class.
class SimExchange : public Exchange {
 public:
  /// Validates `params` (see SimConfig); throws ParamError.
  explicit SimExchange(const Params& params);
  explicit SimExchange(SimConfig config);

  void connect(const ExchangeSession& session) override;
  std::vector<Instrument> instruments() override;
  /// Nothing to do: the engine feeds a simulated exchange its market data.
  void subscribe(const Subscription&) override {}
  void submit(const Order& order) override;
  void cancel(const Order& order) override;
  std::vector<Order> open_orders() override;
  std::vector<Balance> balances() override;
  void on_market_bar(const Bar& bar) override;
  /// Matches working orders against one trade as if it were a bar whose open, high, low and
  /// close are the trade price and whose volume is the trade quantity.
  void on_market_trade(const Trade& trade) override;

 private:
  struct WorkingOrder {
    Order order;
    bool triggered = false;  // a stop order reached its stop price
    bool arrived = false;    // it has met at least one bar
    bool finished = false;   // filled, canceled, expired or rejected; removed after matching
  };

  ExchangeEvents& events() const;
  /// Why `order` cannot be accepted at all, or empty when it can.
  std::string rejection_reason(const Order& order) const;
  /// Matches working_[index] against `bar`, drawing its fill from `volume_left`.
  void match(std::size_t index, const Bar& bar, Quantity& volume_left);
  void fill(std::size_t index, const Execution& execution, Quantity quantity, Timestamp ts);
  /// Reports a status change of working_[index]; `finishes` ends it first.
  void report(std::size_t index, OrderStatus status, std::string reason, bool finishes);
  void remove_finished();

  SimConfig config_;
  Slippage slippage_;
  ExchangeEvents* events_ = nullptr;
  Instrument instrument_;
  Money initial_cash_;
  Money cash_change_;      // quote received minus paid (fees included) since connect
  Quantity base_position_;
  std::vector<WorkingOrder> working_;  // in submission order
  bool matching_ = false;  // inside on_market_bar: callbacks may add or cancel orders
  Timestamp now_;          // the last market event's time: the engine's clock in a backtest
  Price last_price_;
  std::uint64_t order_counter_ = 0;
  std::uint64_t trade_counter_ = 0;
};

}  // namespace smoops::sim
