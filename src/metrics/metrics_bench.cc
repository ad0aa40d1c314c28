// SPDX-License-Identifier: Apache-2.0
#include <benchmark/benchmark.h>

#include "metrics/metrics.h"

namespace meshgate::metrics {
namespace {

void BM_CounterInc(benchmark::State& state) {
  Registry r;
  SeriesId id = r.counter("meshgate_bench_total", "B.");
  Shard s(r);
  for (auto _ : state)
    s.inc(id);
  benchmark::DoNotOptimize(r.value(id));
}
BENCHMARK(BM_CounterInc);

void BM_HistogramObserve(benchmark::State& state) {
  Registry r;
  HistogramId h = r.histogram("meshgate_bench_seconds", "B.", {}, Registry::latencyBuckets());
  Shard s(r);
  double v = 0.0003;
  for (auto _ : state)
    s.observe(h, v);
}
BENCHMARK(BM_HistogramObserve);

}  // namespace
}  // namespace meshgate::metrics

BENCHMARK_MAIN();
