// SPDX-License-Identifier: Apache-2.0
#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/assert.h"

namespace meshgate::metrics {
namespace {

TEST(Metrics, CountersSumOverShardsAndSurviveShardExit) {
  Registry r;
  SeriesId id = r.counter("meshgate_test_requests_total", "Requests.", {{"route", "a"}});
  {
    Shard s1(r);
    Shard s2(r);
    s1.inc(id, 3);
    s2.inc(id);
    EXPECT_EQ(r.value(id), 4);
  }
  // Both shards are gone; the counter must not go backwards.
  EXPECT_EQ(r.value(id), 4);
  EXPECT_EQ(r.counter("meshgate_test_requests_total", "Requests.", {{"route", "a"}}).cell, id.cell);
}

TEST(Metrics, GaugesAcceptNegativeDeltas) {
  Registry r;
  SeriesId g = r.gauge("meshgate_test_active", "Active.");
  Shard a(r);
  Shard b(r);
  a.add(g, 5);
  b.add(g, -2);
  EXPECT_EQ(r.value(g), 3);
}

TEST(Metrics, PrometheusTextFormat) {
  Registry r;
  SeriesId c = r.counter("meshgate_x_total", "X things.", {{"a", "q\"\\\n"}});
  HistogramId h = r.histogram("meshgate_lat_seconds", "Latency.", {{"l", "1"}}, {0.1, 1});
  Shard s(r);
  s.inc(c, 2);
  s.observe(h, 0.05);
  s.observe(h, 0.5);
  s.observe(h, 5);
  std::string text = r.renderPrometheus();
  EXPECT_NE(text.find("# TYPE meshgate_x_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("meshgate_x_total{a=\"q\\\"\\\\\\n\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("meshgate_lat_seconds_bucket{l=\"1\",le=\"0.1\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("meshgate_lat_seconds_bucket{l=\"1\",le=\"1\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("meshgate_lat_seconds_bucket{l=\"1\",le=\"+Inf\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("meshgate_lat_seconds_count{l=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("meshgate_lat_seconds_sum{l=\"1\"} 5.55\n"), std::string::npos) << text;
}

TEST(Metrics, ConcurrentWritersAndScrapes) {
  Registry r;
  SeriesId id = r.counter("meshgate_test_total", "T.");
  constexpr int kPerThread = 200000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      Shard s(r);
      for (int i = 0; i < kPerThread; ++i)
        s.inc(id);
    });
  }
  // Scrape while they run: values must only grow.
  int64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    int64_t v = r.value(id);
    EXPECT_GE(v, last);
    last = v;
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(r.value(id), 2 * kPerThread);
}

TEST(Metrics, CollectorsAppendText) {
  Registry r;
  r.addCollector([](std::string& out) { out += "meshgate_extra 1\n"; });
  EXPECT_NE(r.renderPrometheus().find("meshgate_extra 1\n"), std::string::npos);
}

}  // namespace
}  // namespace meshgate::metrics

namespace meshgate::metrics {
namespace {

TEST(Metrics, UnregisteredSeriesIsIgnoredNotWrittenOutOfBounds) {
  Registry r;
  Shard s(r);
  const uint64_t bugs = base::bugCount();
  s.inc(SeriesId{});
  s.observe(HistogramId{}, 1.0);
  EXPECT_EQ(base::bugCount(), bugs + 2);
}

}  // namespace
}  // namespace meshgate::metrics
