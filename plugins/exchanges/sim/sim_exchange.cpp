#include "sim_exchange.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace smoops::sim {
namespace {

constexpr Quantity kUnlimitedVolume = Quantity::from_raw(INT64_MAX);
constexpr std::string_view kOrderIdPrefix = "sim-o";
constexpr std::string_view kTradeIdPrefix = "sim-t";

bool is_stop(OrderType type) { return type == OrderType::StopMarket || type == OrderType::StopLimit; }
bool has_limit_price(OrderType type) { return type == OrderType::Limit || type == OrderType::StopLimit; }
bool fills_at_once_or_never(TimeInForce tif) { return tif == TimeInForce::IOC || tif == TimeInForce::FOK; }

std::string expiry_reason(TimeInForce tif) {
  return tif == TimeInForce::IOC ? "immediate-or-cancel: the unfilled remainder expired"
                                 : "fill-or-kill: could not fill completely on its first bar";
}

// The N of an id "<prefix>N" read back from the journal, so that counting goes on after it.
std::uint64_t id_number(std::string_view id, std::string_view prefix) {
  std::uint64_t number = 0;
  const char* end = id.data() + id.size();
  if (id.starts_with(prefix)) {
    const auto [stop, error] = std::from_chars(id.data() + prefix.size(), end, number);
    if (error == std::errc() && stop == end && number > 0) return number;
  }
  throw std::runtime_error("id '" + std::string(id) + "' is not " + std::string(prefix) + "<N>");
}

}  // namespace

SimExchange::SimExchange(const Params& params) : SimExchange(SimConfig::from(params)) {}

SimExchange::SimExchange(SimConfig config) : config_(config), slippage_(config.slippage_bps) {}

void SimExchange::connect(const ExchangeSession& session) {
  if (session.events == nullptr) throw std::invalid_argument("sim exchange: connect without an events sink");
  events_ = session.events;
  log_ = session.log;
  instrument_ = session.instrument;
  initial_cash_ = session.initial_cash;
  if (!session.state_dir.empty()) open_journal(session);
}

ExchangeEvents& SimExchange::events() const {
  if (events_ == nullptr) throw std::logic_error("sim exchange: used before connect");
  return *events_;
}

std::vector<Instrument> SimExchange::instruments() { return {instrument_}; }

std::string SimExchange::rejection_reason(const Order& order) const {
  if (!order.quantity.is_positive()) return "quantity must be positive, got " + order.quantity.to_string();
  if (order.time_in_force == TimeInForce::PostOnly && order.type != OrderType::Limit)
    return "post-only applies to limit orders only, not " + std::string(to_string(order.type));
  if (has_limit_price(order.type) && !order.limit_price.is_positive())
    return "limit price must be positive, got " + order.limit_price.to_string();
  if (is_stop(order.type) && !order.stop_price.is_positive())
    return "stop price must be positive, got " + order.stop_price.to_string();
  return {};
}

