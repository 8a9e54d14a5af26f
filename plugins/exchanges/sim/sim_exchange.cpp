#include "sim_exchange.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace smoops::sim {
namespace {

constexpr Quantity kUnlimitedVolume = Quantity::from_raw(INT64_MAX);

bool is_stop(OrderType type) { return type == OrderType::StopMarket || type == OrderType::StopLimit; }
bool has_limit_price(OrderType type) { return type == OrderType::Limit || type == OrderType::StopLimit; }
bool fills_at_once_or_never(TimeInForce tif) { return tif == TimeInForce::IOC || tif == TimeInForce::FOK; }

}  // namespace

SimExchange::SimExchange(const Params& params) : SimExchange(SimConfig::from(params)) {}

SimExchange::SimExchange(SimConfig config) : config_(config), slippage_(config.slippage_bps) {}

void SimExchange::connect(const ExchangeSession& session) {
  if (session.events == nullptr) throw std::invalid_argument("sim exchange: connect without an events sink");
  events_ = session.events;
  instrument_ = session.instrument;
  initial_cash_ = session.initial_cash;
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
  for (const WorkingOrder& working : working_)
    if (!working.finished && working.order.client_order_id == order.client_order_id)
      return "duplicate client order id " + order.client_order_id;
  return {};
}

void SimExchange::submit(const Order& order) {
  ExchangeEvents& sink = events();
  if (std::string reason = rejection_reason(order); !reason.empty()) {
    sink.on_order_update(OrderUpdate{order.client_order_id, {}, OrderStatus::Rejected, std::move(reason), now_});
    return;
  }
  WorkingOrder working{order};
  working.order.exchange_order_id = "sim-o" + std::to_string(++order_counter_);
  working.order.updated_ts = now_;
  // A post-only order is only acknowledged once it meets the book at the next open, since
  // only then is it known whether it would take (see docs/sim-exchange.md).
  const bool post_only = order.time_in_force == TimeInForce::PostOnly;
  working.order.status = post_only ? OrderStatus::Submitted : OrderStatus::Accepted;
  working_.push_back(std::move(working));
  if (!post_only) report(working_.size() - 1, OrderStatus::Accepted, {}, false);
}

void SimExchange::cancel(const Order& order) {
  const auto found = std::find_if(working_.begin(), working_.end(), [&](const WorkingOrder& working) {
    return !working.finished && working.order.client_order_id == order.client_order_id;
  });
  if (found == working_.end()) {
    events().on_error("cancel: unknown order " + order.client_order_id);
    return;
  }
  report(static_cast<std::size_t>(found - working_.begin()), OrderStatus::Canceled, "canceled on request", true);
  if (!matching_) remove_finished();
}

std::vector<Order> SimExchange::open_orders() {
  std::vector<Order> orders;
  for (const WorkingOrder& working : working_)
    if (!working.finished) orders.push_back(working.order);
  return orders;
}

std::vector<Balance> SimExchange::balances() {
  // What working orders hold: buys their notional at the price they may pay (market orders at
  // the last price), sells their base quantity.
  Money quote_held;
  Quantity base_held;
  for (const WorkingOrder& working : working_) {
    if (working.finished) continue;
    const Order& order = working.order;
    if (order.side == Side::Sell) {
      base_held += order.remaining();
      continue;
    }
    const Price reserve_price = has_limit_price(order.type)          ? order.limit_price
                                : order.type == OrderType::StopMarket ? order.stop_price
                                                                      : last_price_;
    quote_held += notional(reserve_price, order.remaining());
  }
  const Money cash = initial_cash_ + cash_change_;
  const Money base = retag<MoneyTag>(base_position_);
  return {Balance{instrument_.quote_asset, cash, cash - quote_held},
          Balance{instrument_.base_asset, base, base - retag<MoneyTag>(base_held)}};
}

void SimExchange::on_market_trade(const Trade& trade) {
  on_market_bar(Bar{trade.ts, trade.price, trade.price, trade.price, trade.price, trade.quantity});
}

void SimExchange::on_market_bar(const Bar& bar) {
  now_ = bar.ts;
  last_price_ = bar.close;
  if (working_.empty()) return;  // the common case of a backtest: nothing to do, nothing allocated

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

// Callbacks may append to working_ (invalidating references) or finish an order, so after every
// report or fill the order is looked up again by index and checked.
void SimExchange::match(std::size_t index, const Bar& bar, Quantity& volume_left) {
  WorkingOrder& working = working_[index];
  if (working.finished) return;
  const Order& order = working.order;
  const TimeInForce tif = order.time_in_force;
  const MatchingOrder matching{order.side,        order.type,        tif == TimeInForce::PostOnly,
                               order.limit_price, order.stop_price, working.triggered, !working.arrived};
  working.arrived = true;
  const BarMatch result = match_on_bar(matching, bar, slippage_, instrument_.tick_size);

  if (result.takes_at_open) {
    report(index, OrderStatus::Rejected, "post-only order would take liquidity", true);
    return;
  }
  if (order.status == OrderStatus::Submitted) {
    report(index, OrderStatus::Accepted, {}, false);
    if (working_[index].finished) return;
  }
  if (result.triggers) {
    working_[index].triggered = true;
    report(index, OrderStatus::Triggered, {}, false);
    if (working_[index].finished) return;
  }
  if (is_stop(matching.type) && !working_[index].triggered) return;

  const Quantity remaining = working_[index].order.remaining();
  Quantity quantity = result.execution ? std::min(remaining, volume_left) : Quantity();
  if (tif == TimeInForce::FOK && quantity < remaining) quantity = Quantity();
  if (quantity.is_positive()) {
    volume_left -= quantity;
    fill(index, *result.execution, quantity, bar.ts);
  }
  if (!working_[index].finished && fills_at_once_or_never(tif))
    report(index, OrderStatus::Expired,
           tif == TimeInForce::IOC ? "immediate-or-cancel: the unfilled remainder expired"
                                   : "fill-or-kill: could not fill completely on its first bar",
           true);
}

void SimExchange::fill(std::size_t index, const Execution& execution, Quantity quantity, Timestamp ts) {
  Order& order = working_[index].order;
  const Money value = notional(execution.price, quantity);
  const Ratio rate = execution.liquidity == Liquidity::Maker ? config_.maker_fee_rate : config_.taker_fee_rate;
  const Money fee = apply_rate(value, rate, Rounding::HalfEven);

  order.filled_quantity += quantity;
  order.filled_notional += value;
  order.status = order.remaining().is_zero() ? OrderStatus::Filled : OrderStatus::PartiallyFilled;
  order.updated_ts = ts;
  working_[index].finished = order.status == OrderStatus::Filled;
  if (order.side == Side::Buy) {
    cash_change_ -= value + fee;
    base_position_ += quantity;
  } else {
    cash_change_ += value - fee;
    base_position_ -= quantity;
  }
  const Fill fill{order.client_order_id, "sim-t" + std::to_string(++trade_counter_), order.side, execution.price,
                  quantity, fee, execution.liquidity, ts};
  events().on_fill(fill);
}

void SimExchange::report(std::size_t index, OrderStatus status, std::string reason, bool finishes) {
  WorkingOrder& working = working_[index];
  working.order.status = status;
  working.order.updated_ts = now_;
  working.order.reason = reason;
  if (finishes) working.finished = true;
  const OrderUpdate update{working.order.client_order_id, working.order.exchange_order_id, status,
                           std::move(reason), now_};
  events().on_order_update(update);
}

void SimExchange::remove_finished() {
  std::erase_if(working_, [](const WorkingOrder& working) { return working.finished; });
}

}  // namespace smoops::sim
