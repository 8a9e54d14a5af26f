#pragma once
// One bot: a single-threaded, deterministic loop that feeds market events to the exchange and
// the strategy, runs orders through the pre-trade checks and the order state machine, and books
// fills in the portfolio. The bot is the strategy's Context and the exchange's ExchangeEvents.
//
// Exchange events are queued and applied between strategy callbacks, never inside one, so a
// strategy is never re-entered (a simulated exchange that acknowledges an order inside submit()
// is seen by the strategy after its callback returns).

#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config/bot_config.hpp"
#include "engine/bot_observer.hpp"
#include "engine/clock.hpp"
#include "engine/order_journal.hpp"
#include "engine/portfolio.hpp"
#include "smoops/context.hpp"
#include "smoops/exchange.hpp"
#include "smoops/strategy.hpp"

namespace smoops::engine {

/// Everything a bot is made of. The pointed-to objects must outlive the bot.
struct BotParts {
  std::string name;
  Instrument instrument;
  config::RiskLimits risk;
  Money initial_cash;
  const Params* strategy_params = nullptr;
  Strategy* strategy = nullptr;
  Exchange* exchange = nullptr;
  Model* model = nullptr;        ///< optional
  Clock* clock = nullptr;
  Logger* logger = nullptr;
  BotObserver* observer = nullptr;  ///< optional
  OrderJournal* journal = nullptr;  ///< optional: write-ahead journal of orders (paper and live)
  std::string exchange_state_dir;   ///< passed to the exchange (ExchangeSession::state_dir); empty: none
  /// Level of the log line each Context::signal writes (a backtest lowers it to Debug: one
  /// decision per bar would drown its output).
  LogLevel signal_log_level = LogLevel::Info;
};

/// A bot's engine. Not thread-safe: one thread drives it.
class Bot final : public Context, public ExchangeEvents {
 public:
  explicit Bot(BotParts parts);
  ~Bot() override;
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;

  /// Before start(): takes over books recovered from the store (cash, position, working orders,
  /// the order sequence), so that the bot goes on where it stopped.
  void restore(const RecoveredState& state);
  /// Connects the exchange and calls the strategy's on_start.
  void start();
  /// After start() on a restored bot: asks the exchange about every working order and applies
  /// what the store missed (fills, status changes). An order the exchange never received is
  /// marked rejected, never resent; a cancel that did not reach it is sent again.
  ReconcileReport reconcile();
  /// The client order id the bot's next order gets ("<bot>-<n>"; after a restore, n continues
  /// the stored sequence).
  std::string next_client_order_id() const;
  /// After start(): the exchange's record of one order (Exchange::query_order), asked on the bot's
  /// thread; nullopt when the venue never received it, or when the exchange threw (then the bot
  /// halts, as for any exchange fault).
  std::optional<Order> venue_order(const std::string& client_order_id);
  /// One bar: timers due by its time, exchange matching, mark to its close, the strategy's on_bar.
  void process_bar(const Bar& bar);
  /// One public trade: timers, exchange matching, mark, the strategy's on_trade.
  void process_trade(const Trade& trade);
  /// Calls the strategy's on_stop and disconnects the exchange.
  void stop();
  /// Halts the bot: no strategy callbacks, every new order denied, working orders canceled.
  void halt(const std::string& reason);
  /// Paused: the strategy still sees every event, but every new order it submits is denied.
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  /// Cancels every working order and sends a market order that closes the position (an operator
  /// action: it passes the risk limits, the kill switch, a pause and a halt; only the order's
  /// shape is checked). Returns the closing order's id, or "" when the bot was flat.
  std::string flatten();
  /// Cancels every working order (operator action or shutdown); returns how many.
  std::size_t cancel_all();

  BotState state() const { return state_; }
  const std::string& halt_reason() const { return halt_reason_; }
  /// True when the bot halted because a plugin threw (not because of a risk limit).
  bool faulted() const { return faulted_; }
  const Portfolio& portfolio() const { return portfolio_; }
  /// How many ended orders stay reachable through order(); older ones are forgotten (before the
  /// next market event, never during a callback) so that a bot's memory does not grow with its
  /// running time.
  static constexpr std::size_t kEndedOrdersKept = 1000;

