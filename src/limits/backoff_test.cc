// SPDX-License-Identifier: Apache-2.0
#include "limits/backoff.h"

#include <gtest/gtest.h>

namespace meshgate::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(SplitMix64, KnownSequenceAndBoundedDraws) {
  SplitMix64 r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ULL);
  SplitMix64 b(42);
  for (int i = 0; i < 10'000; ++i)
    EXPECT_LT(b.below(7), 7u);
  EXPECT_EQ(b.below(1), 0u);
}

TEST(ExponentialBackoff, EnvoyDefaultsDoubleUpToTenTimesTheBase) {
  ExponentialBackoff backoff{BackoffConfig{}};
  SplitMix64 random(1);
  std::vector<milliseconds> bounds;
  for (int i = 0; i < 7; ++i) {
    nanoseconds bound = backoff.currentInterval();
    bounds.push_back(std::chrono::duration_cast<milliseconds>(bound));
    nanoseconds wait = backoff.next(random);
    EXPECT_GE(wait.count(), 0);
    EXPECT_LT(wait, bound);
  }
  EXPECT_EQ(bounds, (std::vector<milliseconds>{
                        milliseconds(25), milliseconds(50), milliseconds(100), milliseconds(200),
                        milliseconds(250), milliseconds(250), milliseconds(250)}));
  backoff.reset();
  EXPECT_EQ(backoff.currentInterval(), milliseconds(25));
}

TEST(ExponentialBackoff, FullJitterIsUniform) {
  BackoffConfig config;
  config.base_interval = milliseconds(100);
  config.max_interval = milliseconds(100);
  ExponentialBackoff backoff(config);
  SplitMix64 random(12345);
  double sum = 0;
  int low_half = 0;
  constexpr int kDraws = 20'000;
  for (int i = 0; i < kDraws; ++i) {
    double ms = std::chrono::duration<double, std::milli>(backoff.next(random)).count();
    sum += ms;
    if (ms < 50) ++low_half;
  }
  EXPECT_NEAR(sum / kDraws, 50.0, 1.0);
  EXPECT_NEAR(low_half, kDraws / 2, kDraws / 50);
}

TEST(ExponentialBackoff, Validation) {
  EXPECT_TRUE(validateBackoffConfig(BackoffConfig{}).ok());
  EXPECT_FALSE(validateBackoffConfig(BackoffConfig{nanoseconds(0), nanoseconds(0)}).ok());
  EXPECT_FALSE(validateBackoffConfig(BackoffConfig{milliseconds(10), milliseconds(5)}).ok());
  ExponentialBackoff odd(BackoffConfig{milliseconds(30), milliseconds(70)});
  SplitMix64 random(3);
  odd.next(random);
  EXPECT_EQ(odd.currentInterval(), milliseconds(60));
  odd.next(random);
  EXPECT_EQ(odd.currentInterval(), milliseconds(70));
}

}  // namespace
}  // namespace meshgate::limits
