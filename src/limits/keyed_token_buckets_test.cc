// SPDX-License-Identifier: Apache-2.0
#include "limits/keyed_token_buckets.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace meshgate::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

KeyedTokenBucketsConfig config(uint64_t rate, uint64_t burst, size_t max_keys) {
  KeyedTokenBucketsConfig c;
  c.bucket = TokenBucketConfig{burst, rate, seconds(1)};
  c.max_keys = max_keys;
  return c;
}

TEST(SipHash, ReferenceVectors) {
  // From the SipHash paper's reference implementation: key 00..0f, messages 00..(n-1).
  SipHashKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  EXPECT_EQ(sipHash24(key, ""), 0x726fdb47dd0e0e31ULL);
  std::string msg;
  for (int i = 0; i < 15; ++i)
    msg.push_back(static_cast<char>(i));
  EXPECT_EQ(sipHash24(key, msg), 0xa129ca6149be45e5ULL);
  EXPECT_NE(sipHash24(SipHashKey{1, 2}, "x"), sipHash24(SipHashKey{1, 3}, "x"));
}

TEST(KeyedTokenBuckets, ConfigValidation) {
  EXPECT_TRUE(validateKeyedTokenBucketsConfig(config(10, 1, 1)).ok());
  EXPECT_FALSE(validateKeyedTokenBucketsConfig(config(10, 1, 0)).ok());
  EXPECT_FALSE(validateKeyedTokenBucketsConfig(config(10, 1, (size_t{1} << 24) + 1)).ok());
  EXPECT_FALSE(validateKeyedTokenBucketsConfig(config(0, 1, 16)).ok());
}

TEST(KeyedTokenBuckets, KeysHaveTheirOwnBuckets) {
  base::ManualClock clock;
  KeyedTokenBuckets buckets(config(10, 2, 64), clock.monotonicNow());
  EXPECT_TRUE(buckets.tryAcquire("10.0.0.1", 1, clock).allowed);
  EXPECT_TRUE(buckets.tryAcquire("10.0.0.1", 1, clock).allowed);
  RateLimitDecision d = buckets.tryAcquire("10.0.0.1", 1, clock);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, milliseconds(100));
  EXPECT_TRUE(buckets.tryAcquire("10.0.0.2", 1, clock).allowed);
  EXPECT_TRUE(buckets.tryAcquire("", 1, clock).allowed);
  clock.advance(milliseconds(100));
  EXPECT_TRUE(buckets.tryAcquire("10.0.0.1", 1, clock).allowed);
  EXPECT_FALSE(buckets.tryAcquire("10.0.0.1", 1, clock).allowed);
  EXPECT_EQ(buckets.trackedKeys(), 3u);
  EXPECT_EQ(buckets.stats().inserts, 3u);
}

TEST(KeyedTokenBuckets, AFloodOfKeysKeepsMemoryBounded) {
  base::ManualClock clock;
  KeyedTokenBuckets buckets(config(1, 1, 1000), clock.monotonicNow(), SipHashKey{7, 9});
  EXPECT_EQ(buckets.capacity(), 1024u);
  for (int i = 0; i < 100'000; ++i) {
    EXPECT_TRUE(buckets.tryAcquire("client-" + std::to_string(i), 1, clock).allowed);
  }
  EXPECT_EQ(buckets.capacity(), 1024u);
  EXPECT_LE(buckets.trackedKeys(), 1024u);
  KeyedTokenBuckets::Stats s = buckets.stats();
  EXPECT_EQ(s.inserts, 100'000u);
  // At one instant every bucket is drained, so making room evicts active keys.
  EXPECT_GT(s.active_evictions, 0u);
}

TEST(KeyedTokenBuckets, IdleKeysMakeRoomWithoutLoss) {
  base::ManualClock clock;
  KeyedTokenBuckets buckets(config(10, 1, 16), clock.monotonicNow(), SipHashKey{1, 1});
  for (int i = 0; i < 16; ++i)
    buckets.tryAcquire("old-" + std::to_string(i), 1, clock);
  clock.advance(seconds(1));  // every old bucket is full again
  const uint64_t active_before = buckets.stats().active_evictions;
  for (int i = 0; i < 200; ++i) {
    EXPECT_TRUE(buckets.tryAcquire("new-" + std::to_string(i), 1, clock).allowed);
    clock.advance(milliseconds(100));  // and each new one refills before the next
  }
  EXPECT_EQ(buckets.stats().active_evictions, active_before);
  EXPECT_GT(buckets.stats().idle_evictions, 0u);
}

TEST(KeyedTokenBuckets, AFloodDoesNotResetADrainedHotKey) {
  base::ManualClock clock;
  KeyedTokenBuckets buckets(config(1, 100, 256), clock.monotonicNow(), SipHashKey{3, 4});
  ASSERT_TRUE(buckets.tryAcquire("hot", 100, clock).allowed);
  ASSERT_FALSE(buckets.tryAcquire("hot", 1, clock).allowed);
  // Each flooding key takes one token: its bucket is fuller than the drained hot key's, so it
  // is the one evicted when room is needed.
  for (int i = 0; i < 50'000; ++i)
    buckets.tryAcquire("flood-" + std::to_string(i), 1, clock);
  EXPECT_FALSE(buckets.tryAcquire("hot", 1, clock).allowed);
}

TEST(KeyedTokenBuckets, ExactPerKeyAcrossThreads) {
  base::ManualClock manual;
  const base::MonoTime start = manual.monotonicNow();
  KeyedTokenBuckets buckets(config(100, 10, 1024), start);
  std::atomic<int64_t> clock_ns{0};
  std::atomic<uint64_t> admitted_a{0}, admitted_b{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      // Every thread asks for both tenants at each tick of the shared simulated clock (a key
      // that nobody asks for while time passes would just refill, which is not a loss of
      // accuracy), plus noise keys that churn around them.
      for (;;) {
        int64_t ns = clock_ns.fetch_add(20'000, std::memory_order_relaxed);
        if (ns >= 5'000'000'000) return;
        base::MonoTime now = start + std::chrono::nanoseconds(ns);
        if (buckets.tryAcquire("tenant-a", 1, now).allowed) admitted_a++;
        if (buckets.tryAcquire("tenant-b", 1, now).allowed) admitted_b++;
        buckets.tryAcquire("noise-" + std::to_string(ns % 97), 1, now);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_NEAR(static_cast<double>(admitted_a.load()), 510, 5);
  EXPECT_NEAR(static_cast<double>(admitted_b.load()), 510, 5);
  EXPECT_EQ(buckets.stats().active_evictions, 0u);
}

TEST(KeyedTokenBuckets, ConcurrentFloodStaysBoundedAndConsistent) {
  base::ManualClock manual;
  const base::MonoTime start = manual.monotonicNow();
  KeyedTokenBuckets buckets(config(1000, 5, 64), start);
  std::vector<std::thread> threads;
  std::atomic<uint64_t> allowed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        base::MonoTime now = start + std::chrono::microseconds(i);
        if (buckets.tryAcquire("k" + std::to_string((i * 4 + t) % 5000), 1, now).allowed) {
          allowed.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_LE(buckets.trackedKeys(), buckets.capacity());
  EXPECT_GT(allowed.load(), 0u);
}

}  // namespace
}  // namespace meshgate::limits
