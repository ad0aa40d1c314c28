// SPDX-License-Identifier: Apache-2.0
#include "limits/token_bucket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace meshgate::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TokenBucketConfig perSecond(uint64_t rate, uint64_t burst) {
  return TokenBucketConfig{burst, rate, seconds(1)};
}

TEST(TokenBucket, ConfigValidation) {
  EXPECT_TRUE(validateTokenBucketConfig(perSecond(100, 10)).ok());
  EXPECT_FALSE(validateTokenBucketConfig({0, 1, seconds(1)}).ok());
  EXPECT_FALSE(validateTokenBucketConfig({1, 0, seconds(1)}).ok());
  EXPECT_FALSE(validateTokenBucketConfig({1, 1, nanoseconds(0)}).ok());
  EXPECT_FALSE(validateTokenBucketConfig({1, 1, nanoseconds(-5)}).ok());
  EXPECT_TRUE(validateTokenBucketConfig({1, 1'000'000'000, seconds(1)}).ok());
  EXPECT_FALSE(validateTokenBucketConfig({1, 1'000'000'001, seconds(1)}).ok());
  // A billion tokens refilled at one a day would take longer than the arithmetic spans.
  EXPECT_FALSE(validateTokenBucketConfig({1'000'000'000, 1, std::chrono::hours(24)}).ok());
  EXPECT_TRUE(validateTokenBucketConfig({1'000, 1, std::chrono::hours(24)}).ok());
}

TEST(TokenBucket, StartsFullThenRefusesWithHeaders) {
  base::ManualClock clock;
  TokenBucket bucket(perSecond(10, 5), clock);  // a token every 100 ms
  for (uint64_t i = 0; i < 5; ++i) {
    RateLimitDecision d = bucket.tryAcquire(1, clock);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 5u);
    EXPECT_EQ(d.remaining, 4 - i);
    EXPECT_EQ(d.reset, milliseconds(100) * (i + 1));
    EXPECT_EQ(d.retry_after, nanoseconds(0));
    EXPECT_EQ(d.retryAfterSeconds(), 0u);
  }
  RateLimitDecision denied = bucket.tryAcquire(1, clock);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0u);
  EXPECT_EQ(denied.reset, milliseconds(500));
  EXPECT_EQ(denied.retry_after, milliseconds(100));
  EXPECT_EQ(denied.resetSeconds(), 1u);
  EXPECT_EQ(denied.retryAfterSeconds(), 1u);
  // Denials take nothing, and the wait they announce is exact.
  clock.advance(milliseconds(99));
  EXPECT_FALSE(bucket.tryAcquire(1, clock).allowed);
  clock.advance(milliseconds(1));
  EXPECT_TRUE(bucket.tryAcquire(1, clock).allowed);
  EXPECT_FALSE(bucket.tryAcquire(1, clock).allowed);
}

TEST(TokenBucket, RefillsContinuouslyUpToTheBurst) {
  base::ManualClock clock;
  TokenBucket bucket(perSecond(10, 5), clock);
  EXPECT_TRUE(bucket.tryAcquire(5, clock).allowed);
  EXPECT_EQ(bucket.available(clock.monotonicNow()), 0u);
  clock.advance(milliseconds(250));
  EXPECT_EQ(bucket.available(clock.monotonicNow()), 2u);
  clock.advance(seconds(60));
  EXPECT_EQ(bucket.available(clock.monotonicNow()), 5u);  // capped at the burst
  EXPECT_TRUE(bucket.tryAcquire(5, clock).allowed);
  EXPECT_FALSE(bucket.tryAcquire(1, clock).allowed);
}

TEST(TokenBucket, MultiTokenRequests) {
  base::ManualClock clock;
  TokenBucket bucket(perSecond(10, 5), clock);
  EXPECT_TRUE(bucket.tryAcquire(3, clock).allowed);
  RateLimitDecision d = bucket.tryAcquire(3, clock);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(d.retry_after, milliseconds(100));
  EXPECT_TRUE(bucket.tryAcquire(2, clock).allowed);
  // More than the bucket can ever hold.
  RateLimitDecision never = bucket.tryAcquire(6, clock);
  EXPECT_FALSE(never.allowed);
  EXPECT_EQ(never.retry_after, milliseconds(500));
  clock.advance(seconds(10));
  EXPECT_FALSE(bucket.tryAcquire(6, clock).allowed);
  // n = 0 reports without taking.
  RateLimitDecision peek = bucket.tryAcquire(0, clock);
  EXPECT_TRUE(peek.allowed);
  EXPECT_EQ(peek.remaining, 5u);
  EXPECT_EQ(bucket.available(clock.monotonicNow()), 5u);
}

// Admits exactly rate × time + burst over a long run, for awkward rates too. The burst is at
// least 2 so that the bucket never sits full between two polls (time spent full is lost by
// design: a bucket holds no more than its burst).
struct RateCase {
  const char* name;
  TokenBucketConfig config;
  nanoseconds step;
  nanoseconds duration;
};

void PrintTo(const RateCase& c, std::ostream* os) {
  *os << c.name;
}

class LongRun : public ::testing::TestWithParam<RateCase> {};

TEST_P(LongRun, AdmitsRateTimesTimePlusBurst) {
  const RateCase& c = GetParam();
  base::ManualClock clock;
  TokenBucket bucket(c.config, clock);
  uint64_t admitted = 0;
  const int64_t steps = c.duration / c.step;
  for (int64_t i = 0; i < steps; ++i) {
    while (bucket.tryAcquire(1, clock).allowed)
      ++admitted;
    clock.advance(c.step);
  }
  const double elapsed = std::chrono::duration<double>(c.step * (steps - 1)).count();
  const double rate = static_cast<double>(c.config.tokens_per_fill) /
                      std::chrono::duration<double>(c.config.fill_interval).count();
  const double expected = rate * elapsed + static_cast<double>(c.config.max_tokens);
  // The interval is rounded up by less than 2^-14 of itself; one token of slack for the end.
  EXPECT_LE(static_cast<double>(admitted), expected + 1);
  EXPECT_GE(static_cast<double>(admitted), expected * (1 - 1.0 / 16384) - 1);
}

INSTANTIATE_TEST_SUITE_P(
    Rates, LongRun,
    ::testing::Values(
        RateCase{"HundredPerSecond", {10, 100, seconds(1)}, milliseconds(1), seconds(600)},
        RateCase{"ThreePerSecond", {2, 3, seconds(1)}, milliseconds(7), seconds(600)},
        RateCase{"SevenPerThreeSeconds", {50, 7, seconds(3)}, milliseconds(13), seconds(900)},
        RateCase{"MillionPerSecond",
                 {1000, 1'000'000, seconds(1)},
                 std::chrono::microseconds(50),
                 seconds(2)},
        RateCase{"OnePerHour", {2, 1, std::chrono::hours(1)}, seconds(61), std::chrono::hours(48)}),
    [](const ::testing::TestParamInfo<RateCase>& info) { return std::string(info.param.name); });

// A clock that many threads may read and advance.
class SharedClock {
 public:
  explicit SharedClock(base::MonoTime start) : start_(start) {}
  // Returns a time and moves the clock on by `step`.
  base::MonoTime tick(nanoseconds step) {
    return start_ + nanoseconds(ns_.fetch_add(step.count(), std::memory_order_relaxed));
  }
  nanoseconds elapsed() const { return nanoseconds(ns_.load(std::memory_order_relaxed)); }

 private:
  base::MonoTime start_;
  std::atomic<int64_t> ns_{0};
};

TEST(TokenBucket, ExactAcrossFourThreadsOnASimulatedClock) {
  // The accuracy target: 100/s for 5 simulated seconds, four workers hammering.
  base::ManualClock manual;
  const base::MonoTime start = manual.monotonicNow();
  constexpr uint64_t kBurst = 10;
  TokenBucket bucket(perSecond(100, kBurst), start);
  SharedClock clock(start);
  std::atomic<uint64_t> admitted{0};
  std::atomic<uint64_t> attempts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      // Each attempt moves simulated time on by 20 µs: 250 000 attempts in 5 s.
      for (;;) {
        base::MonoTime now = clock.tick(std::chrono::microseconds(20));
        if (now - start >= seconds(5)) return;
        attempts.fetch_add(1, std::memory_order_relaxed);
        if (bucket.tryAcquire(1, now).allowed) admitted.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(attempts.load(), 250'000u);
  const double expected = 500 + kBurst;
  EXPECT_NEAR(static_cast<double>(admitted.load()), expected, 0.01 * 500) << admitted.load();
}

TEST(TokenBucket, NeverOverAdmitsUnderRealConcurrency) {
  const base::RealClock& clock = base::RealClock::instance();
  constexpr uint64_t kRate = 2000, kBurst = 50;
  const base::MonoTime start = clock.monotonicNow();
  TokenBucket bucket(perSecond(kRate, kBurst), start);
  std::atomic<uint64_t> admitted{0};
  std::vector<std::thread> threads;
  const auto duration = milliseconds(300);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (clock.monotonicNow() - start < duration) {
        if (bucket.tryAcquire(1, clock).allowed) admitted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  const double elapsed = std::chrono::duration<double>(clock.monotonicNow() - start).count();
  EXPECT_LE(static_cast<double>(admitted.load()), kRate * elapsed + kBurst + 1);
  // The threads spin the whole time, so the bucket is drained continuously; scheduling on a
  // loaded machine can only lower the count a little.
  EXPECT_GE(static_cast<double>(admitted.load()), 0.5 * kRate * 0.3);
}

TEST(TokenBucket, StaleClockReadingsAreConservative) {
  base::ManualClock clock;
  const base::MonoTime t0 = clock.monotonicNow();
  TokenBucket bucket(perSecond(10, 2), t0);
  const base::MonoTime later = t0 + seconds(10);
  EXPECT_TRUE(bucket.tryAcquire(2, later).allowed);
  // A worker that read the clock a second earlier must not see a refilled bucket.
  EXPECT_FALSE(bucket.tryAcquire(1, later - seconds(1)).allowed);
  EXPECT_FALSE(bucket.tryAcquire(1, t0).allowed);
  // Before the bucket existed counts as its creation time.
  TokenBucket fresh(perSecond(10, 2), t0);
  EXPECT_TRUE(fresh.tryAcquire(1, t0 - seconds(5)).allowed);
}

TEST(TokenBucket, HeaderSecondsRoundUp) {
  RateLimitDecision d;
  d.allowed = false;
  d.reset = milliseconds(1);
  d.retry_after = nanoseconds(0);
  EXPECT_EQ(d.resetSeconds(), 1u);
  EXPECT_EQ(d.retryAfterSeconds(), 1u);  // a denial always asks for at least a second
  d.reset = milliseconds(2001);
  d.retry_after = milliseconds(1500);
  EXPECT_EQ(d.resetSeconds(), 3u);
  EXPECT_EQ(d.retryAfterSeconds(), 2u);
  d.reset = nanoseconds(0);
  EXPECT_EQ(d.resetSeconds(), 0u);
}

}  // namespace
}  // namespace meshgate::limits
