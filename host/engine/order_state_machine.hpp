#pragma once
// The legal lifecycle of an order. Every status change in the engine goes through here, so an
// exchange that reports something impossible (a fill after a cancel, an accept after a fill) is
// caught and rejected instead of corrupting the books.

#include <stdexcept>
#include <string>

#include "smoops/order.hpp"

namespace smoops::engine {

/// A status change the state machine forbids.
class IllegalTransition : public std::logic_error {
 public:
  IllegalTransition(const std::string& client_order_id, OrderStatus from, OrderStatus to);
  OrderStatus from() const { return from_; }
  OrderStatus to() const { return to_; }

 private:
  OrderStatus from_;
  OrderStatus to_;
};

/// True when an order may go from `from` to `to`. PartiallyFilled → PartiallyFilled is legal
/// (another partial fill); every other self-transition is not.
bool is_legal_transition(OrderStatus from, OrderStatus to);

/// Moves `order` to `to` at `ts`, or throws IllegalTransition and leaves it unchanged.
void transition(Order& order, OrderStatus to, Timestamp ts);

}  // namespace smoops::engine
