#include "engine/order_state_machine.hpp"

#include <array>
#include <initializer_list>

namespace smoops::engine {
namespace {

constexpr std::size_t kStatusCount = static_cast<std::size_t>(OrderStatus::Filled) + 1;
using TransitionTable = std::array<std::array<bool, kStatusCount>, kStatusCount>;

constexpr void allow(TransitionTable& table, OrderStatus from, std::initializer_list<OrderStatus> targets) {
  for (OrderStatus to : targets) table[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)] = true;
}

// The whole lifecycle in one place; docs/architecture.md shows the same table.
constexpr TransitionTable build_table() {
  using S = OrderStatus;
  TransitionTable t{};
  allow(t, S::Initialized, {S::Denied, S::Submitted});
  // A venue may trigger, fill or cancel before its acknowledgement reaches us.
  allow(t, S::Submitted,
        {S::Accepted, S::Triggered, S::Rejected, S::PartiallyFilled, S::Filled, S::Canceled, S::Expired,
         S::PendingCancel});
  // A venue may refuse a working order late: a post-only order that would take, the limit order
  // of a triggered stop-limit.
  allow(t, S::Accepted, {S::Triggered, S::PartiallyFilled, S::Filled, S::PendingCancel, S::Canceled, S::Expired, S::Rejected});
  allow(t, S::Triggered, {S::PartiallyFilled, S::Filled, S::PendingCancel, S::Canceled, S::Expired, S::Rejected});
  allow(t, S::PartiallyFilled, {S::PartiallyFilled, S::Filled, S::PendingCancel, S::Canceled, S::Expired});
  // A fill can race a cancel request; a refused cancel puts the order back to working.
  allow(t, S::PendingCancel, {S::Canceled, S::PartiallyFilled, S::Filled, S::Accepted, S::Triggered, S::Expired});
  return t;
}

constexpr TransitionTable kTable = build_table();

}  // namespace

IllegalTransition::IllegalTransition(const std::string& client_order_id, OrderStatus from, OrderStatus to)
    : std::logic_error("order " + client_order_id + ": illegal transition " + std::string(to_string(from)) +
                       " -> " + std::string(to_string(to))),
      from_(from),
      to_(to) {}

bool is_legal_transition(OrderStatus from, OrderStatus to) {
  return kTable[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
}

void transition(Order& order, OrderStatus to, Timestamp ts) {
  if (!is_legal_transition(order.status, to)) throw IllegalTransition(order.client_order_id, order.status, to);
  order.status = to;
  order.updated_ts = ts;
}

}  // namespace smoops::engine
