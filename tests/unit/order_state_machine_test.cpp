// The order lifecycle: every (from, to) pair of the 11 statuses against a table written out here,
// and what a refused transition does to the order (nothing) and says (the order and both states).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/order_state_machine.hpp"

namespace smoops::engine {
namespace {

using S = OrderStatus;

const std::vector<S> kAllStatuses = {S::Initialized,     S::Denied,        S::Submitted, S::Accepted,
                                     S::Triggered,       S::PartiallyFilled, S::PendingCancel, S::Canceled,
                                     S::Rejected,        S::Expired,       S::Filled};

// The legal successors of each status, from the lifecycle's meaning:
// - Initialized: the host's own checks either deny it or send it.
// - Submitted: the venue acknowledges, refuses, or (because its reply can overtake the ack) fills,
//   cancels or expires it (IOC/FOK); the strategy may ask to cancel before the ack.
// - Accepted: a stop triggers; it fills in part or whole; it is canceled (or a cancel is asked
//   for) or expires; the venue refuses it late (a post-only order that would take, a stop-limit
//   whose limit order is refused when the stop triggers).
// - Triggered: as Accepted, but it cannot trigger again.
// - PartiallyFilled: more partial fills, the last fill, a cancel request, a cancel or an expiry.
// - Submitted -> Triggered: a stop that triggers before its acknowledgement reaches us (the same
//   race as for fills).
// - PendingCancel: the cancel is confirmed; a fill races the cancel; the cancel is refused and
//   the order is working again (Accepted, Triggered, or PartiallyFilled when it has fills); it
//   expires meanwhile.
// - Denied, Canceled, Rejected, Expired, Filled: terminal, nothing follows.
const std::map<S, std::set<S>> kLegal = {
    {S::Initialized, {S::Denied, S::Submitted}},
    {S::Denied, {}},
    {S::Submitted,
     {S::Accepted, S::Triggered, S::Rejected, S::PartiallyFilled, S::Filled, S::Canceled, S::Expired,
      S::PendingCancel}},
    {S::Accepted,
     {S::Triggered, S::PartiallyFilled, S::Filled, S::PendingCancel, S::Canceled, S::Expired, S::Rejected}},
    {S::Triggered, {S::PartiallyFilled, S::Filled, S::PendingCancel, S::Canceled, S::Expired, S::Rejected}},
    {S::PartiallyFilled, {S::PartiallyFilled, S::Filled, S::PendingCancel, S::Canceled, S::Expired}},
    {S::PendingCancel, {S::Canceled, S::PartiallyFilled, S::Filled, S::Accepted, S::Triggered, S::Expired}},
    {S::Canceled, {}},
    {S::Rejected, {}},
    {S::Expired, {}},
    {S::Filled, {}},
};

TEST(OrderStateMachine, EveryPairOfStatusesMatchesTheLifecycleTable) {
  ASSERT_EQ(kAllStatuses.size(), 11u);
  ASSERT_EQ(kLegal.size(), 11u);
  for (S from : kAllStatuses) {
    for (S to : kAllStatuses) {
      const bool expected = kLegal.at(from).contains(to);
      EXPECT_EQ(is_legal_transition(from, to), expected)
          << to_string(from) << " -> " << to_string(to) << " should be " << (expected ? "legal" : "illegal");
    }
  }
}

TEST(OrderStateMachine, TerminalStatesHaveNoExits) {
  for (S from : kAllStatuses) {
    if (!is_terminal(from)) continue;
    for (S to : kAllStatuses) EXPECT_FALSE(is_legal_transition(from, to)) << to_string(from) << " -> " << to_string(to);
  }
}

TEST(OrderStateMachine, EveryNonTerminalStateHasAnExitToATerminalState) {
  for (S from : kAllStatuses) {
    if (is_terminal(from)) continue;
    const bool reaches_terminal = std::any_of(kAllStatuses.begin(), kAllStatuses.end(), [&](S to) {
      return is_terminal(to) && is_legal_transition(from, to);
    });
    EXPECT_TRUE(reaches_terminal) << to_string(from);
  }
}

TEST(OrderStateMachine, OnlyPartiallyFilledMayFollowItself) {
  for (S s : kAllStatuses) EXPECT_EQ(is_legal_transition(s, s), s == S::PartiallyFilled) << to_string(s);
}

TEST(OrderStateMachine, TransitionMovesTheOrderAndStampsTheTime) {
  Order order;
  order.client_order_id = "bot-1";
  transition(order, S::Submitted, Timestamp{10});
  transition(order, S::Accepted, Timestamp{20});
  transition(order, S::PartiallyFilled, Timestamp{30});
  transition(order, S::PartiallyFilled, Timestamp{40});
  transition(order, S::Filled, Timestamp{50});
  EXPECT_EQ(order.status, S::Filled);
  EXPECT_EQ(order.updated_ts, Timestamp{50});
}

TEST(OrderStateMachine, IllegalTransitionNamesTheOrderAndBothStates) {
  Order order;
  order.client_order_id = "btc-sma-7";
  order.status = S::Filled;
  try {
    transition(order, S::Accepted, Timestamp{99});
    FAIL() << "expected IllegalTransition";
  } catch (const IllegalTransition& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("btc-sma-7"), std::string::npos) << what;
    EXPECT_NE(what.find("filled"), std::string::npos) << what;
    EXPECT_NE(what.find("accepted"), std::string::npos) << what;
    EXPECT_EQ(what, "order btc-sma-7: illegal transition filled -> accepted");
    EXPECT_EQ(e.from(), S::Filled);
    EXPECT_EQ(e.to(), S::Accepted);
  }
}

TEST(OrderStateMachine, IllegalTransitionLeavesTheOrderUnchanged) {
  Order order;
  order.client_order_id = "bot-3";
  order.status = S::Canceled;
  order.updated_ts = Timestamp{5};
  EXPECT_THROW(transition(order, S::PartiallyFilled, Timestamp{6}), IllegalTransition);
  EXPECT_EQ(order.status, S::Canceled);
  EXPECT_EQ(order.updated_ts, Timestamp{5});
}

TEST(OrderStateMachine, IllegalTransitionIsALogicError) {
  Order order;
  order.status = S::Initialized;
  EXPECT_THROW(transition(order, S::Filled, Timestamp{1}), std::logic_error);
}

}  // namespace
}  // namespace smoops::engine