  // Context
  smoops::Clock& clock() const override { return clock_; }
  bool warming_up() const override { return warming_up_; }
  const std::string& bot_name() const override { return parts_.name; }
  const Instrument& instrument() const override { return parts_.instrument; }
  SubmitResult submit(const OrderRequest& request) override;
  bool cancel(std::string_view client_order_id) override;
  const Order* order(std::string_view client_order_id) const override;
  std::vector<const Order*> open_orders() const override;
  const Position& position() const override { return portfolio_.position(); }
  Money cash() const override { return portfolio_.cash(); }
  Money equity() const override { return portfolio_.equity(); }
  Logger& log() override { return *parts_.logger; }
  const Params& params() const override { return *parts_.strategy_params; }
  Model* model() override { return parts_.model; }
  void signal(const Signal& decision) override;

  // ExchangeEvents
  void on_order_update(const OrderUpdate& update) override;
  void on_fill(const Fill& fill) override;
  void on_bar(const Bar& bar) override;
  void on_trade(const Trade& trade) override;
  void on_error(std::string_view message) override;

 private:
  /// The strategy's Clock: time from the engine's clock, timers kept by the bot.
  class BotClock final : public smoops::Clock {
   public:
    explicit BotClock(Bot& bot) : bot_(bot) {}
    Timestamp now() const override;
    TimerId set_timer(Timestamp at, Duration every) override;
    void cancel_timer(TimerId id) override;

   private:
    Bot& bot_;
  };
  using ExchangeEvent = std::variant<OrderUpdate, Fill>;
  struct OrderRecord {
    Order order;
    std::vector<std::string> trade_ids;  // fills booked, so that a repeated one is booked once
  };

  template <class Callback>
  void call_strategy(const char* handler, Callback&& callback);
  template <class Callback>
  void call_exchange(const char* operation, Callback&& callback);
  template <class Handle>
  void guard_market_event(const char* what, Timestamp ts, Handle&& handle);
  void apply_exchange_events();
  void apply(const OrderUpdate& update);
  void apply(const Fill& fill);
  void fire_timers_until(Timestamp ts);
  void advance_clock(Timestamp ts);
  void mark(Price price, Timestamp ts);
  void record_order(const Order& order);
  void retire_if_ended(const Order& order);
  void forget_old_ended_orders();
  OrderRecord* find_record(std::string_view client_order_id);
  void set_state(BotState state, std::string_view reason);
  std::string order_id_for(std::uint64_t sequence) const;
  Order new_order(const OrderRequest& request);
  SubmitResult deny(Order order, const std::string& reason);
  SubmitResult send(Order order);
  void reconcile_order(const std::string& client_order_id, ReconcileReport& report);
  void handle_bar(const Bar& bar);
  void handle_trade(const Trade& trade);
  void check_daily_loss(Timestamp ts);
  void process_deferred_market_events();

  BotParts parts_;
  SimulatedClock* simulated_clock_ = nullptr;  // set when parts_.clock is simulated
  SimulatedVenue* simulated_venue_ = nullptr;  // set when the exchange is simulated
  mutable BotClock clock_{*this};
  bool warming_up_ = false;
  Portfolio portfolio_;
  BotState state_ = BotState::Created;
  std::string halt_reason_;
  bool faulted_ = false;
  bool paused_ = false;
  std::uint64_t next_order_sequence_ = 1;
  std::unordered_map<std::string, OrderRecord> orders_;
  std::vector<Order*> open_orders_;             // working orders, oldest first
  std::deque<std::string> ended_order_ids_;     // oldest first, at most kEndedOrdersKept
  std::deque<ExchangeEvent> pending_events_;
  std::map<std::pair<Timestamp, TimerId>, Duration> timers_;
  TimerId next_timer_id_ = 1;
  std::int64_t current_day_ = INT64_MIN;        // UTC day number of the last mark
  Money day_start_equity_;
  bool processing_market_event_ = false;
  std::deque<std::variant<Bar, Trade>> deferred_market_events_;  // feed events that arrived mid-event
};

}  // namespace smoops::engine
