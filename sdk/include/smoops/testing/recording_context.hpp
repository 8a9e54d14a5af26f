#pragma once
// A Context for testing a strategy without the host: it records what the strategy does (submits,
// cancels, signals, log lines) and keeps a simple account the test sets (position, cash, a mark
// price). Orders follow the host's rules where a strategy can tell: client order ids are
// "<bot>-<n>", a denied order still takes a number, an order submitted while warming up is denied
// with reason "warm-up" and takes none. Header-only, standard library only.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smoops/context.hpp"
#include "smoops/testing/recording_logger.hpp"

namespace smoops::testing {

/// A submit as the context saw it.
struct RecordedSubmit {
  OrderRequest request;
  SubmitResult result;
  Timestamp ts;             ///< the clock's time at the submit
  bool warming_up = false;  ///< submitted during warm-up (and so denied)
};

/// A change the context made to an order after its submit returned (a fill, a cancel), for the
/// strategy to hear of through on_fill / on_order_update (StrategyDriver delivers them).
struct OrderEvent {
  Order order;              ///< the order after the change
  std::optional<Fill> fill; ///< set for a fill
};

/// A Context that records; see the file comment. Not thread-safe (a strategy runs on one thread).
class RecordingContext : public Context {
 public:
  /// The reason of every order submitted while warming up, as the host gives it.
  static constexpr const char* kWarmUpDenial = "warm-up";

  /// A context on `clock` (which must outlive it) for a bot named `bot_name`, with empty params.
  explicit RecordingContext(Clock& clock, std::string bot_name = "test")
      : clock_(clock), bot_name_(std::move(bot_name)), params_(Params::map({}, "strategy.params")) {}

  // What the test sets.

  void set_instrument(Instrument instrument) { instrument_ = std::move(instrument); }
  void set_params(Params params) { params_ = std::move(params); }
  /// The model model() returns (nullptr: none); it must outlive its use.
  void set_model(Model* model) { model_ = model; }
  void set_position(Quantity quantity) { position_.quantity = quantity; }
  void set_cash(Money cash) { cash_ = cash; }
  /// The price equity() marks the position at, and market orders fill at (StrategyDriver sets it
  /// to each bar's close).
  void set_mark_price(Price price) { mark_price_ = price; }
  /// Context::warming_up(); while true every submit is denied with kWarmUpDenial.
  void set_warming_up(bool warming_up) { warming_up_ = warming_up; }
  /// Denies every later submit with `reason` (as a pre-trade check would); "" accepts again.
  void deny_submits(std::string reason) { deny_reason_ = std::move(reason); }
  /// When true (the default), an accepted market order fills at once at the mark price: the
  /// position and cash change and the fill waits in take_order_events().
  void set_fill_market_orders(bool fill) { fill_market_orders_ = fill; }

  // What the strategy did.

  /// Every submit, denied ones included, oldest first.
  const std::vector<RecordedSubmit>& submits() const { return submits_; }
  /// The submits that were accepted.
  std::vector<RecordedSubmit> accepted_submits() const {
    std::vector<RecordedSubmit> accepted;
    std::copy_if(submits_.begin(), submits_.end(), std::back_inserter(accepted),
                 [](const RecordedSubmit& s) { return s.result.accepted; });
    return accepted;
  }
  /// Client order ids the strategy asked to cancel (known or not), in order.
  const std::vector<std::string>& cancels() const { return cancels_; }
  /// Every Context::signal, in order.
  const std::vector<Signal>& signals() const { return signals_; }
  /// Every log line.
  RecordingLogger& logger() { return logger_; }
  const RecordingLogger& logger() const { return logger_; }

  /// Fills what remains of a working order at `price`, with `fee` in the quote asset: the order
  /// ends filled, the position and cash change, and the fill waits in take_order_events().
  /// Returns false when the id is unknown or the order is not working.
  bool fill(std::string_view client_order_id, Price price, Money fee = {}) {
    Order* order = find(client_order_id);
    if (!order || is_terminal(order->status)) return false;
    Fill filled;
    filled.client_order_id = order->client_order_id;
    filled.trade_id = "trade-" + std::to_string(++trades_);
    filled.side = order->side;
    filled.price = price;
    filled.quantity = order->remaining();
    filled.fee = fee;
    filled.ts = now();
    const Money paid = notional(price, filled.quantity);
    position_.quantity += order->side == Side::Buy ? filled.quantity : -filled.quantity;
    cash_ += order->side == Side::Buy ? -paid - fee : paid - fee;
    position_.fees += fee;
    order->filled_quantity += filled.quantity;
    order->filled_notional += paid;
    end(*order, OrderStatus::Filled);
    order_events_.push_back({*order, filled});
    return true;
  }
  /// The order changes since the last call, oldest first.
  std::vector<OrderEvent> take_order_events() { return std::exchange(order_events_, {}); }