void SimExchange::submit(const Order& order) {
  ExchangeEvents& sink = events();
  // A client order id names one order for good: sending it again (say, by a host that lost track
  // of it in a crash) must never trade twice. The venue keeps its first order under that id, and
  // records the second submit all the same, rejected: its record shows every order it was sent,
  // so a reader of the journal catches a host that sends an order twice.
  if (orders_.contains(order.client_order_id)) {
    Order duplicate = order;
    duplicate.updated_ts = now_;
    duplicate.exchange_order_id.clear();
    duplicate.status = OrderStatus::Rejected;
    duplicate.reason = "duplicate client order id " + order.client_order_id;
    record(OrderRecord{duplicate});
    sink.on_order_update(OrderUpdate{order.client_order_id, {}, OrderStatus::Rejected, duplicate.reason, now_});
    return;
  }
  VenueOrder received{order};
  received.order.updated_ts = now_;
  std::string reason = rejection_reason(order);
  received.order.reason = reason;
  if (!reason.empty()) {
    received.order.status = OrderStatus::Rejected;
    received.finished = true;
  } else {
    received.order.exchange_order_id = std::string(kOrderIdPrefix) + std::to_string(order_counter_ + 1);
    // A post-only order is only acknowledged once it meets the book at the next open, since
    // only then is it known whether it would take (see docs/sim-exchange.md).
    received.order.status =
        order.time_in_force == TimeInForce::PostOnly ? OrderStatus::Submitted : OrderStatus::Accepted;
  }
  record(OrderRecord{received.order});
  if (!received.order.exchange_order_id.empty()) ++order_counter_;
  VenueOrder& stored = orders_.emplace(order.client_order_id, std::move(received)).first->second;
  const OrderUpdate answer{stored.order.client_order_id, stored.order.exchange_order_id, stored.order.status,
                           std::move(reason), now_};
  if (stored.finished) {
    sink.on_order_update(answer);
    return;
  }
  working_.push_back(&stored);
  if (answer.status == OrderStatus::Accepted) sink.on_order_update(answer);
}

void SimExchange::cancel(const Order& order) {
  const auto found = std::find_if(working_.begin(), working_.end(), [&](const VenueOrder* working) {
    return !working->finished && working->order.client_order_id == order.client_order_id;
  });
  if (found == working_.end()) {
    events().on_error("cancel: unknown order " + order.client_order_id);
    return;
  }
  change_status(static_cast<std::size_t>(found - working_.begin()), OrderStatus::Canceled, "canceled on request");
  if (!matching_) remove_finished();
}

std::vector<Order> SimExchange::open_orders() {
  std::vector<Order> orders;
  for (const VenueOrder* working : working_)
    if (!working->finished) orders.push_back(working->order);
  return orders;
}

std::vector<Balance> SimExchange::balances() {
  // What working orders hold: buys their notional at the price they may pay (market orders at
  // the last price), sells their base quantity.
  Money quote_held;
  Quantity base_held;
  for (const VenueOrder* working : working_) {
    if (working->finished) continue;
    const Order& order = working->order;
    if (order.side == Side::Sell) {
      base_held += order.remaining();
      continue;
    }
    const Price reserve_price = has_limit_price(order.type)          ? order.limit_price
                                : order.type == OrderType::StopMarket ? order.stop_price
                                                                      : last_price_;
    quote_held += notional(reserve_price, order.remaining());
  }
  const Money cash = quote_total();
  const Money base = retag<MoneyTag>(base_position_);
  return {Balance{instrument_.quote_asset, cash, cash - quote_held},
          Balance{instrument_.base_asset, base, base - retag<MoneyTag>(base_held)}};
}

std::optional<Order> SimExchange::query_order(const std::string& client_order_id) {
  const auto found = orders_.find(client_order_id);
  if (found == orders_.end()) return std::nullopt;
  return found->second.order;
}

std::vector<Fill> SimExchange::order_fills(const std::string& client_order_id) {
  const auto found = orders_.find(client_order_id);
  if (found == orders_.end()) return {};
  return found->second.fills;
}

void SimExchange::on_market_trade(const Trade& trade) {
  on_market_bar(Bar{trade.ts, trade.price, trade.price, trade.price, trade.price, trade.quantity});
}

