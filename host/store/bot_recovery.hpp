#pragma once
// What a paper or live bot recovers from the store when it starts: its books (cash, position,
// working orders with the fills already booked), its order sequence, and where its market data
// replay stopped. Reconciliation with the exchange (engine::Bot::reconcile) then adds what the
// store missed while the daemon was down.

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "engine/order_journal.hpp"
#include "smoops/fixed_point.hpp"
#include "smoops/time.hpp"
#include "store/bot_journal.hpp"

namespace smoops::store {

struct BotRecovery {
  bool fresh = true;                   ///< the store had nothing for the bot: a first start
  engine::RecoveredState state;
  JournalStart journal;
  std::optional<Timestamp> last_bar;   ///< the last bar the bot fully processed
  /// The newest order with stored fills, if any: the exchange must know it (a venue that does not
  /// lost its state, or is another account).
  std::optional<std::string> last_filled_order;
};

/// Reads the bot's state. Throws StoreError (Query) when the stored books contradict each
/// other (the position row does not account for every stored fill): the bot must not trade on
/// books it cannot trust.
BotRecovery load_bot(pqxx::connection& connection, const std::string& bot, Money initial_cash);

/// "buy" -> Side::Buy and so on; std::nullopt for an unknown name.
std::optional<Side> parse_side(std::string_view text);
std::optional<OrderType> parse_order_type(std::string_view text);
std::optional<TimeInForce> parse_time_in_force(std::string_view text);
std::optional<OrderStatus> parse_order_status(std::string_view text);

}  // namespace smoops::store