  // Context

  Clock& clock() const override { return clock_; }
  bool warming_up() const override { return warming_up_; }
  const std::string& bot_name() const override { return bot_name_; }
  const Instrument& instrument() const override { return instrument_; }

  /// Accepted orders are working at once (status accepted); see the class comment for denials.
  SubmitResult submit(const OrderRequest& request) override {
    RecordedSubmit recorded{request, {}, now(), warming_up_};
    if (warming_up_) {
      recorded.result = {false, {}, kWarmUpDenial};
    } else {
      Order order;
      order.client_order_id = bot_name_ + "-" + std::to_string(next_sequence_++);
      order.symbol = instrument_.symbol;
      order.side = request.side;
      order.type = request.type;
      order.time_in_force = request.time_in_force;
      order.quantity = request.quantity;
      order.limit_price = request.limit_price;
      order.stop_price = request.stop_price;
      order.tag = request.tag;
      order.created_ts = order.updated_ts = now();
      const bool accepted = deny_reason_.empty();
      order.status = accepted ? OrderStatus::Accepted : OrderStatus::Denied;
      order.reason = deny_reason_;
      recorded.result = {accepted, order.client_order_id, deny_reason_};
      const std::string id = order.client_order_id;
      orders_.emplace(id, std::move(order));
      if (accepted) open_.push_back(id);
      if (accepted && fill_market_orders_ && request.type == OrderType::Market && mark_price_.is_positive())
        fill(id, mark_price_);
    }
    submits_.push_back(recorded);
    return recorded.result;
  }
  /// Cancels a working order at once (the host would wait for the venue's confirmation).
  bool cancel(std::string_view client_order_id) override {
    cancels_.emplace_back(client_order_id);
    Order* order = find(client_order_id);
    if (!order || is_terminal(order->status)) return false;
    end(*order, OrderStatus::Canceled);
    order_events_.push_back({*order, std::nullopt});
    return true;
  }
  const Order* order(std::string_view client_order_id) const override {
    const auto it = orders_.find(client_order_id);
    return it == orders_.end() ? nullptr : &it->second;
  }
  std::vector<const Order*> open_orders() const override {
    std::vector<const Order*> open;
    for (const std::string& id : open_) open.push_back(order(id));
    return open;
  }
  const Position& position() const override { return position_; }
  Money cash() const override { return cash_; }
  /// Cash plus the position at the mark price.
  Money equity() const override { return cash_ + notional(mark_price_, position_.quantity); }
  Logger& log() override { return logger_; }
  const Params& params() const override { return params_; }
  Model* model() override { return model_; }
  void signal(const Signal& decision) override { signals_.push_back(decision); }

 private:
  Order* find(std::string_view client_order_id) {
    const auto it = orders_.find(client_order_id);
    return it == orders_.end() ? nullptr : &it->second;
  }
  void end(Order& order, OrderStatus status) {
    order.status = status;
    order.updated_ts = now();
    std::erase(open_, order.client_order_id);
  }

  Clock& clock_;
  std::string bot_name_;
  Params params_;
  Instrument instrument_;
  Model* model_ = nullptr;
  Position position_;
  Money cash_;
  Price mark_price_;
  bool warming_up_ = false;
  bool fill_market_orders_ = true;
  std::string deny_reason_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t trades_ = 0;
  std::map<std::string, Order, std::less<>> orders_;
  std::vector<std::string> open_;  // working orders' ids, oldest first
  std::vector<RecordedSubmit> submits_;
  std::vector<std::string> cancels_;
  std::vector<Signal> signals_;
  std::vector<OrderEvent> order_events_;
  RecordingLogger logger_;
};

}  // namespace smoops::testing
