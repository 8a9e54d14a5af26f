#pragma once
// One bot: a single-threaded, deterministic loop that feeds market events to the exchange and
// the strategy, runs orders through the pre-trade checks and the order state machine, and books
// fills in the portfolio. The strategy sees it through a StrategyContext, the exchanges report to
// it through an ExchangeEventSink.
//
// Exchange events are queued and applied between strategy callbacks, never inside one, so a
// strategy is never re-entered (a simulated exchange that acknowledges an order inside submit()
// is seen by the strategy after its callback returns). Events from other threads (a live
// connector's I/O) wait in a bounded queue until the bot's thread takes them
// (process_queued_events).

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config/bot_config.hpp"
#include "engine/bot_observer.hpp"
#include "engine/clock.hpp"
#include "engine/event_queue.hpp"
#include "engine/exchange_event_sink.hpp"
#include "engine/order_journal.hpp"
#include "engine/portfolio.hpp"
#include "engine/strategy_context.hpp"
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
  /// The exchange's API credentials (ExchangeSession::credentials); they must outlive the bot.
  ApiCredentials credentials;
};

/// A bot's engine. One thread drives it (the thread that calls start()); only
/// exchange_events(), wait_for_events(), wake() and event_queue_stats() may be used from others.
class Bot final {
 public:
  /// The reason of every order a strategy submits while it warms up.
  static constexpr const char* kWarmUpDenial = "warm-up";

  explicit Bot(BotParts parts);
  ~Bot();
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;

  /// Before start(): takes over books recovered from the store (cash, position, working orders,
  /// the order sequence), so that the bot goes on where it stopped.
  void restore(const RecoveredState& state);
  /// Makes the calling thread the bot's thread, connects the exchange (reporting to
  /// exchange_events()) and calls the strategy's on_start.
  void start();
  /// Before market events flow: the instrument with the venue's filters (a bot on a live feed may
  /// leave them to the venue). Throws std::logic_error for another symbol.
  void set_instrument(const Instrument& instrument);
  const Instrument& instrument() const { return parts_.instrument; }
  /// After start() on a restored bot: asks the exchange about every working order and applies
  /// what the store missed (fills, status changes). An order the exchange never received is
  /// marked rejected, never resent; a cancel that did not reach it is sent again.
  ReconcileReport reconcile();
  /// After start(): how many bars before the first live one the strategy wants to warm up on
  /// (Strategy::warmup_bars); 0 when it threw (the bot is then halted).
  std::size_t warmup_bars();
  /// After start() (and reconcile()), before live events: feeds `bars` to the strategy's on_bar
  /// with Context::warming_up() true. Each bar moves a simulated clock and marks the portfolio
  /// (no daily-loss halt from it); no exchange matching, no timers, no observer on_bar_processed.
  /// Every order submitted meanwhile is denied with reason kWarmUpDenial without using an order
  /// number or reaching the observer and journal; signals are logged at debug only. A bar no newer
  /// than the previous one is dropped (and counted as stale).
  void warm_up(std::span<const Bar> bars);
  /// True while warm_up() runs.
  bool warming_up() const { return warming_up_; }
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
  /// Calls the strategy's on_stop, stops taking events from other threads (a producer waiting for
  /// room is released, its event dropped) and disconnects the exchange. Events still queued are
  /// not applied: call process_queued_events() first to apply them.
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

  // Events from exchanges (a live connector's threads, a separate market data feed).

  /// Where this bot's exchanges report: start() connects the bot's exchange with it, and the host
  /// passes it as ExchangeSession::events to a separate market data exchange. Thread-safe.
  ExchangeEvents& exchange_events() { return events_; }
  /// Blocks until events from other threads are queued, `deadline` passes or wake() is called
  /// (a wake() before the call ends it at once); true when events are queued. Any thread.
  bool wait_for_events(std::chrono::steady_clock::time_point deadline);
  /// Ends a wait_for_events() early (a command or a stop arrived). Any thread.
  void wake();
  /// On the bot's thread: applies every event queued by other threads, in order: a bar as
  /// process_bar (one no newer than the last bar processed or warmed up on is dropped and
  /// counted), a trade as process_trade, an order update or fill as an exchange event (outside
  /// any strategy callback), an error logged. Returns how many events were taken.
  std::size_t process_queued_events();
  /// The queue's counters. Any thread.
  EventQueueStats event_queue_stats() const;

  // Timers, for bots on the wall clock (a bar or trade fires the timers due by its own time).

  /// When the strategy's earliest timer is due; nullopt when it has none.
  std::optional<Timestamp> next_timer_at() const;
  /// Fires every timer due at the clock's now(), in time order.
  void fire_due_timers();

  // The books, as the strategy's Context shows them.

  /// Checks the order against the instrument filters and risk limits and, if it passes, sends it.
  SubmitResult submit(const OrderRequest& request);
  /// Requests a cancel; false when the id is unknown or the order already ended.
  bool cancel(std::string_view client_order_id);
  /// The order with this id, or nullptr.
  const Order* order(std::string_view client_order_id) const;
  /// Working orders, oldest first.
  std::vector<const Order*> open_orders() const;
  const Position& position() const { return portfolio_.position(); }
  Money cash() const { return portfolio_.cash(); }
  Money equity() const { return portfolio_.equity(); }
  /// A strategy's decision (Context::signal): logged and passed to the observer.
  void record_signal(const Signal& decision);
  /// The Context the strategy is called with.
  Context& strategy_context() { return context_; }
  const std::string& name() const { return parts_.name; }

  BotState state() const { return state_; }
  const std::string& halt_reason() const { return halt_reason_; }
  /// True when the bot halted because a plugin threw (not because of a risk limit).
  bool faulted() const { return faulted_; }
  const Portfolio& portfolio() const { return portfolio_; }
  /// How many ended orders stay reachable through order(); older ones are forgotten (before the
  /// next market event, never during a callback) so that a bot's memory does not grow with its
  /// running time.
  static constexpr std::size_t kEndedOrdersKept = 1000;

 private:
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
  void guard_event(const char* what, Timestamp ts, Handle&& handle);
  void accept_on_bot_thread(QueuedEvent&& event);
  void apply_queued(QueuedEvent&& event);
  void apply_exchange_event(ExchangeEvent event);
  bool stale(const Bar& bar);
  void queue_exchange_event(ExchangeEvent event) { pending_events_.push_back(std::move(event)); }
  void apply_exchange_events();
  void apply(const OrderUpdate& update);
  void apply(const Fill& fill);
  void fire_timers_until(Timestamp ts);
  void advance_clock(Timestamp ts);
  void mark(Price price, Timestamp ts);
  void mark_without_limits(Price price, Timestamp ts);
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
  void warm_up_on(const Bar& bar);
  void check_daily_loss(Timestamp ts);
  void process_deferred_market_events();
  Timestamp now() const { return parts_.clock->now(); }

  BotParts parts_;
  SimulatedClock* simulated_clock_ = nullptr;  // set when parts_.clock is simulated
  SimulatedVenue* simulated_venue_ = nullptr;  // set when the exchange is simulated
  StrategyContext context_;
  ExchangeEventSink events_;
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
  std::int64_t current_day_ = INT64_MIN;        // UTC day number of the last mark
  Money day_start_equity_;
  bool processing_market_event_ = false;
  std::deque<std::variant<Bar, Trade>> deferred_market_events_;  // feed events that arrived mid-event
  std::optional<Timestamp> last_bar_ts_;        // the last bar processed or warmed up on
  std::atomic<std::uint64_t> stale_bars_dropped_{0};
};

}  // namespace smoops::engine