void SimExchange::on_market_bar(const Bar& bar) {
  // A restarted daemon feeds again bars the venue has already matched orders against.
  if (last_matched_ && bar.ts <= *last_matched_) return;
  now_ = bar.ts;
  last_price_ = bar.close;
  if (working_.empty()) return;  // the common case of a backtest: nothing to do, nothing allocated

  bar_recorded_ = false;
  // An order meeting its first bar changes state even when nothing is reported (it now rests on
  // the book), so that bar is recorded.
  if (journal_ && std::any_of(working_.begin(), working_.end(), [](const VenueOrder* o) { return !o->arrived; }))
    record_bar();
  Quantity volume_left = kUnlimitedVolume;
  if (config_.max_volume_share)
    volume_left = bar.volume.mul_div(config_.max_volume_share->raw(), kFixedScale, Rounding::Floor)
                      .round_to(instrument_.lot_size, Rounding::Floor);
  // Orders submitted from inside the callbacks below were placed after this bar began: they are
  // appended past `count` and meet the next bar, like any order submitted during on_bar.
  const std::size_t count = working_.size();
  matching_ = true;
  try {
    for (std::size_t index = 0; index < count; ++index) match(index, bar, volume_left);
  } catch (...) {
    matching_ = false;
    throw;
  }
  matching_ = false;
  remove_finished();
}

// Callbacks may append to working_ (reallocating it) or finish an order, so after every report
// or fill the order is looked up again by index and checked.
void SimExchange::match(std::size_t index, const Bar& bar, Quantity& volume_left) {
  VenueOrder& working = *working_[index];
  if (working.finished) return;
  const Order& order = working.order;
  const TimeInForce tif = order.time_in_force;
  // An immediate-or-cancel or fill-or-kill order ends on the bar it is matched on (for a stop:
  // the bar that triggers it). One still working after it was a casualty of a restart in the
  // middle of that bar: it has had its chance.
  if (fills_at_once_or_never(tif) && working.arrived && (!is_stop(order.type) || working.triggered)) {
    change_status(index, OrderStatus::Expired, expiry_reason(tif));
    return;
  }
  const MatchingOrder matching{order.side,        order.type,        tif == TimeInForce::PostOnly,
                               order.limit_price, order.stop_price, working.triggered, !working.arrived};
  working.arrived = true;
  const BarMatch result = match_on_bar(matching, bar, slippage_, instrument_.tick_size);

  if (result.takes_at_open) {
    change_status(index, OrderStatus::Rejected, "post-only order would take liquidity");
    return;
  }
  if (order.status == OrderStatus::Submitted) {
    change_status(index, OrderStatus::Accepted, {});
    if (working_[index]->finished) return;
  }
  if (result.triggers) {
    change_status(index, OrderStatus::Triggered, {});
    if (working_[index]->finished) return;
  }
  if (is_stop(matching.type) && !working_[index]->triggered) return;

  const Quantity remaining = working_[index]->order.remaining();
  Quantity quantity = result.execution ? std::min(remaining, volume_left) : Quantity();
  if (tif == TimeInForce::FOK && quantity < remaining) quantity = Quantity();
  if (quantity.is_positive()) {
    volume_left -= quantity;
    fill(index, *result.execution, quantity, bar.ts);
  }
  if (!working_[index]->finished && fills_at_once_or_never(tif))
    change_status(index, OrderStatus::Expired, expiry_reason(tif));
}

void SimExchange::fill(std::size_t index, const Execution& execution, Quantity quantity, Timestamp ts) {
  VenueOrder& working = *working_[index];
  const Money value = notional(execution.price, quantity);
  const Ratio rate = execution.liquidity == Liquidity::Maker ? config_.maker_fee_rate : config_.taker_fee_rate;
  const Money fee = apply_rate(value, rate, Rounding::HalfEven);
  const Fill fill{working.order.client_order_id,
                  std::string(kTradeIdPrefix) + std::to_string(trade_counter_ + 1),
                  working.order.side,
                  execution.price,
                  quantity,
                  fee,
                  execution.liquidity,
                  ts};
  if (journal_) {
    // The account as it will be once the fill is applied, for the record.
    const bool buy = fill.side == Side::Buy;
    const Money quote_after = buy ? quote_total() - (value + fee) : quote_total() + (value - fee);
    const Quantity base_after = buy ? base_position_ + quantity : base_position_ - quantity;
    record(FillRecord{fill, quote_after, retag<MoneyTag>(base_after)});
  }
  ++trade_counter_;
  apply_fill(working, fill);
  events().on_fill(fill);
}

