// SPDX-License-Identifier: Apache-2.0
#include "limits/concurrency_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "limits/circuit_breaker.h"
#include "limits/retry_budget.h"

namespace meshgate::limits {
namespace {

TEST(ConcurrencyLimit, PermitsAreCountedAndReturned) {
  ConcurrencyLimit limit(2);
  Permit a = limit.tryAcquire();
  Permit b = limit.tryAcquire();
  EXPECT_TRUE(a && b);
  Permit c = limit.tryAcquire();
  EXPECT_FALSE(c.held());
  EXPECT_EQ(limit.current(), 2u);
  a.release();
  EXPECT_FALSE(a.held());
  EXPECT_EQ(limit.current(), 1u);
  {
    Permit d = limit.tryAcquire();
    EXPECT_TRUE(d);
    EXPECT_FALSE(limit.tryAcquire());
  }
  EXPECT_EQ(limit.current(), 1u);
  Permit moved = std::move(b);
  EXPECT_FALSE(b.held());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(moved.held());
  EXPECT_EQ(limit.current(), 1u);
  moved = Permit();
  EXPECT_EQ(limit.current(), 0u);
}

TEST(ConcurrencyLimit, LimitChangesKeepHolders) {
  ConcurrencyLimit limit(3);
  Permit a = limit.tryAcquire(), b = limit.tryAcquire(), c = limit.tryAcquire();
  limit.setMax(1);
  EXPECT_EQ(limit.current(), 3u);
  EXPECT_FALSE(limit.tryAcquire());
  a.release();
  b.release();
  EXPECT_FALSE(limit.tryAcquire());
  c.release();
  EXPECT_TRUE(limit.tryAcquire());
  Permit forced = limit.acquireUnchecked();
  EXPECT_EQ(limit.current(), 1u);
}

TEST(ConcurrencyLimit, NeverExceededAcrossThreads) {
  ConcurrencyLimit limit(5);
  std::atomic<uint64_t> holders{0}, peak{0}, granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50'000; ++i) {
        Permit p = limit.tryAcquire();
        if (!p) {
          refused++;
          continue;
        }
        granted++;
        uint64_t now = holders.fetch_add(1) + 1;
        uint64_t seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        holders.fetch_sub(1);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_LE(peak.load(), 5u);
  EXPECT_EQ(limit.current(), 0u);
  EXPECT_EQ(granted + refused, 200'000u);
  // With 4 threads and 5 slots nobody should ever be refused: a refusal would mean the count
  // overshot the limit.
  EXPECT_EQ(refused.load(), 0u);
}

TEST(RetryBudget, EnvoyArithmetic) {
  ConcurrencyLimit active(1000), pending(1000);
  RetryBudget budget(RetryBudgetConfig{}, active, pending);
  EXPECT_EQ(budget.limit(), 3u);  // min_retry_concurrency with nothing in flight
  std::vector<Permit> requests;
  for (int i = 0; i < 100; ++i)
    requests.push_back(active.tryAcquire());
  EXPECT_EQ(budget.limit(), 20u);
  for (int i = 0; i < 50; ++i)
    requests.push_back(pending.tryAcquire());
  EXPECT_EQ(budget.limit(), 30u);  // 20% of active + pending
  std::vector<Permit> retries;
  for (int i = 0; i < 30; ++i) {
    retries.push_back(budget.tryAcquire());
    EXPECT_TRUE(retries.back()) << i;
  }
  EXPECT_FALSE(budget.tryAcquire());
  EXPECT_EQ(budget.current(), 30u);
  retries.pop_back();
  EXPECT_TRUE(budget.tryAcquire());

  RetryBudget none(RetryBudgetConfig{0.0, 0}, active, pending);
  EXPECT_EQ(none.limit(), 0u);
  EXPECT_FALSE(none.tryAcquire());
  RetryBudget half(RetryBudgetConfig{50.0, 1}, active, pending);
  EXPECT_EQ(half.limit(), 75u);
}

TEST(RetryBudget, CapsAmplificationWhenEverythingFails) {
  // 200 requests in flight, each failing and wanting a retry at once: 40 may go.
  ConcurrencyLimit active(10'000), pending(10'000);
  RetryBudget budget(RetryBudgetConfig{}, active, pending);
  std::vector<Permit> in_flight, retries;
  for (int i = 0; i < 200; ++i)
    in_flight.push_back(active.tryAcquire());
  int granted = 0;
  for (int i = 0; i < 200; ++i) {
    Permit p = budget.tryAcquire();
    if (p) {
      ++granted;
      retries.push_back(std::move(p));
    }
  }
  EXPECT_EQ(granted, 40);
}

TEST(CircuitBreaker, ThresholdsAndRetryModes) {
  CircuitBreakerConfig config;
  config.max_connections = 2;
  config.max_pending_requests = 1;
  config.max_requests = 3;
  config.max_retries = 1;
  CircuitBreaker cb(config);
  Permit c1 = cb.tryOpenConnection(), c2 = cb.tryOpenConnection();
  EXPECT_TRUE(c1 && c2);
  EXPECT_FALSE(cb.tryOpenConnection());
  Permit q = cb.tryQueueRequest();
  EXPECT_TRUE(q);
  EXPECT_FALSE(cb.tryQueueRequest());
  Permit r1 = cb.tryStartRequest(), r2 = cb.tryStartRequest(), r3 = cb.tryStartRequest();
  EXPECT_TRUE(r1 && r2 && r3);
  EXPECT_FALSE(cb.tryStartRequest());
  Permit retry = cb.tryStartRetry();
  EXPECT_TRUE(retry);
  EXPECT_FALSE(cb.tryStartRetry());
  EXPECT_EQ(cb.retries(), 1u);
  EXPECT_EQ(cb.connections().current(), 2u);
  EXPECT_EQ(cb.pendingRequests().current(), 1u);
  EXPECT_EQ(cb.requests().current(), 3u);

  CircuitBreakerConfig with_budget;
  with_budget.max_retries = 0;  // ignored once a budget is set
  with_budget.retry_budget = RetryBudgetConfig{25.0, 1};
  CircuitBreaker b(with_budget);
  std::vector<Permit> reqs;
  for (int i = 0; i < 8; ++i)
    reqs.push_back(b.tryStartRequest());
  Permit x = b.tryStartRetry(), y = b.tryStartRetry();
  EXPECT_TRUE(x && y);  // 25% of 8
  EXPECT_FALSE(b.tryStartRetry());
  EXPECT_EQ(b.retries(), 2u);

  CircuitBreakerConfig defaults;
  EXPECT_EQ(defaults.max_connections, 4294967295u);  // Istio's 2^32-1
}

}  // namespace
}  // namespace meshgate::limits
