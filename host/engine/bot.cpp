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

Bot::Bot(BotParts parts) : parts_(std::move(parts)), portfolio_(parts_.initial_cash) {
  if (!parts_.strategy || !parts_.exchange || !parts_.clock || !parts_.logger || !parts_.strategy_params)
    throw std::invalid_argument("bot '" + parts_.name + "': strategy, exchange, clock, logger and params are required");
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
    on_order_update(OrderUpdate{client_order_id, {}, OrderStatus::Rejected,
                                "not received by the exchange before the restart; not resent", now()});
    apply_exchange_events();
    return;
  }
  const OrderStatus theirs = venue->status;
  if (ours == OrderStatus::Submitted && theirs != OrderStatus::Submitted && theirs != OrderStatus::Rejected) {
    on_order_update(OrderUpdate{client_order_id, venue->exchange_order_id, OrderStatus::Accepted, {}, venue->updated_ts});
    ++report.status_updates;
  }
  const std::size_t booked_before = record->trade_ids.size();
  for (const Fill& fill : fills) on_fill(fill);
  apply_exchange_events();
  record = find_record(client_order_id);
  if (!record) return;
  report.fills_applied += record->trade_ids.size() - booked_before;
  const OrderStatus now_status = record->order.status;
  const bool final_not_fill = theirs == OrderStatus::Canceled || theirs == OrderStatus::Expired ||
                              theirs == OrderStatus::Rejected;
  if ((final_not_fill || theirs == OrderStatus::Triggered) && now_status != theirs &&
      is_legal_transition(now_status, theirs)) {
    on_order_update(OrderUpdate{client_order_id, venue->exchange_order_id, theirs, venue->reason, venue->updated_ts});
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

void Bot::start() {
  if (state_ != BotState::Created) throw std::logic_error("bot '" + parts_.name + "' was already started");
  ExchangeSession session;
  session.events = this;
  session.log = parts_.logger;
  session.instrument = parts_.instrument;
  session.initial_cash = parts_.initial_cash;
  session.state_dir = parts_.exchange_state_dir;
  set_state(BotState::Running, {});
  call_exchange("connect", [&] { parts_.exchange->connect(session); });
  call_strategy("on_start", [&] { parts_.strategy->on_start(*this); });
}

void Bot::stop() {
  if (state_ == BotState::Stopped) return;
  call_strategy("on_stop", [&] { parts_.strategy->on_stop(*this); });
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

Timestamp Bot::BotClock::now() const { return bot_.parts_.clock->now(); }

void Bot::advance_clock(Timestamp ts) {
  if (simulated_clock_) simulated_clock_->advance_to(ts);
}

template <class Handle>
void Bot::guard_market_event(const char* what, Timestamp ts, Handle&& handle) {
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
  guard_market_event("bar", bar.ts, [&] { handle_bar(bar); });
}

void Bot::process_trade(const Trade& trade) {
  guard_market_event("trade", trade.ts, [&] { handle_trade(trade); });
}

void Bot::handle_bar(const Bar& bar) {
  fire_timers_until(bar.ts);
  advance_clock(bar.ts);
  if (simulated_venue_) call_exchange("on_market_bar", [&] { simulated_venue_->on_market_bar(bar); });
  if (!pending_events_.empty()) apply_exchange_events();
  mark(bar.close, bar.ts);
  call_strategy("on_bar", [&] { parts_.strategy->on_bar(*this, bar); });
  if (parts_.observer) parts_.observer->on_bar_processed(bar, portfolio_);
}

void Bot::handle_trade(const Trade& trade) {
  fire_timers_until(trade.ts);
  advance_clock(trade.ts);
  if (simulated_venue_) call_exchange("on_market_trade", [&] { simulated_venue_->on_market_trade(trade); });
  if (!pending_events_.empty()) apply_exchange_events();
  mark(trade.price, trade.ts);
  call_strategy("on_trade", [&] { parts_.strategy->on_trade(*this, trade); });
}

void Bot::process_deferred_market_events() {
  while (!deferred_market_events_.empty()) {
    auto event = std::move(deferred_market_events_.front());
    deferred_market_events_.pop_front();
    if (const Bar* bar = std::get_if<Bar>(&event)) {
      process_bar(*bar);
    } else {
      process_trade(std::get<Trade>(event));
    }
  }
}

void Bot::mark(Price price, Timestamp ts) {
  const std::int64_t day = utc_day(ts);
  if (day != current_day_) {
    current_day_ = day;
    day_start_equity_ = portfolio_.equity();  // equity at the previous day's last mark
  }
  portfolio_.mark(price);
  check_daily_loss(ts);
}

void Bot::check_daily_loss(Timestamp) {
  if (!parts_.risk.max_daily_loss || state_ != BotState::Running) return;
  const Money loss = day_start_equity_ - portfolio_.equity();
  if (loss > *parts_.risk.max_daily_loss)
    halt("max daily loss reached: lost " + loss.to_string() + " since the UTC day's start, limit " +
         parts_.risk.max_daily_loss->to_string());
}

void Bot::fire_timers_until(Timestamp ts) {
  while (!timers_.empty() && timers_.begin()->first.first <= ts) {
    auto node = timers_.extract(timers_.begin());
    const auto [at, id] = node.key();
    const Duration every = node.mapped();
    advance_clock(at);
    if (every.nanos > 0) timers_.emplace(std::make_pair(at + every, id), every);
    call_strategy("on_timer", [&] { parts_.strategy->on_timer(*this, id, at); });
  }
}

TimerId Bot::BotClock::set_timer(Timestamp at, Duration every) {
  const TimerId id = bot_.next_timer_id_++;
  bot_.timers_.emplace(std::make_pair(at, id), every);
  return id;
}

void Bot::BotClock::cancel_timer(TimerId id) {
  std::erase_if(bot_.timers_, [id](const auto& entry) { return entry.first.second == id; });
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

void Bot::on_order_update(const OrderUpdate& update) { pending_events_.emplace_back(update); }
void Bot::on_fill(const Fill& fill) { pending_events_.emplace_back(fill); }

void Bot::on_bar(const Bar& bar) {
  if (processing_market_event_) {
    deferred_market_events_.emplace_back(bar);
  } else {
    process_bar(bar);
  }
}

void Bot::on_trade(const Trade& trade) {
  if (processing_market_event_) {
    deferred_market_events_.emplace_back(trade);
  } else {
    process_trade(trade);
  }
}

void Bot::signal(const Signal& decision) {
  if (parts_.logger->enabled(parts_.signal_log_level))
    parts_.logger->log(parts_.signal_log_level, describe_signal(decision));
  if (parts_.observer) parts_.observer->on_signal(decision, now());
}

void Bot::on_error(std::string_view message) { parts_.logger->error("exchange: " + std::string(message)); }

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
  call_strategy("on_order_update", [&] { parts_.strategy->on_order_update(*this, *order); });
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
  call_strategy("on_fill", [&] { parts_.strategy->on_fill(*this, fill, *order); });
  call_strategy("on_order_update", [&] { parts_.strategy->on_order_update(*this, *order); });
}

}  // namespace smoops::engine
