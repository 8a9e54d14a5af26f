#pragma once
// An Exchange whose answers the test scripts: what happens on submit and cancel (by default the
// order is acknowledged, the cancel confirmed, at once, as a simulated exchange does), what its
// simulated venue does with each market event, and what it says about orders, balances and bar
// history. It records what it was asked. For testing a strategy through the host's engine, or
// host code that drives an exchange. Header-only, standard library only.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "smoops/exchange.hpp"

namespace smoops::testing {

/// A scripted Exchange; see the file comment. Used on one thread (scripts run where they are called).
class ScriptedExchange : public Exchange {
 public:
  ScriptedExchange() = default;
  ScriptedExchange(const ScriptedExchange&) = delete;  // its venue points back at it
  ScriptedExchange& operator=(const ScriptedExchange&) = delete;

  /// Reacts to an order sent or to be canceled, reporting through `events`.
  using OrderScript = std::function<void(ExchangeEvents& events, const Order& order)>;

  /// Reports a status change of an order (exchange order id "ex-<client order id>").
  static void report(ExchangeEvents& events, const std::string& client_order_id, OrderStatus status,
                     std::string reason = {}) {
    OrderUpdate update;
    update.client_order_id = client_order_id;
    update.exchange_order_id = "ex-" + client_order_id;
    update.status = status;
    update.reason = std::move(reason);
    events.on_order_update(update);
  }
  /// Reports a fill of `quantity` at `price` of an order.
  static void fill(ExchangeEvents& events, const Order& order, const std::string& trade_id, Price price,
                   Quantity quantity, Money fee = {}) {
    Fill filled;
    filled.client_order_id = order.client_order_id;
    filled.trade_id = trade_id;
    filled.side = order.side;
    filled.price = price;
    filled.quantity = quantity;
    filled.fee = fee;
    events.on_fill(filled);
  }

  /// On submit; default: acknowledged (accepted).
  OrderScript on_submit = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Accepted);
  };
  /// On cancel; default: confirmed (canceled).
  OrderScript on_cancel = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Canceled);
  };
  /// What the simulated venue does with each bar the engine shows it (before the strategy sees it).
  std::function<void(ExchangeEvents& events, const Bar& bar)> on_market_bar;
  /// What the simulated venue does with each public trade.
  std::function<void(ExchangeEvents& events, const Trade& trade)> on_market_trade;
  /// True: a simulated exchange (simulated_venue() runs the two scripts above); false: a live one.
  bool simulated = true;

  /// instruments() answers this.
  std::vector<Instrument> listed;
  /// balances() answers this.
  std::vector<Balance> account;
  /// query_order and order_fills answer from these (the venue's record), by client order id.
  std::map<std::string, Order> venue_orders;
  std::map<std::string, std::vector<Fill>> venue_fills;
  /// bar_history answers from these (oldest first).
  std::vector<Bar> history;

  // What the exchange was asked.
  std::vector<Order> submitted;
  std::vector<Order> canceled;
  std::vector<Subscription> subscriptions;
  std::vector<BarHistoryRequest> history_requests;
  bool connected = false;
  bool disconnected = false;

  /// Client order ids of `submitted`, in order.
  std::vector<std::string> submitted_ids() const { return ids(submitted); }
  /// Client order ids of `canceled`, in order.
  std::vector<std::string> canceled_ids() const { return ids(canceled); }
  /// Where the exchange reports; throws before connect.
  ExchangeEvents& events() const {
    if (!session_.events) throw std::logic_error("ScriptedExchange: not connected");
    return *session_.events;
  }
  /// The session connect() got.
  const ExchangeSession& session() const { return session_; }

  void connect(const ExchangeSession& session) override {
    session_ = session;
    connected = true;
  }
  void disconnect() override { disconnected = true; }
  std::vector<Instrument> instruments() override { return listed; }
  void subscribe(const Subscription& subscription) override { subscriptions.push_back(subscription); }
  void submit(const Order& order) override {
    submitted.push_back(order);
    if (on_submit) on_submit(events(), order);
  }
  void cancel(const Order& order) override {
    canceled.push_back(order);
    if (on_cancel) on_cancel(events(), order);
  }
  std::vector<Order> open_orders() override {
    std::vector<Order> open;
    for (const auto& [id, order] : venue_orders)
      if (!is_terminal(order.status)) open.push_back(order);
    return open;
  }
  std::vector<Balance> balances() override { return account; }
  std::optional<Order> query_order(const std::string& client_order_id) override {
    const auto it = venue_orders.find(client_order_id);
    if (it == venue_orders.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Fill> order_fills(const std::string& client_order_id) override {
    const auto it = venue_fills.find(client_order_id);
    return it == venue_fills.end() ? std::vector<Fill>{} : it->second;
  }
  /// The bars of `history` in [from, to]: the first `limit` of them with `from`, else the last.
  std::vector<Bar> bar_history(const BarHistoryRequest& request) override {
    history_requests.push_back(request);
    std::vector<Bar> selected;
    for (const Bar& bar : history)
      if ((!request.from || bar.ts >= *request.from) && (!request.to || bar.ts <= *request.to)) selected.push_back(bar);
    if (selected.size() > request.limit) {
      const auto excess = static_cast<std::ptrdiff_t>(selected.size() - request.limit);
      if (request.from) {
        selected.erase(selected.end() - excess, selected.end());
      } else {
        selected.erase(selected.begin(), selected.begin() + excess);
      }
    }
    return selected;
  }
  SimulatedVenue* simulated_venue() override { return simulated ? &venue_ : nullptr; }

 private:
  static std::vector<std::string> ids(const std::vector<Order>& orders) {
    std::vector<std::string> result;
    for (const Order& order : orders) result.push_back(order.client_order_id);
    return result;
  }
  struct Venue final : SimulatedVenue {
    explicit Venue(ScriptedExchange& exchange) : exchange_(exchange) {}
    void on_market_bar(const Bar& bar) override {
      if (exchange_.on_market_bar) exchange_.on_market_bar(exchange_.events(), bar);
    }
    void on_market_trade(const Trade& trade) override {
      if (exchange_.on_market_trade) exchange_.on_market_trade(exchange_.events(), trade);
    }
    ScriptedExchange& exchange_;
  };

  ExchangeSession session_;
  Venue venue_{*this};
};

}  // namespace smoops::testing