void SimExchange::change_status(std::size_t index, OrderStatus status, std::string reason) {
  VenueOrder& working = *working_[index];
  const OrderUpdate update{working.order.client_order_id, working.order.exchange_order_id, status,
                           std::move(reason), now_};
  record(StatusRecord{update});
  apply_status(working, update);
  events().on_order_update(update);
}

void SimExchange::remove_finished() {
  std::erase_if(working_, [](const VenueOrder* working) { return working->finished; });
  // Without a state folder (a backtest) nothing asks about ended orders after a restart: forget
  // them, so that memory does not grow with the number of orders.
  if (!journal_) std::erase_if(orders_, [](const auto& entry) { return entry.second.finished; });
}

void SimExchange::apply_status(VenueOrder& venue_order, const OrderUpdate& update) {
  Order& order = venue_order.order;
  order.status = update.status;
  order.updated_ts = update.ts;
  order.reason = update.reason;
  if (update.status == OrderStatus::Triggered) venue_order.triggered = true;
  if (is_terminal(update.status)) venue_order.finished = true;
}

void SimExchange::apply_fill(VenueOrder& venue_order, const Fill& fill) {
  Order& order = venue_order.order;
  const Money value = notional(fill.price, fill.quantity);
  order.filled_quantity += fill.quantity;
  order.filled_notional += value;
  order.status = order.remaining().is_zero() ? OrderStatus::Filled : OrderStatus::PartiallyFilled;
  order.updated_ts = fill.ts;
  venue_order.finished = order.status == OrderStatus::Filled;
  if (fill.side == Side::Buy) {
    cash_change_ -= value + fill.fee;
    base_position_ += fill.quantity;
  } else {
    cash_change_ += value - fill.fee;
    base_position_ -= fill.quantity;
  }
  venue_order.fills.push_back(fill);
}

// ---- the journal ----

void SimExchange::record(const SimRecord& record) {
  if (!journal_) return;
  if (matching_) record_bar();
  journal_->append(to_json_line(record));
}

void SimExchange::record_bar() {
  if (bar_recorded_) return;
  journal_->append(to_json_line(BarRecord{now_, last_price_}));
  bar_recorded_ = true;
  last_matched_ = now_;
}

void SimExchange::open_journal(const ExchangeSession& session) {
  journal_.emplace(std::filesystem::path(session.state_dir) / kJournalFileName, log_);
  const std::vector<JournalLine>& lines = journal_->existing_lines();
  if (lines.empty()) {
    // A new account: the venue opens it with the bot's starting cash.
    journal_->append(to_json_line(AccountRecord{instrument_.symbol, instrument_.base_asset,
                                                instrument_.quote_asset, initial_cash_}));
    return;
  }
  for (const JournalLine& line : lines) {
    try {
      const SimRecord record = parse_record(line.text);
      if ((line.number == 1) != std::holds_alternative<AccountRecord>(record))
        throw std::runtime_error("the account record must be the first line, and only the first");
      replay_record(record, session);
    } catch (const std::exception& error) {
      throw std::runtime_error("sim exchange: " + journal_->where(line.number) + ": " + error.what());
    }
  }
  remove_finished();
  if (log_ != nullptr)
    log_->info("sim exchange: restored the account from " + journal_->path().string() + ": " +
               std::to_string(orders_.size()) + " orders (" + std::to_string(working_.size()) + " working), " +
               std::to_string(trade_counter_) + " fills, " + instrument_.quote_asset + " " +
               quote_total().to_string() + ", " + instrument_.base_asset + " " + base_position_.to_string());
}

