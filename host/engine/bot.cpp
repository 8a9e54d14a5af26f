#include "engine/bot.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "engine/event_json.hpp"
#include "engine/order_state_machine.hpp"
#include "engine/pre_trade_checks.hpp"

namespace smoops::engine {
namespace {

constexpr std::int64_t kNanosPerDay = 86'400'000'000'000;

std::int64_t utc_day(Timestamp ts) {
  return ts.nanos >= 0 ? ts.nanos / kNanosPerDay : -((-ts.nanos + kNanosPerDay - 1) / kNanosPerDay);
}

bool is_open(OrderStatus status) { return !is_terminal(status) && status != OrderStatus::Initialized; }

}  // namespace

std::string_view to_string(BotState state) {
  switch (state) {
    case BotState::Created: return "created";
    case BotState::Running: return "running";
    case BotState::Halted: return "halted";
    case BotState::Stopped: return "stopped";
  }
  return "?";
}

namespace {

// Checked before anything is built from the parts.
BotParts& checked(BotParts& parts) {
  if (!parts.strategy || !parts.exchange || !parts.clock || !parts.logger || !parts.strategy_params)
    throw std::invalid_argument("bot '" + parts.name + "': strategy, exchange, clock, logger and params are required");
  return parts;
}

StrategyContextParts context_parts(const BotParts& parts) {
  return {&parts.name, &parts.instrument, parts.logger, parts.strategy_params, parts.model, parts.clock};
}

}  // namespace

Bot::Bot(BotParts parts)
    : parts_(std::move(checked(parts))),
      context_(*this, context_parts(parts_)),
      events_([this](QueuedEvent&& event) { accept_on_bot_thread(std::move(event)); }),
      portfolio_(parts_.initial_cash) {
  simulated_clock_ = dynamic_cast<SimulatedClock*>(parts_.clock);
  simulated_venue_ = parts_.exchange->simulated_venue();
  day_start_equity_ = portfolio_.equity();
}

Bot::~Bot() = default;

void Bot::set_state(BotState state, std::string_view reason) {
  state_ = state;
  if (parts_.observer) parts_.observer->on_state(state, reason);
}

void Bot::restore(const RecoveredState& state) {
  if (state_ != BotState::Created) throw std::logic_error("bot '" + parts_.name + "': restore after start");
  portfolio_.restore(state.cash, state.position);
  day_start_equity_ = portfolio_.equity();
  next_order_sequence_ = state.next_order_sequence;
  for (const RecoveredOrder& recovered : state.open_orders) {
    const std::string& id = recovered.order.client_order_id;
    auto [it, inserted] = orders_.emplace(id, OrderRecord{recovered.order, recovered.trade_ids});
    if (!inserted) throw std::invalid_argument("bot '" + parts_.name + "': order " + id + " recovered twice");
    open_orders_.push_back(&it->second.order);
  }
}

ReconcileReport Bot::reconcile() {
  ReconcileReport report;
  std::vector<std::string> ids;
  for (const Order* order : open_orders_) ids.push_back(order->client_order_id);
  for (const std::string& id : ids) {
    if (state_ != BotState::Running) break;
    reconcile_order(id, report);
  }
  return report;
}

// The venue's record wins: its fills are booked (once: apply() skips trade ids already booked),
// then its status. The order of the steps keeps every transition legal: acknowledgement first,
// fills, then a final status that is not a fill.
void Bot::reconcile_order(const std::string& client_order_id, ReconcileReport& report) {
  ++report.orders_checked;
  std::optional<Order> venue;
  std::vector<Fill> fills;
  call_exchange("query_order", [&] {
    venue = parts_.exchange->query_order(client_order_id);
    if (venue) fills = parts_.exchange->order_fills(client_order_id);
  });
  if (state_ != BotState::Running) return;
  const OrderRecord* record = find_record(client_order_id);
  if (!record) return;
  const OrderStatus ours = record->order.status;
  if (!venue) {
    ++report.orders_failed;
    parts_.logger->warn("recovery: order " + client_order_id +
                        " was journaled but the exchange never received it; marked rejected, not resent");
    queue_exchange_event(OrderUpdate{client_order_id, {}, OrderStatus::Rejected,
                                     "not received by the exchange before the restart; not resent", now()});
    apply_exchange_events();
    return;
  }
  const OrderStatus theirs = venue->status;
  if (ours == OrderStatus::Submitted && theirs != OrderStatus::Submitted && theirs != OrderStatus::Rejected) {
    queue_exchange_event(
        OrderUpdate{client_order_id, venue->exchange_order_id, OrderStatus::Accepted, {}, venue->updated_ts});
    ++report.status_updates;
  }
  const std::size_t booked_before = record->trade_ids.size();
  for (const Fill& fill : fills) queue_exchange_event(fill);
  apply_exchange_events();
  record = find_record(client_order_id);
  if (!record) return;
  report.fills_applied += record->trade_ids.size() - booked_before;
  const OrderStatus now_status = record->order.status;
  const bool final_not_fill = theirs == OrderStatus::Canceled || theirs == OrderStatus::Expired ||
                              theirs == OrderStatus::Rejected;
  if ((final_not_fill || theirs == OrderStatus::Triggered) && now_status != theirs &&
      is_legal_transition(now_status, theirs)) {
    queue_exchange_event(OrderUpdate{client_order_id, venue->exchange_order_id, theirs, venue->reason, venue->updated_ts});
    apply_exchange_events();
    ++report.status_updates;
  } else if (now_status == OrderStatus::PendingCancel && !is_terminal(theirs)) {
    Order* order = &find_record(client_order_id)->order;
    parts_.logger->info("recovery: cancel of " + client_order_id + " had not reached the exchange; sent again");
    call_exchange("cancel", [&] { parts_.exchange->cancel(*order); });
    apply_exchange_events();
    ++report.cancels_resent;
  }
}

std::string Bot::next_client_order_id() const { return order_id_for(next_order_sequence_); }

std::string Bot::order_id_for(std::uint64_t sequence) const { return parts_.name + "-" + std::to_string(sequence); }

std::optional<Order> Bot::venue_order(const std::string& client_order_id) {
  std::optional<Order> venue;
  call_exchange("query_order", [&] { venue = parts_.exchange->query_order(client_order_id); });
  return venue;
}

void Bot::set_instrument(const Instrument& instrument) {
  if (instrument.symbol != parts_.instrument.symbol)
    throw std::logic_error("bot '" + parts_.name + "': instrument " + instrument.symbol + " is not " +
                           parts_.instrument.symbol);
  parts_.instrument = instrument;
}

void Bot::start() {
  if (state_ != BotState::Created) throw std::logic_error("bot '" + parts_.name + "' was already started");
  ExchangeSession session;
  session.events = &events_;
  session.log = parts_.logger;
  session.instrument = parts_.instrument;
  session.initial_cash = parts_.initial_cash;
  session.state_dir = parts_.exchange_state_dir;
  session.credentials = parts_.credentials;
  events_.bind_to_current_thread();
  set_state(BotState::Running, {});
  call_exchange("connect", [&] { parts_.exchange->connect(session); });
  call_strategy("on_start", [&] { parts_.strategy->on_start(context_); });
}

void Bot::stop() {
  if (state_ == BotState::Stopped) return;
  call_strategy("on_stop", [&] { parts_.strategy->on_stop(context_); });
  // A connector's thread waiting for room must not keep disconnect() from joining it.
  events_.queue().close();
  call_exchange("disconnect", [&] { parts_.exchange->disconnect(); });
  set_state(BotState::Stopped, halt_reason_);
}

void Bot::halt(const std::string& reason) {
  if (state_ == BotState::Halted || state_ == BotState::Stopped) return;
  halt_reason_ = reason;
  parts_.logger->error("bot halted: " + reason);
  set_state(BotState::Halted, reason);
  cancel_all();
}

template <class Callback>
void Bot::call_strategy(const char* handler, Callback&& callback) {
  if (state_ != BotState::Running) return;
  try {
    callback();
  } catch (const std::exception& e) {
    faulted_ = true;
    halt(std::string("strategy threw in ") + handler + ": " + e.what());
    return;
  }
  apply_exchange_events();
}

template <class Callback>
void Bot::call_exchange(const char* operation, Callback&& callback) {
  try {
    callback();
  } catch (const std::exception& e) {
    faulted_ = true;
    halt(std::string("exchange threw in ") + operation + ": " + e.what());
  }
}


void Bot::advance_clock(Timestamp ts) {
  if (simulated_clock_) simulated_clock_->advance_to(ts);
}

template <class Handle>
void Bot::guard_event(const char* what, Timestamp ts, Handle&& handle) {
  forget_old_ended_orders();  // between events: no callback holds an order now
  processing_market_event_ = true;
  try {
    handle();
  } catch (const std::exception& e) {
    // An engine error (an overflow in the books, say) stops this bot, not the process.
    processing_market_event_ = false;
    faulted_ = true;
    halt(std::string("engine error on the ") + what + " at " + std::to_string(ts.millis()) + " ms: " + e.what());
    return;
  }
  processing_market_event_ = false;
  if (!deferred_market_events_.empty()) process_deferred_market_events();
}

void Bot::process_bar(const Bar& bar) {
  guard_event("bar", bar.ts, [&] { handle_bar(bar); });
}

void Bot::process_trade(const Trade& trade) {
  guard_event("trade", trade.ts, [&] { handle_trade(trade); });
}

void Bot::handle_bar(const Bar& bar) {
  fire_timers_until(bar.ts);
  advance_clock(bar.ts);
  if (simulated_venue_) call_exchange("on_market_bar", [&] { simulated_venue_->on_market_bar(bar); });
  if (!pending_events_.empty()) apply_exchange_events();
  mark(bar.close, bar.ts);
  last_bar_ts_ = bar.ts;
  call_strategy("on_bar", [&] { parts_.strategy->on_bar(context_, bar); });
  if (parts_.observer) parts_.observer->on_bar_processed(bar, portfolio_);
}

void Bot::handle_trade(const Trade& trade) {
  fire_timers_until(trade.ts);
  advance_clock(trade.ts);
  if (simulated_venue_) call_exchange("on_market_trade", [&] { simulated_venue_->on_market_trade(trade); });
  if (!pending_events_.empty()) apply_exchange_events();
  mark(trade.price, trade.ts);
  call_strategy("on_trade", [&] { parts_.strategy->on_trade(context_, trade); });
}

bool Bot::stale(const Bar& bar) {
  if (!last_bar_ts_ || bar.ts > *last_bar_ts_) return false;
  stale_bars_dropped_.fetch_add(1, std::memory_order_relaxed);
  parts_.logger->debug("bar at " + std::to_string(bar.ts.millis()) + " ms is no newer than the last bar (" +
                       std::to_string(last_bar_ts_->millis()) + " ms); dropped");
  return true;
}

// An event an exchange reported on the bot's thread, from inside a call into it (submit, cancel,
// a simulated venue's matching): applied once that call is done.
void Bot::accept_on_bot_thread(QueuedEvent&& event) {
  if (auto* error = std::get_if<ExchangeError>(&event)) {
    parts_.logger->error("exchange: " + error->message);
  } else if (auto* update = std::get_if<OrderUpdate>(&event)) {
    queue_exchange_event(std::move(*update));
  } else if (auto* fill = std::get_if<Fill>(&event)) {
    queue_exchange_event(std::move(*fill));
  } else if (processing_market_event_) {
    if (auto* bar = std::get_if<Bar>(&event)) {
      deferred_market_events_.emplace_back(std::move(*bar));
    } else {
      deferred_market_events_.emplace_back(std::get<Trade>(std::move(event)));
    }
  } else {
    apply_queued(std::move(event));
  }
}

// An event taken from the queue, on the bot's thread, outside every callback.
void Bot::apply_queued(QueuedEvent&& event) {
  if (auto* error = std::get_if<ExchangeError>(&event)) {
    parts_.logger->error("exchange: " + error->message);
  } else if (const Bar* bar = std::get_if<Bar>(&event)) {
    if (!stale(*bar)) process_bar(*bar);
  } else if (const Trade* trade = std::get_if<Trade>(&event)) {
    process_trade(*trade);
  } else {
    if (auto* update = std::get_if<OrderUpdate>(&event)) {
      queue_exchange_event(std::move(*update));
    } else {
      queue_exchange_event(std::get<Fill>(std::move(event)));
    }
    guard_event("exchange event", now(), [&] { apply_exchange_events(); });
  }
}

std::size_t Bot::process_queued_events() {
  std::deque<QueuedEvent> batch;
  const std::size_t taken = events_.queue().take_all(batch);
  for (QueuedEvent& event : batch) apply_queued(std::move(event));
  return taken;
}

bool Bot::wait_for_events(std::chrono::steady_clock::time_point deadline) { return events_.queue().wait(deadline); }

void Bot::wake() { events_.queue().wake(); }

EventQueueStats Bot::event_queue_stats() const {
  EventQueueStats stats = events_.queue().stats();
  stats.stale_bars_dropped = stale_bars_dropped_.load(std::memory_order_relaxed);
  return stats;
}

std::size_t Bot::warmup_bars() {
  if (state_ == BotState::Created) throw std::logic_error("bot '" + parts_.name + "': warmup_bars before start");
  std::size_t bars = 0;
  call_strategy("warmup_bars", [&] { bars = parts_.strategy->warmup_bars(context_); });
  return state_ == BotState::Running ? bars : 0;
}

void Bot::warm_up(std::span<const Bar> bars) {
  if (state_ == BotState::Created) throw std::logic_error("bot '" + parts_.name + "': warm_up before start");
  warming_up_ = true;
  for (const Bar& bar : bars) {
    if (state_ != BotState::Running) break;
    if (stale(bar)) continue;
    guard_event("warm-up bar", bar.ts, [&] { warm_up_on(bar); });
  }
  warming_up_ = false;
}

void Bot::warm_up_on(const Bar& bar) {
  advance_clock(bar.ts);
  mark_without_limits(bar.close, bar.ts);  // the past's losses were the past's to halt on
  last_bar_ts_ = bar.ts;
  call_strategy("on_bar", [&] { parts_.strategy->on_bar(context_, bar); });
}

void Bot::process_deferred_market_events() {
  while (!deferred_market_events_.empty()) {
    auto event = std::move(deferred_market_events_.front());
    deferred_market_events_.pop_front();
    if (const Bar* bar = std::get_if<Bar>(&event)) {
      if (!stale(*bar)) process_bar(*bar);
    } else {
      process_trade(std::get<Trade>(event));
    }
  }
}

void Bot::mark(Price price, Timestamp ts) {
  mark_without_limits(price, ts);
  check_daily_loss(ts);
}

void Bot::mark_without_limits(Price price, Timestamp ts) {
  const std::int64_t day = utc_day(ts);
  if (day != current_day_) {
    current_day_ = day;
    day_start_equity_ = portfolio_.equity();  // equity at the previous day's last mark
  }
  portfolio_.mark(price);
}

void Bot::check_daily_loss(Timestamp) {
  if (!parts_.risk.max_daily_loss || state_ != BotState::Running) return;
  const Money loss = day_start_equity_ - portfolio_.equity();
  if (loss > *parts_.risk.max_daily_loss)
    halt("max daily loss reached: lost " + loss.to_string() + " since the UTC day's start, limit " +
         parts_.risk.max_daily_loss->to_string());
}

void Bot::fire_timers_until(Timestamp ts) {
  while (const std::optional<DueTimer> due = context_.strategy_clock().take_due(ts)) {
    advance_clock(due->at);
    call_strategy("on_timer", [&] { parts_.strategy->on_timer(context_, due->id, due->at); });
  }
}

std::optional<Timestamp> Bot::next_timer_at() const { return context_.strategy_clock().next_timer_at(); }

void Bot::fire_due_timers() {
  const Timestamp at = now();
  guard_event("timers", at, [&] { fire_timers_until(at); });
}

Order Bot::new_order(const OrderRequest& request) {
  Order order;
  order.client_order_id = order_id_for(next_order_sequence_++);
  order.symbol = parts_.instrument.symbol;
  order.side = request.side;
  order.type = request.type;
  order.time_in_force = request.time_in_force;
  order.quantity = request.quantity;
  order.limit_price = request.limit_price;
  order.stop_price = request.stop_price;
  order.tag = request.tag;
  order.created_ts = order.updated_ts = now();
  return order;
}

SubmitResult Bot::deny(Order order, const std::string& reason) {
  std::string client_order_id = order.client_order_id;  // the key must not come from the moved order
  Order& stored = orders_.emplace(std::move(client_order_id), OrderRecord{std::move(order), {}}).first->second.order;
  stored.reason = reason;
  transition(stored, OrderStatus::Denied, stored.created_ts);
  record_order(stored);
  SubmitResult denied{false, stored.client_order_id, reason};
  retire_if_ended(stored);
  return denied;
}

SubmitResult Bot::send(Order order) {
  if (parts_.journal) {
    Order intent = order;
    intent.status = OrderStatus::Submitted;
    const std::string refusal = parts_.journal->write_ahead(intent, portfolio_.position());
    if (!refusal.empty()) return deny(std::move(order), refusal);
  }
  std::string client_order_id = order.client_order_id;
  Order& stored = orders_.emplace(std::move(client_order_id), OrderRecord{std::move(order), {}}).first->second.order;
  transition(stored, OrderStatus::Submitted, stored.created_ts);
  open_orders_.push_back(&stored);
  record_order(stored);  // the journaling point: before the order leaves
  call_exchange("submit", [&] { parts_.exchange->submit(stored); });
  return {true, stored.client_order_id, {}};
}

SubmitResult Bot::submit(const OrderRequest& request) {
  // Before new_order: a warm-up order takes no number, so a restarted bot's ids stay those of a
  // bot that never stopped.
  if (warming_up_) return {false, {}, kWarmUpDenial};
  Order order = new_order(request);
  if (paused_) return deny(std::move(order), "bot is paused");

  AccountSnapshot account;
  account.position = portfolio_.position().quantity;
  account.cash = portfolio_.cash();
  account.last_price = portfolio_.mark_price();
  account.open_orders = static_cast<std::int64_t>(open_orders_.size());
  if (state_ != BotState::Running)
    account.halt_reason = halt_reason_.empty() ? std::string(to_string(state_)) : halt_reason_;
  for (const Order* open : open_orders_) {
    if (open->side == Side::Buy) {
      account.open_buy_quantity += open->remaining();
      const Price price = reference_price(open->type, open->limit_price, open->stop_price, account.last_price);
      account.open_buy_notional += notional(price, open->remaining());
    } else {
      account.open_sell_quantity += open->remaining();
    }
  }
  if (auto denial = check_order(request, parts_.instrument, parts_.risk, account))
    return deny(std::move(order), *denial);
  return send(std::move(order));
}

void Bot::set_paused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  parts_.logger->info(paused ? "paused: new orders are denied" : "resumed");
  if (parts_.observer) parts_.observer->on_state(state_, halt_reason_);
}

