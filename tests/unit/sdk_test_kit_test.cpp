// The SDK's test kit itself (smoops/testing/): what plugin authors rely on when they test with it.

#include <gtest/gtest.h>

#include <thread>

#include "smoops/testing.hpp"

namespace smoops {
namespace {

TEST(TestClock, AdvancingFiresDueTimersInTimeOrderAtTheirOwnTime) {
  testing::TestClock clock(Timestamp::from_millis(0));
  std::vector<std::string> fired;
  clock.on_timer([&](TimerId id, Timestamp at) {
    fired.push_back(std::to_string(id) + "@" + std::to_string(at.millis()) + " now " + std::to_string(clock.now().millis()));
  });
  const TimerId every = clock.set_timer(Timestamp::from_millis(10), Duration::from_millis(10));
  const TimerId once = clock.set_timer(Timestamp::from_millis(15));
  const TimerId canceled = clock.set_timer(Timestamp::from_millis(12));
  clock.cancel_timer(canceled);
  EXPECT_EQ(clock.advance_to(Timestamp::from_millis(25)), 3u);
  EXPECT_EQ(fired, (std::vector<std::string>{std::to_string(every) + "@10 now 10", std::to_string(once) + "@15 now 15",
                                             std::to_string(every) + "@20 now 20"}));
  EXPECT_EQ(clock.now(), Timestamp::from_millis(25));
  EXPECT_EQ(clock.next_timer_at(), Timestamp::from_millis(30));
  clock.move_to(Timestamp::from_millis(40));  // no firing
  EXPECT_EQ(fired.size(), 3u);
  EXPECT_EQ(clock.advance_by(Duration{}), 2u);  // 30 and 40, now due
}

TEST(RecordingContext, NumbersOrdersAsTheHostDoesAndDeniesWhileWarmingUp) {
  testing::TestClock clock;
  testing::RecordingContext ctx(clock, "b");
  OrderRequest buy;
  buy.quantity = Quantity::from_units(1);
  ctx.set_warming_up(true);
  EXPECT_EQ(ctx.submit(buy).reason, "warm-up");
  ctx.set_warming_up(false);
  ctx.deny_submits("kill switch is on");
  EXPECT_EQ(ctx.submit(buy).client_order_id, "b-1");  // denied, but numbered
  ctx.deny_submits("");
  ctx.set_mark_price(Price::from_units(100));
  ctx.set_cash(Money::from_units(1000));
  const SubmitResult accepted = ctx.submit(buy);
  EXPECT_TRUE(accepted.accepted);
  EXPECT_EQ(accepted.client_order_id, "b-2");
  EXPECT_EQ(ctx.position().quantity, Quantity::from_units(1));  // filled at the mark
  EXPECT_EQ(ctx.cash(), Money::from_units(900));
  const auto events = ctx.take_order_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].order.status, OrderStatus::Filled);
  EXPECT_EQ(ctx.submits().size(), 3u);
  EXPECT_EQ(ctx.accepted_submits().size(), 1u);
}

TEST(RecordingEvents, RecordsReportsFromAnotherThreadAndWaitsForThem) {
  testing::RecordingEvents events;
  std::thread venue([&] {
    testing::ScriptedExchange::report(events, "b-1", OrderStatus::Accepted);
    events.on_error("lost");
  });
  EXPECT_TRUE(events.wait_until([](const testing::RecordedEvents& r) { return !r.errors.empty(); }));
  venue.join();
  const testing::RecordedEvents recorded = events.snapshot();
  ASSERT_EQ(recorded.updates.size(), 1u);
  EXPECT_EQ(recorded.updates[0].exchange_order_id, "ex-b-1");
  EXPECT_FALSE(events.wait_until([](const testing::RecordedEvents& r) { return !r.fills.empty(); },
                                 std::chrono::milliseconds(1)));
}

TEST(ScriptedExchange, AnswersHistoryPagesFromItsBars) {
  testing::ScriptedExchange exchange;
  for (int i = 0; i < 5; ++i) {
    Bar bar;
    bar.ts = Timestamp::from_millis(i);
    exchange.history.push_back(bar);
  }
  BarHistoryRequest latest;
  latest.limit = 2;
  const auto last_two = exchange.bar_history(latest);
  ASSERT_EQ(last_two.size(), 2u);
  EXPECT_EQ(last_two[0].ts, Timestamp::from_millis(3));
  BarHistoryRequest from_one;
  from_one.from = Timestamp::from_millis(1);
  from_one.limit = 2;
  const auto page = exchange.bar_history(from_one);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ts, Timestamp::from_millis(1));
  EXPECT_EQ(exchange.history_requests.size(), 2u);
}

}  // namespace
}  // namespace smoops
