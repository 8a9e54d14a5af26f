#pragma once
// The bot's strategy sees the engine through this Context: orders and the account go to the Bot,
// time and timers to the StrategyClock it owns, the rest comes from the bot's parts.

#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.hpp"
#include "engine/strategy_clock.hpp"
#include "smoops/context.hpp"

namespace smoops::engine {

class Bot;

/// What a StrategyContext hands out as is. The pointed-to objects must outlive the context.
struct StrategyContextParts {
  const std::string* bot_name = nullptr;
  const Instrument* instrument = nullptr;
  Logger* logger = nullptr;
  const Params* params = nullptr;
  Model* model = nullptr;  ///< optional
  const Clock* time = nullptr;
};

/// The smoops::Context of one bot's strategy. Used on the bot's thread only.
class StrategyContext final : public Context {
 public:
  StrategyContext(Bot& bot, StrategyContextParts parts);

  /// The strategy's clock, with its timers.
  StrategyClock& strategy_clock() { return clock_; }
  const StrategyClock& strategy_clock() const { return clock_; }

  smoops::Clock& clock() const override { return clock_; }
  bool warming_up() const override;
  const std::string& bot_name() const override { return *parts_.bot_name; }
  const Instrument& instrument() const override { return *parts_.instrument; }
  SubmitResult submit(const OrderRequest& request) override;
  bool cancel(std::string_view client_order_id) override;
  const Order* order(std::string_view client_order_id) const override;
  std::vector<const Order*> open_orders() const override;
  const Position& position() const override;
  Money cash() const override;
  Money equity() const override;
  Logger& log() override { return *parts_.logger; }
  const Params& params() const override { return *parts_.params; }
  Model* model() override { return parts_.model; }
  void signal(const Signal& decision) override;

 private:
  Bot& bot_;
  StrategyContextParts parts_;
  mutable StrategyClock clock_;  // Context::clock() is const; setting a timer is not
};

}  // namespace smoops::engine