std::size_t Bot::cancel_all() {
  std::size_t requested = 0;
  const std::vector<Order*> working = open_orders_;
  for (Order* order : working) {
    if (!is_legal_transition(order->status, OrderStatus::PendingCancel)) continue;
    transition(*order, OrderStatus::PendingCancel, now());
    record_order(*order);
    call_exchange("cancel", [&] { parts_.exchange->cancel(*order); });
    ++requested;
  }
  apply_exchange_events();
  return requested;
}

std::string Bot::flatten() {
  cancel_all();
  const Quantity held = portfolio_.position().quantity;
  if (held.is_zero()) return {};
  OrderRequest request;
  request.side = held.is_positive() ? Side::Sell : Side::Buy;
  request.type = OrderType::Market;
  request.quantity = held.abs();
  request.tag = "flatten";
  Order order = new_order(request);
  parts_.logger->warn("flatten: market " + std::string(to_string(request.side)) + " " + request.quantity.to_string() +
                      " (" + order.client_order_id + ")");
  const auto problem = check_order_shape(request, parts_.instrument);
  const SubmitResult result = problem ? deny(std::move(order), *problem) : send(std::move(order));
  apply_exchange_events();
  return result.client_order_id;
}

bool Bot::cancel(std::string_view client_order_id) {
  OrderRecord* record = find_record(client_order_id);
  Order* order = record ? &record->order : nullptr;
  if (!order || !is_open(order->status) || order->status == OrderStatus::PendingCancel) return false;
  transition(*order, OrderStatus::PendingCancel, now());
  record_order(*order);
  call_exchange("cancel", [&] { parts_.exchange->cancel(*order); });
  return true;
}

