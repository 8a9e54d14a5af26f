#pragma once
// An exchange plugin: where orders go and where fills and market data come from. The simulated
// exchange gets every market event from the engine before the strategy does and matches its
// working orders against it; a live exchange talks to the venue and reports back through
// ExchangeEvents.

#include <optional>
#include <string>
#include <vector>

#include "smoops/instrument.hpp"
#include "smoops/logger.hpp"
#include "smoops/market_data.hpp"
#include "smoops/order.hpp"
#include "smoops/position.hpp"

namespace smoops {

/// What an exchange reports to the engine. Implemented by the host. Call these on the bot's own
/// thread only (from connect, submit, cancel, on_market_bar, on_market_trade): a simulated
/// exchange does so synchronously. The engine queues the events and applies them after the
/// current strategy callback returns.
class ExchangeEvents {
 public:
  virtual ~ExchangeEvents() = default;
  /// An order's status changed (accepted, rejected, canceled, expired, triggered).
  virtual void on_order_update(const OrderUpdate& update) = 0;
  /// An order was (partly) filled.
  virtual void on_fill(const Fill& fill) = 0;
  /// A bar from a live feed.
  virtual void on_bar(const Bar& bar) = 0;
  /// A public trade from a live feed.
  virtual void on_trade(const Trade& trade) = 0;
  /// Something went wrong that is not about one order (lost connection, bad message).
  virtual void on_error(std::string_view message) = 0;
};

/// What the engine tells an exchange when it connects it.
struct ExchangeSession {
  ExchangeEvents* events = nullptr;  ///< where to report; outlives the exchange's use of it
  Logger* log = nullptr;             ///< the bot's logger
  Instrument instrument;             ///< the instrument from the bot's YAML
  Money initial_cash;                ///< the bot's starting quote balance (simulated accounts start with it)
  /// A folder the exchange may keep its own state in across restarts (the host gives each bot its
  /// own); empty in backtests: keep nothing. A simulated exchange keeps its account and orders
  /// there, as a real venue keeps them on its side, so that they survive a crash of the daemon.
  std::string state_dir;
};

/// A market data subscription.
struct Subscription {
  std::string symbol;
  bool bars = true;
  bool trades = false;
  std::string bar_interval = "1m";
};

/// Base class of every exchange connector.
class Exchange {
 public:
  virtual ~Exchange() = default;
  /// Called once before anything else; an exchange that keeps state in `session.state_dir`
  /// restores it here and throws when it cannot (the bot does not start).
  virtual void connect(const ExchangeSession& session) = 0;
  /// Called once at the end; the events sink must not be used after it returns.
  virtual void disconnect() {}
  /// The instruments the venue lists (a simulated exchange lists the bot's own).
  virtual std::vector<Instrument> instruments() = 0;
  /// Starts market data for a symbol.
  virtual void subscribe(const Subscription& subscription) = 0;
  /// Sends an order that passed the host's checks; the outcome comes back through the events.
  virtual void submit(const Order& order) = 0;
  /// Requests a cancel; the outcome comes back through the events.
  virtual void cancel(const Order& order) = 0;
  /// Orders the venue considers working.
  virtual std::vector<Order> open_orders() = 0;
  /// Account balances.
  virtual std::vector<Balance> balances() = 0;

  // Reconciliation. When the host recovers a bot after a restart (or a crash), it asks the venue
  // what became of the orders its own journal holds: after connect, on the bot's thread, before
  // any market data reaches the exchange. Both answers must come from the venue's record (the
  // venue's API, or what a simulated exchange keeps under `state_dir`), never from what this
  // process remembers: the process that sent the order may be gone. They report nothing through
  // ExchangeEvents. Without a state_dir a simulated exchange answers from this process's memory.

  /// The venue's view of one order: status, exchange order id, filled quantity and notional (and
  /// whatever else the venue knows of it; what only the host knows, such as the tag, may be empty);
  /// or nullopt when the venue never received an order with this client order id.
  virtual std::optional<Order> query_order(const std::string& client_order_id) = 0;
  /// Every fill the venue recorded for the order, in the order they happened; empty when none
  /// (or when the venue never received it).
  virtual std::vector<Fill> order_fills(const std::string& client_order_id) = 0;

  /// Simulated exchanges: a bar has happened; match working orders against it.
  virtual void on_market_bar(const Bar&) {}
  /// Simulated exchanges: a public trade has happened; match working orders against it.
  virtual void on_market_trade(const Trade&) {}
};

}  // namespace smoops