void SimExchange::replay_record(const SimRecord& any_record, const ExchangeSession& session) {
  // The order a status or fill is about; it must be working.
  const auto working_order = [this](const std::string& client_order_id) -> VenueOrder& {
    const auto found = orders_.find(client_order_id);
    if (found == orders_.end()) throw std::runtime_error("order " + client_order_id + " was never received");
    if (found->second.finished) throw std::runtime_error("order " + client_order_id + " had already ended");
    return found->second;
  };
  std::visit(
      [&](const auto& record) {
        using Record = std::decay_t<decltype(record)>;
        if constexpr (std::is_same_v<Record, AccountRecord>) {
          if (record.symbol != instrument_.symbol || record.base_asset != instrument_.base_asset ||
              record.quote_asset != instrument_.quote_asset)
            throw std::runtime_error("this is the account of " + record.symbol + ", in " + record.base_asset +
                                     " and " + record.quote_asset + ", but the bot trades " + instrument_.symbol +
                                     ", in " + instrument_.base_asset + " and " + instrument_.quote_asset +
                                     "; move the file away to open a new account");
          initial_cash_ = record.initial_cash;
          if (record.initial_cash != session.initial_cash && log_ != nullptr)
            log_->warn("sim exchange: the account opened with " + record.initial_cash.to_string() + " " +
                       record.quote_asset + "; the bot's initial cash of " + session.initial_cash.to_string() +
                       " applies only to a new account");
        } else if constexpr (std::is_same_v<Record, OrderRecord>) {
          const Order& order = record.order;
          if (orders_.contains(order.client_order_id)) {
            // A second submit of a known id, which the venue rejected: its first order stands.
            if (order.status != OrderStatus::Rejected || !order.exchange_order_id.empty())
              throw std::runtime_error("order " + order.client_order_id +
                                       " was received again and not rejected as a duplicate");
            now_ = std::max(now_, order.updated_ts);
            return;
          }
          VenueOrder received{order};
          if (order.status == OrderStatus::Rejected) {
            received.finished = true;
          } else if (order.status == OrderStatus::Accepted || order.status == OrderStatus::Submitted) {
            order_counter_ = std::max(order_counter_, id_number(order.exchange_order_id, kOrderIdPrefix));
          } else {
            throw std::runtime_error("order " + order.client_order_id + " was received with status " +
                                     std::string(to_string(order.status)));
          }
          VenueOrder& stored = orders_.emplace(order.client_order_id, std::move(received)).first->second;
          if (!stored.finished) working_.push_back(&stored);
          now_ = std::max(now_, order.updated_ts);
        } else if constexpr (std::is_same_v<Record, StatusRecord>) {
          apply_status(working_order(record.update.client_order_id), record.update);
          now_ = std::max(now_, record.update.ts);
        } else if constexpr (std::is_same_v<Record, FillRecord>) {
          const Fill& fill = record.fill;
          VenueOrder& order = working_order(fill.client_order_id);
          if (fill.side != order.order.side || fill.quantity > order.order.remaining() || !fill.quantity.is_positive())
            throw std::runtime_error("fill " + fill.trade_id + " does not fit order " + fill.client_order_id);
          trade_counter_ = std::max(trade_counter_, id_number(fill.trade_id, kTradeIdPrefix));
          apply_fill(order, fill);
          if (quote_total() != record.quote_balance || retag<MoneyTag>(base_position_) != record.base_balance)
            throw std::runtime_error("fill " + fill.trade_id + ": the balances do not add up (recorded " +
                                     record.quote_balance.to_string() + " and " + record.base_balance.to_string() +
                                     ", computed " + quote_total().to_string() + " and " +
                                     base_position_.to_string() + ")");
          now_ = std::max(now_, fill.ts);
        } else {
          static_assert(std::is_same_v<Record, BarRecord>);
          // Every order working when that bar was matched met it.
          for (VenueOrder* working : working_) working->arrived = true;
          last_matched_ = record.ts;
          last_price_ = record.close;
          now_ = std::max(now_, record.ts);
        }
      },
      any_record);
}

}  // namespace smoops::sim
