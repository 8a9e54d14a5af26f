// The request weight budget and Retry-After, on a made-up clock (epoch milliseconds).

#include <gtest/gtest.h>

#include "weight_limiter.hpp"

namespace smoops::binance {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kT0 = 1'700'000'000'000 / kMinute * kMinute;  // the start of a minute

TEST(WeightLimiter, CountsWeightWithinTheMinuteAndWaitsForTheNextOne) {
  WeightLimiter limiter(100);
  EXPECT_EQ(limiter.reserve(60, kT0 + 1000), 0);
  EXPECT_EQ(limiter.reserve(40, kT0 + 2000), 0);
  EXPECT_EQ(limiter.used(kT0 + 2000), 100);
  // One more would pass the limit: wait for the next minute, counting nothing meanwhile.
  EXPECT_EQ(limiter.reserve(1, kT0 + 45'000), 15'000);
  EXPECT_EQ(limiter.used(kT0 + 45'000), 100);
  EXPECT_EQ(limiter.reserve(1, kT0 + kMinute), 0);
  EXPECT_EQ(limiter.used(kT0 + kMinute), 1);
}

TEST(WeightLimiter, TheVenuesCountFromTheHeaderWins) {
  WeightLimiter limiter(100);
  ASSERT_EQ(limiter.reserve(1, kT0), 0);
  limiter.on_used_weight(95, kT0 + 10);  // other processes on the same IP spent the rest
  EXPECT_EQ(limiter.reserve(10, kT0 + 20), kMinute - 20);
  EXPECT_EQ(limiter.reserve(5, kT0 + 30), 0);
}

TEST(WeightLimiter, ExchangeInfoLimitReplacesTheDefault) {
  WeightLimiter limiter;
  EXPECT_EQ(limiter.limit(), 6000);
  limiter.set_limit(20);
  limiter.set_limit(0);  // absent from exchangeInfo: kept
  EXPECT_EQ(limiter.limit(), 20);
  EXPECT_EQ(limiter.reserve(20, kT0), 0);
  EXPECT_GT(limiter.reserve(1, kT0), 0);
}

TEST(WeightLimiter, RequestHeavierThanTheLimitGoesIntoAnEmptyMinute) {
  WeightLimiter limiter(10);
  EXPECT_EQ(limiter.reserve(20, kT0), 0);
  EXPECT_EQ(limiter.reserve(1, kT0 + 1), kMinute - 1);
}

TEST(WeightLimiter, RetryAfterHoldsEveryRequestUntilItPasses) {
  WeightLimiter limiter(6000);
  limiter.on_retry_after(3, kT0 + 500);
  EXPECT_EQ(limiter.blocked_until(kT0 + 600), kT0 + 3500);
  EXPECT_EQ(limiter.reserve(1, kT0 + 600), 2900);
  EXPECT_EQ(limiter.reserve(1, kT0 + 3499), 1);
  EXPECT_EQ(limiter.reserve(1, kT0 + 3500), 0);
  EXPECT_FALSE(limiter.blocked_until(kT0 + 3500).has_value());
  // A shorter Retry-After never shortens a longer one in force.
  limiter.on_retry_after(10, kT0 + 4000);
  limiter.on_retry_after(1, kT0 + 4100);
  EXPECT_EQ(limiter.blocked_until(kT0 + 4200), kT0 + 14'000);
}

}  // namespace
}  // namespace smoops::binance
