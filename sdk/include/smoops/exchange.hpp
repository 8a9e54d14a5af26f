#pragma once
// An exchange plugin: where orders go and where fills and market data come from. A live
// connector talks to its venue from its own I/O threads and reports back through ExchangeEvents;
// a simulated exchange also implements SimulatedVenue and gets every market event from the
// engine before the strategy does.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/instrument.hpp"
#include "smoops/logger.hpp"
#include "smoops/market_data.hpp"
#include "smoops/order.hpp"
#include "smoops/position.hpp"
#include "smoops/simulated_venue.hpp"

namespace smoops {

/// What an exchange reports to the engine. Implemented by the host; thread-safe.
///
/// Called on the bot's own thread (from connect, submit, cancel or SimulatedVenue's hooks, as a
/// simulated exchange does), an event is queued and applied after the current strategy callback
/// returns. Called from any other thread (a connector's network I/O thread), it is handed to the
/// bot's thread through the bot's event queue: bounded (ExchangeEvents::kQueueCapacity events),
/// first in first out, counted. When the queue is full the calling thread waits until the bot's
/// thread has made room: an order update, a fill or a bar is never dropped, so a connector must
/// not call these while holding a lock the bot's thread may need (from submit or cancel).
/// Events reported after disconnect returns are ignored.
class ExchangeEvents {
 public:
  /// How many events from other threads wait for the bot's thread at most.
  static constexpr std::size_t kQueueCapacity = 65536;

  virtual ~ExchangeEvents() = default;
  /// An order's status changed (accepted, rejected, canceled, expired, triggered).
  virtual void on_order_update(const OrderUpdate& update) = 0;
  /// An order was (partly) filled. The same trade id reported twice is booked once.
  virtual void on_fill(const Fill& fill) = 0;
  /// A closed bar from a live feed (Exchange::subscribe), in time order; a bar no newer than the
  /// last one delivered is dropped by the host.
  virtual void on_bar(const Bar& bar) = 0;
  /// A public trade from a live feed.
  virtual void on_trade(const Trade& trade) = 0;
  /// Something went wrong that is not about one order (lost connection, bad message); logged.
  virtual void on_error(std::string_view message) = 0;
};

/// API credentials for the venue, decrypted by the host from its encrypted store: the bot's
/// `exchange.params.credentials: NAME` names them. The views stay valid until disconnect()
/// returns; the host keeps the bytes in locked memory and wipes them afterwards. Never log them,
/// put them in an error message or copy them anywhere that outlives the session.
struct ApiCredentials {
  std::string_view name;      ///< the stored credential's name (safe to show)
  std::string_view key_type;  ///< "hmac" (HMAC-SHA256 secret) or "ed25519" (private key, PEM)
  std::string_view api_key;
  std::string_view secret;
  /// True when the bot's YAML names no credentials.
  bool empty() const { return api_key.empty(); }
};

/// What the engine tells an exchange when it connects it.
struct ExchangeSession {
  ExchangeEvents* events = nullptr;  ///< where to report; outlives the exchange's use of it
  Logger* log = nullptr;             ///< the bot's logger (thread-safe)
  Instrument instrument;             ///< the instrument from the bot's YAML
  Money initial_cash;                ///< the bot's starting quote balance (simulated accounts start with it)
  /// A folder the exchange may keep its own state in across restarts (the host gives each bot its
  /// own); empty in backtests: keep nothing. A simulated exchange keeps its account and orders
  /// there, as a real venue keeps them on its side, so that they survive a crash of the daemon.
  std::string state_dir;
  /// Empty when the YAML names none (a live connector then cannot trade: throw from connect
  /// unless `market_data_only`).
  ApiCredentials credentials;
  /// True when the host uses this exchange only as a market data feed (`data: {feed: NAME}` of a
  /// bot that trades elsewhere, or `smoops fetch-data`): no orders, no account, public data only.
  bool market_data_only = false;
};

/// A market data subscription (Exchange::subscribe).
struct Subscription {
  std::string symbol;               ///< the host's symbol, e.g. "BTC/USDT"
  bool bars = true;                 ///< closed bars at `bar_interval` through ExchangeEvents::on_bar
  bool trades = false;              ///< public trades through ExchangeEvents::on_trade
  std::string bar_interval = "1m";  ///< "1m", "5m", "1h", "1d", ... (the venue's names)
};

/// A page of bar history (Exchange::bar_history).
struct BarHistoryRequest {
  std::string symbol;              ///< the host's symbol, e.g. "BTC/USDT"
  std::string bar_interval;        ///< as in Subscription
  std::optional<Timestamp> from;   ///< first bar open time wanted (inclusive)
  std::optional<Timestamp> to;     ///< last bar open time wanted (inclusive)
  /// Most bars in the answer. Without `from`: the latest closed bars up to `to` (or up to now).
  std::size_t limit = 1000;
};

/// Base class of every exchange connector.
class Exchange {
 public:
  virtual ~Exchange() = default;
  /// Called once before anything else; an exchange that keeps state in `session.state_dir`
  /// restores it here, a live connector checks its credentials with the venue; throws when it
  /// cannot (the bot does not start; the message says why and never holds a secret).
  virtual void connect(const ExchangeSession& session) = 0;
  /// Called once at the end: stop every I/O thread; the events sink must not be used after it returns.
  virtual void disconnect() {}
  /// The instruments the venue lists, with its filters (a simulated exchange lists the bot's own).
  virtual std::vector<Instrument> instruments() = 0;
  /// Starts market data for a symbol. A live connector keeps the stream up: it reconnects with
  /// backoff and delivers the closed bars it missed meanwhile (from the venue's history) before
  /// new ones, in order.
  virtual void subscribe(const Subscription& subscription) = 0;
  /// Sends an order that passed the host's checks; the outcome comes back through the events.
  /// An order whose answer is lost must be resolved by asking the venue about its client order
  /// id, never by sending it again.
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

  /// Closed bars from the venue's history, oldest first, at most `request.limit` (one page; the
  /// caller pages on). Used to warm a strategy up on start, and by `smoops fetch-data`. May be
  /// called on a connected exchange from the bot's thread. An exchange without history throws.
  virtual std::vector<Bar> bar_history(const BarHistoryRequest& request);

  /// The simulated-venue hooks of a simulated exchange; nullptr for a live one.
  virtual SimulatedVenue* simulated_venue() { return nullptr; }
};

inline std::vector<Bar> Exchange::bar_history(const BarHistoryRequest&) {
  throw std::runtime_error("this exchange has no bar history");
}

}  // namespace smoops
