#pragma once
// What a strategy acts through: orders, its account, the clock (time and timers), logging,
// parameters, model, signals.
// A Context is only valid inside the callback it was passed to.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/clock.hpp"
#include "smoops/fixed_point.hpp"
#include "smoops/instrument.hpp"
#include "smoops/logger.hpp"
#include "smoops/model.hpp"
#include "smoops/order.hpp"
#include "smoops/params.hpp"
#include "smoops/position.hpp"
#include "smoops/signal.hpp"
#include "smoops/time.hpp"

namespace smoops {

/// The answer to Context::submit.
struct SubmitResult {
  bool accepted = false;        ///< false: denied by a pre-trade check, nothing was sent
  /// Assigned even to a denied order, for the record; empty for one submitted while warming up
  /// (it takes no number, so the ids stay those of a bot that never stopped).
  std::string client_order_id;
  std::string reason;           ///< why it was denied
};

/// The strategy's handle on the engine. Implemented by the host.
class Context {
 public:
  virtual ~Context() = default;

  /// The bot's clock: time and timers, simulated in a backtest, wall clock live.
  virtual Clock& clock() const = 0;
  /// clock().now(): during on_bar it is the bar's ts.
  Timestamp now() const { return clock().now(); }
  /// True while the host feeds the strategy the bars before its start (Strategy::warmup_bars):
  /// every order is denied then (reason "warm-up"), timers do not fire, and signals are only
  /// logged at debug.
  virtual bool warming_up() const = 0;
  /// The bot's name from its YAML.
  virtual const std::string& bot_name() const = 0;
  /// The instrument the bot trades.
  virtual const Instrument& instrument() const = 0;

  /// Checks the order against the instrument filters and risk limits and, if it passes,
  /// sends it. Never throws for a denial: the result says why.
  virtual SubmitResult submit(const OrderRequest& request) = 0;
  /// Requests a cancel; false when the id is unknown or the order already ended.
  virtual bool cancel(std::string_view client_order_id) = 0;
  /// The order with this id, or nullptr.
  virtual const Order* order(std::string_view client_order_id) const = 0;
  /// Orders that are still working, oldest first.
  virtual std::vector<const Order*> open_orders() const = 0;

  /// The bot's position in its instrument.
  virtual const Position& position() const = 0;
  /// Cash in the quote asset.
  virtual Money cash() const = 0;
  /// Cash plus the position marked at the last price.
  virtual Money equity() const = 0;

  /// clock().set_timer(at, every).
  TimerId set_timer(Timestamp at, Duration every = {}) { return clock().set_timer(at, every); }
  /// clock().cancel_timer(id).
  void cancel_timer(TimerId id) { clock().cancel_timer(id); }

  /// The bot's logger.
  virtual Logger& log() = 0;
  /// The strategy's parameters from the YAML.
  virtual const Params& params() const = 0;
  /// The bot's model, or nullptr when its YAML names none.
  virtual Model* model() = 0;
  /// Reports a decision and its checks: logged, and published on the bus under smoopsd.
  virtual void signal(const Signal& decision) = 0;
};

}  // namespace smoops