const Order* Bot::order(std::string_view client_order_id) const {
  auto it = orders_.find(std::string(client_order_id));
  return it == orders_.end() ? nullptr : &it->second.order;
}

Bot::OrderRecord* Bot::find_record(std::string_view client_order_id) {
  auto it = orders_.find(std::string(client_order_id));
  return it == orders_.end() ? nullptr : &it->second;
}

std::vector<const Order*> Bot::open_orders() const { return {open_orders_.begin(), open_orders_.end()}; }

void Bot::record_order(const Order& order) {
  if (parts_.observer) parts_.observer->on_order(order);
}

void Bot::retire_if_ended(const Order& order) {
  if (!is_terminal(order.status)) return;
  std::erase(open_orders_, &order);
  ended_order_ids_.push_back(order.client_order_id);
}

void Bot::forget_old_ended_orders() {
  while (ended_order_ids_.size() > kEndedOrdersKept) {
    orders_.erase(ended_order_ids_.front());
    ended_order_ids_.pop_front();
  }
}

void Bot::record_signal(const Signal& decision) {
  // A warm-up decision is a replay of the past: not news for the bus or the store.
  const LogLevel level = warming_up_ ? LogLevel::Debug : parts_.signal_log_level;
  if (parts_.logger->enabled(level)) parts_.logger->log(level, describe_signal(decision));
  if (parts_.observer && !warming_up_) parts_.observer->on_signal(decision, now());
}

