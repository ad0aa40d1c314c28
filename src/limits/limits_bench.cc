// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks for the request-path operations of mg_limits, alone and with several
// threads hitting the same state (the cross-worker case).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "limits/backoff.h"
#include "limits/circuit_breaker.h"
#include "limits/keyed_token_buckets.h"
#include "limits/token_bucket.h"

namespace meshgate::limits {
namespace {

const base::MonoTime kStart{std::chrono::seconds(1000)};

// A fast bucket (10^6/s) so that most calls are admitted and take the compare-and-swap path.
TokenBucketConfig fastBucket() {
  return TokenBucketConfig{1000, 1'000'000, std::chrono::seconds(1)};
}

void BM_TokenBucket(benchmark::State& state) {
  static TokenBucket* bucket = nullptr;
  if (state.thread_index() == 0) bucket = new TokenBucket(fastBucket(), kStart);
  int64_t t = state.thread_index();
  uint64_t allowed = 0;
  for (auto _ : state) {
    // Simulated time moves 1 µs per call per thread: about one token per call.
    t += 1000;
    allowed += bucket->tryAcquire(1, kStart + std::chrono::nanoseconds(t)).allowed;
  }
  state.counters["allowed"] =
      benchmark::Counter(static_cast<double>(allowed), benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) {
    delete bucket;
    bucket = nullptr;
  }
}
BENCHMARK(BM_TokenBucket)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_TokenBucketRealClock(benchmark::State& state) {
  TokenBucket bucket(fastBucket(), base::RealClock::instance());
  for (auto _ : state) {
    benchmark::DoNotOptimize(bucket.tryAcquire(1, base::RealClock::instance()).allowed);
  }
}
BENCHMARK(BM_TokenBucketRealClock);

void BM_KeyedOneKey(benchmark::State& state) {
  static KeyedTokenBuckets* buckets = nullptr;
  if (state.thread_index() == 0) {
    buckets = new KeyedTokenBuckets(KeyedTokenBucketsConfig{fastBucket(), 65536}, kStart);
  }
  int64_t t = 0;
  for (auto _ : state) {
    t += 1000;
    benchmark::DoNotOptimize(
        buckets->tryAcquire("10.1.2.3", 1, kStart + std::chrono::nanoseconds(t)).allowed);
  }
  if (state.thread_index() == 0) {
    delete buckets;
    buckets = nullptr;
  }
}
BENCHMARK(BM_KeyedOneKey)->Threads(1)->Threads(4)->UseRealTime();

// Distinct keys: 1000 tracked clients, or a flood of ever-new keys that forces evictions.
void BM_KeyedManyKeys(benchmark::State& state) {
  static KeyedTokenBuckets* buckets = nullptr;
  if (state.thread_index() == 0) {
    buckets = new KeyedTokenBuckets(KeyedTokenBucketsConfig{fastBucket(), 4096}, kStart);
  }
  const int64_t distinct = state.range(0);
  std::vector<std::string> keys;
  for (int64_t i = 0; i < std::min<int64_t>(distinct, 100'000); ++i) {
    keys.push_back("client-" + std::to_string(state.thread_index()) + "-" + std::to_string(i));
  }
  size_t i = 0;
  int64_t t = 0;
  for (auto _ : state) {
    t += 1000;
    benchmark::DoNotOptimize(
        buckets->tryAcquire(keys[i], 1, kStart + std::chrono::nanoseconds(t)).allowed);
    if (++i == keys.size()) i = 0;
  }
  if (state.thread_index() == 0) {
    state.counters["active_evictions"] = static_cast<double>(buckets->stats().active_evictions);
    delete buckets;
    buckets = nullptr;
  }
}
BENCHMARK(BM_KeyedManyKeys)->Arg(1000)->Arg(100'000)->Threads(1)->Threads(4)->UseRealTime();

void BM_ConcurrencyLimit(benchmark::State& state) {
  static ConcurrencyLimit limit(1'000'000);
  for (auto _ : state) {
    Permit p = limit.tryAcquire();
    benchmark::DoNotOptimize(p.held());
  }
}
BENCHMARK(BM_ConcurrencyLimit)->Threads(1)->Threads(4)->UseRealTime();

void BM_RetryBudget(benchmark::State& state) {
  static ConcurrencyLimit active(1'000'000), pending(1'000'000);
  static RetryBudget budget(RetryBudgetConfig{}, active, pending);
  for (auto _ : state) {
    Permit request = active.tryAcquire();
    Permit retry = budget.tryAcquire();
    benchmark::DoNotOptimize(retry.held());
  }
}
BENCHMARK(BM_RetryBudget)->Threads(1)->Threads(4)->UseRealTime();

void BM_Backoff(benchmark::State& state) {
  SplitMix64 random(1);
  ExponentialBackoff backoff{BackoffConfig{}};
  for (auto _ : state)
    benchmark::DoNotOptimize(backoff.next(random));
}
BENCHMARK(BM_Backoff);

void BM_SipHash(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  SipHashKey key{1, 2};
  for (auto _ : state)
    benchmark::DoNotOptimize(sipHash24(key, data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SipHash)->Arg(16)->Arg(64);

}  // namespace
}  // namespace meshgate::limits

BENCHMARK_MAIN();
