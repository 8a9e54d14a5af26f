#include "engine/strategy_context.hpp"

#include <stdexcept>

#include "engine/bot.hpp"

namespace smoops::engine {

StrategyContext::StrategyContext(Bot& bot, StrategyContextParts parts)
    : bot_(bot), parts_(parts), clock_(*parts.time) {
  if (!parts_.bot_name || !parts_.instrument || !parts_.logger || !parts_.params || !parts_.time)
    throw std::invalid_argument("StrategyContext: name, instrument, logger, params and time are required");
}

bool StrategyContext::warming_up() const { return bot_.warming_up(); }
SubmitResult StrategyContext::submit(const OrderRequest& request) { return bot_.submit(request); }
bool StrategyContext::cancel(std::string_view client_order_id) { return bot_.cancel(client_order_id); }
const Order* StrategyContext::order(std::string_view client_order_id) const { return bot_.order(client_order_id); }
std::vector<const Order*> StrategyContext::open_orders() const { return bot_.open_orders(); }
const Position& StrategyContext::position() const { return bot_.position(); }
Money StrategyContext::cash() const { return bot_.cash(); }
Money StrategyContext::equity() const { return bot_.equity(); }
void StrategyContext::signal(const Signal& decision) { bot_.record_signal(decision); }

}  // namespace smoops::engine