void Bot::apply_exchange_events() {
  while (!pending_events_.empty()) {
    ExchangeEvent event = std::move(pending_events_.front());
    pending_events_.pop_front();
    std::visit([this](const auto& e) { apply(e); }, event);
  }
}

void Bot::apply(const OrderUpdate& update) {
  OrderRecord* record = find_record(update.client_order_id);
  Order* order = record ? &record->order : nullptr;
  if (!order) {
    parts_.logger->error("exchange reported an update for unknown order '" + update.client_order_id + "'; ignored");
    return;
  }
  if (update.status == OrderStatus::Filled || update.status == OrderStatus::PartiallyFilled) {
    parts_.logger->error("order " + order->client_order_id + ": fill status without a fill; ignored");
    return;
  }
  // A refused cancel puts an order with fills back to PartiallyFilled, whatever the venue calls it.
  const OrderStatus next = update.status == OrderStatus::Accepted && order->status == OrderStatus::PendingCancel &&
                                   order->filled_quantity.is_positive()
                               ? OrderStatus::PartiallyFilled
                               : update.status;
  try {
    transition(*order, next, update.ts);
  } catch (const IllegalTransition& e) {
    parts_.logger->error(std::string("exchange event rejected: ") + e.what());
    return;
  }
  if (!update.exchange_order_id.empty()) order->exchange_order_id = update.exchange_order_id;
  if (!update.reason.empty()) order->reason = update.reason;
  record_order(*order);
  retire_if_ended(*order);
  call_strategy("on_order_update", [&] { parts_.strategy->on_order_update(context_, *order); });
}

