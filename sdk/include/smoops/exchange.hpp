#pragma once
// An exchange plugin: where orders go and where fills and market data come from. The simulated
// exchange gets every market event from the engine before the strategy does and matches its
// working orders against it; a live exchange talks to the venue and reports back through
// ExchangeEvents.

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
  /// Called once before anything else.
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

  /// Simulated exchanges: a bar has happened; match working orders against it.
  virtual void on_market_bar(const Bar&) {}
  /// Simulated exchanges: a public trade has happened; match working orders against it.
  virtual void on_market_trade(const Trade&) {}
};

}  // namespace smoops
