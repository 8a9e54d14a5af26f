#pragma once
// The simulated exchange: fills a bot's orders against the bars (or trades) the engine feeds it,
// with fees, slippage, an optional volume cap and the intra-bar rules of sim_matching.hpp.
// Everything it reports goes synchronously through the session's ExchangeEvents; the full
// behaviour is documented in docs/sim-exchange.md. Given a state folder it keeps its own durable
// record there, as a venue does (sim_journal.hpp), and picks up where it was after a restart.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim_config.hpp"
#include "sim_journal.hpp"
#include "sim_matching.hpp"
#include "sim_records.hpp"
#include "smoops/exchange.hpp"
#include "smoops/params.hpp"

namespace smoops::sim {

/// The name of the journal inside ExchangeSession::state_dir.
inline constexpr const char* kJournalFileName = "sim-exchange.jsonl";

/// The "sim" exchange plugin class.
class SimExchange : public Exchange, public SimulatedVenue {
 public:
  /// Validates `params` (see SimConfig); throws ParamError.
  explicit SimExchange(const Params& params);
  explicit SimExchange(SimConfig config);

  /// With a state_dir, opens (or starts) the journal there and restores the account, the orders
  /// and the counters from it; throws std::runtime_error naming file:line for a corrupt line.
  void connect(const ExchangeSession& session) override;
  std::vector<Instrument> instruments() override;
  /// Nothing to do: the engine feeds a simulated exchange its market data.
  void subscribe(const Subscription&) override {}
  void submit(const Order& order) override;
  void cancel(const Order& order) override;
  std::vector<Order> open_orders() override;
  std::vector<Balance> balances() override;
  /// Any order this venue received (working or ended), as it stands now.
  std::optional<Order> query_order(const std::string& client_order_id) override;
  std::vector<Fill> order_fills(const std::string& client_order_id) override;
  SimulatedVenue* simulated_venue() override { return this; }
  /// With a state_dir, a bar at or before the last one that changed anything is not matched
  /// again: a restarted daemon replays bars the venue has already seen.
  void on_market_bar(const Bar& bar) override;
  /// Matches working orders against one trade as if it were a bar whose open, high, low and
  /// close are the trade price and whose volume is the trade quantity.
  void on_market_trade(const Trade& trade) override;

 private:
  /// An order the venue received, working or ended.
  struct VenueOrder {
    Order order;
    std::vector<Fill> fills{};  // in the order they happened
    bool triggered = false;  // a stop order reached its stop price
    bool arrived = false;    // it has met at least one bar
    bool finished = false;   // filled, canceled, expired or rejected; leaves working_ after matching
  };

  ExchangeEvents& events() const;
  /// Why `order` cannot be accepted at all, or empty when it can.
  std::string rejection_reason(const Order& order) const;
  /// Matches working_[index] against `bar`, drawing its fill from `volume_left`.
  void match(std::size_t index, const Bar& bar, Quantity& volume_left);
  void fill(std::size_t index, const Execution& execution, Quantity quantity, Timestamp ts);
  /// Records and reports a status change of working_[index]; a terminal status ends it.
  void change_status(std::size_t index, OrderStatus status, std::string reason);
  void remove_finished();

  // The state changes, shared by the live path and the replay of the journal.
  void apply_status(VenueOrder& venue_order, const OrderUpdate& update);
  void apply_fill(VenueOrder& venue_order, const Fill& fill);
  Money quote_total() const { return initial_cash_ + cash_change_; }

  /// Appends `record` to the journal (when there is one) before the event it records is reported;
  /// inside on_market_bar the bar being matched is recorded first.
  void record(const SimRecord& record);
  /// Records, once per bar, that the venue matched its orders against the current bar.
  void record_bar();
  /// Opens the journal under session.state_dir: starts the account in a new one, restores the
  /// state from an existing one.
  void open_journal(const ExchangeSession& session);
  void replay_record(const SimRecord& record, const ExchangeSession& session);

  SimConfig config_;
  Slippage slippage_;
  ExchangeEvents* events_ = nullptr;
  Logger* log_ = nullptr;
  Instrument instrument_;
  Money initial_cash_;
  Money cash_change_;      // quote received minus paid (fees included) since the account opened
  Quantity base_position_;
  // Every order received, by client order id; node-based, so working_'s pointers stay valid.
  std::unordered_map<std::string, VenueOrder> orders_;
  std::vector<VenueOrder*> working_;  // in submission order
  bool matching_ = false;  // inside on_market_bar: callbacks may add or cancel orders
  Timestamp now_;          // the last market event's time: the engine's clock in a backtest
  Price last_price_;
  std::uint64_t order_counter_ = 0;
  std::uint64_t trade_counter_ = 0;

  std::optional<SimJournal> journal_;      // only with a state_dir
  std::optional<Timestamp> last_matched_;  // the last bar recorded in the journal
  bool bar_recorded_ = false;              // the current bar is in the journal already
};

}  // namespace smoops::sim