void Bot::apply(const Fill& fill) {
  OrderRecord* record = find_record(fill.client_order_id);
  Order* order = record ? &record->order : nullptr;
  if (!order) {
    parts_.logger->error("exchange reported fill " + fill.trade_id + " for unknown order '" + fill.client_order_id +
                         "'; ignored");
    return;
  }
  if (std::find(record->trade_ids.begin(), record->trade_ids.end(), fill.trade_id) != record->trade_ids.end()) {
    parts_.logger->warn("fill " + fill.trade_id + " already booked; ignored");
    return;
  }
  if (fill.side != order->side || !fill.quantity.is_positive() || fill.quantity > order->remaining() ||
      !fill.price.is_positive()) {
    parts_.logger->error("order " + order->client_order_id + ": fill " + fill.trade_id + " of " +
                         fill.quantity.to_string() + " @ " + fill.price.to_string() +
                         " does not match the order (remaining " + order->remaining().to_string() + "); ignored");
    return;
  }
  const OrderStatus next =
      fill.quantity == order->remaining() ? OrderStatus::Filled : OrderStatus::PartiallyFilled;
  if (!is_legal_transition(order->status, next)) {
    parts_.logger->error("order " + order->client_order_id + ": fill " + fill.trade_id + " arrived in status " +
                         std::string(to_string(order->status)) + "; ignored");
    return;
  }
  // What can overflow is computed before anything changes, so a failed fill leaves no trace.
  const Money filled_notional = order->filled_notional + notional(fill.price, fill.quantity);
  portfolio_.apply_fill(fill.side, fill.price, fill.quantity, fill.fee);
  transition(*order, next, fill.ts);
  record->trade_ids.push_back(fill.trade_id);
  order->filled_quantity += fill.quantity;
  order->filled_notional = filled_notional;
  if (parts_.observer) {
    parts_.observer->on_order(*order);
    parts_.observer->on_fill(fill, *order, portfolio_);
  }
  retire_if_ended(*order);
  call_strategy("on_fill", [&] { parts_.strategy->on_fill(context_, fill, *order); });
  call_strategy("on_order_update", [&] { parts_.strategy->on_order_update(context_, *order); });
}

}  // namespace smoops::engine
