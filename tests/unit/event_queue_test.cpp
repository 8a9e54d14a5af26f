// engine::EventQueue, the hand-over from an exchange's threads to the bot's: first in first out,
// bounded (a producer waits for room, counted), closed after disconnect, and a wait that ends on
// an event, a deadline or a wake-up.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/event_queue.hpp"

namespace smoops::engine {
namespace {

using namespace std::chrono_literals;

QueuedEvent bar_at(std::int64_t ts_ms) {
  Bar bar;
  bar.ts = Timestamp::from_millis(ts_ms);
  return bar;
}

std::vector<std::int64_t> bar_times(const std::deque<QueuedEvent>& events) {
  std::vector<std::int64_t> times;
  for (const QueuedEvent& event : events) times.push_back(std::get<Bar>(event).ts.millis());
  return times;
}

// Spins (briefly) until the queue has seen `waits` producers wait for room.
void await_producer_waits(const EventQueue& queue, std::uint64_t waits) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (queue.stats().producer_waits < waits) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the producer never waited";
    std::this_thread::sleep_for(100us);
  }
}

TEST(EventQueue, TakesEventsFirstInFirstOutAndCountsThem) {
  EventQueue queue(8);
  for (std::int64_t ts : {3, 1, 2}) EXPECT_TRUE(queue.push(bar_at(ts)));
  std::deque<QueuedEvent> taken;
  EXPECT_EQ(queue.take_all(taken), 3u);
  EXPECT_EQ(bar_times(taken), (std::vector<std::int64_t>{3, 1, 2}));
  EXPECT_TRUE(queue.push(bar_at(4)));
  EXPECT_EQ(queue.take_all(taken), 1u);  // appended after what `taken` held
  EXPECT_EQ(bar_times(taken), (std::vector<std::int64_t>{3, 1, 2, 4}));
  EXPECT_EQ(queue.take_all(taken), 0u);
  const EventQueueStats stats = queue.stats();
  EXPECT_EQ(stats.pushed, 4u);
  EXPECT_EQ(stats.max_depth, 3u);
  EXPECT_EQ(stats.producer_waits, 0u);
}

TEST(EventQueue, AProducerFindingTheQueueFullWaitsUntilTheConsumerMakesRoom) {
  EventQueue queue(2);
  ASSERT_TRUE(queue.push(bar_at(1)));
  ASSERT_TRUE(queue.push(bar_at(2)));
  std::atomic<bool> pushed = false;
  std::thread producer([&] {
    queue.push(bar_at(3));
    pushed = true;
  });
  await_producer_waits(queue, 1);
  EXPECT_FALSE(pushed);  // still waiting: nothing was dropped to make room
  EXPECT_EQ(queue.size(), 2u);
  std::deque<QueuedEvent> taken;
  EXPECT_EQ(queue.take_all(taken), 2u);
  producer.join();
  EXPECT_TRUE(pushed);
  EXPECT_EQ(queue.take_all(taken), 1u);
  EXPECT_EQ(bar_times(taken), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(queue.stats().producer_waits, 1u);
  EXPECT_EQ(queue.stats().max_depth, 2u);  // never above the capacity
}

TEST(EventQueue, AClosedQueueIgnoresNewEventsAndReleasesAWaitingProducer) {
  EventQueue queue(1);
  ASSERT_TRUE(queue.push(bar_at(1)));
  bool result = true;
  std::thread producer([&] { result = queue.push(bar_at(2)); });
  await_producer_waits(queue, 1);
  queue.close();
  producer.join();
  EXPECT_FALSE(result);
  EXPECT_FALSE(queue.push(bar_at(3)));
  std::deque<QueuedEvent> taken;
  EXPECT_EQ(queue.take_all(taken), 1u);  // what was queued before the close stays
  EXPECT_EQ(queue.stats().pushed, 1u);
}

TEST(EventQueue, AWaitEndsWhenAnEventArrivesFromAnotherThread) {
  EventQueue queue(4);
  std::thread producer([&] { queue.push(bar_at(1)); });
  EXPECT_TRUE(queue.wait(std::chrono::steady_clock::now() + 60s));
  producer.join();
  EXPECT_EQ(queue.size(), 1u);
}

TEST(EventQueue, AWaitEndsAtItsDeadlineOrOnAWakeUpEvenOneThatCameFirst) {
  EventQueue queue(4);
  EXPECT_FALSE(queue.wait(std::chrono::steady_clock::now() + 1ms));
  queue.wake();  // before the wait: not lost
  EXPECT_FALSE(queue.wait(std::chrono::steady_clock::now() + 60s));
  std::thread waker([&] { queue.wake(); });
  EXPECT_FALSE(queue.wait(std::chrono::steady_clock::now() + 60s));
  waker.join();
  queue.push(bar_at(1));
  EXPECT_TRUE(queue.wait(std::chrono::steady_clock::now() + 60s));  // queued: returns at once
}

TEST(EventQueue, RefusesAZeroCapacity) { EXPECT_THROW(EventQueue(0), std::invalid_argument); }

}  // namespace
}  // namespace smoops::engine
