// SPDX-License-Identifier: Apache-2.0
// Counters, gauges and histograms with per-worker shards and a Prometheus text
// writer. Series are registered (rarely, under a mutex: at start and at config
// build time) and get a dense id; the request path then updates its own worker's
// shard with plain relaxed loads/stores (single writer, no RMW, no lock). A scrape
// sums every shard. Depends on base only.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshgate::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { Counter, Gauge, Histogram };

/// Identifies one series (a family plus label values). For histograms it is the
/// first of the series' consecutive cells.
struct SeriesId {
  uint32_t cell = UINT32_MAX;
  bool valid() const { return cell != UINT32_MAX; }
};

/// A histogram series: its first cell and its family's bucket bounds (owned by
/// the registry, immutable after registration).
struct HistogramId {
  SeriesId first;
  const std::vector<double>* bounds = nullptr;
  bool valid() const { return first.valid() && bounds != nullptr; }
};

class Registry;

/// One worker's storage. Only its owner thread writes; scrapes read concurrently.
class Shard {
 public:
  explicit Shard(Registry& registry);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  void inc(SeriesId id, uint64_t n = 1) {
    // An unregistered id is a bug; counting it nowhere beats writing out of bounds.
    if (__builtin_expect(!id.valid(), 0)) {
      unregisteredSeries();
      return;
    }
    auto& c = cell(id.cell);
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  /// Gauges are summed over shards, so each shard holds its own delta.
  void add(SeriesId id, int64_t delta) { inc(id, static_cast<uint64_t>(delta)); }
  /// Records `value` (sums are kept with 1e-6 resolution, e.g. microseconds for
  /// latencies in seconds).
  void observe(HistogramId histogram, double value);

  /// The raw cell (for the registry's scrape).
  uint64_t read(uint32_t cell_index) const;

 private:
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkCells = 1u << kChunkBits;
  static constexpr uint32_t kMaxChunks = 1024;
  using Chunk = std::array<std::atomic<uint64_t>, kChunkCells>;

  std::atomic<uint64_t>& cell(uint32_t index) {
    Chunk* chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
    if (__builtin_expect(chunk == nullptr, 0)) chunk = allocateChunk(index >> kChunkBits);
    return (*chunk)[index & (kChunkCells - 1)];
  }
  Chunk* allocateChunk(uint32_t chunk_index);
  static void unregisteredSeries();

  Registry& registry_;
  std::array<std::atomic<Chunk*>, kMaxChunks> chunks_{};
};

/// The process's metric families and series, and the list of live shards.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Returns the id of the series, registering it on first use. Thread-safe;
  /// not for the request path (it takes a mutex and hashes strings).
  SeriesId counter(std::string_view name, std::string_view help, const Labels& labels = {});
  SeriesId gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  /// `bounds` are the bucket upper bounds in ascending order (+Inf is implicit);
  /// every series of one family must use the same bounds.
  HistogramId histogram(std::string_view name, std::string_view help, const Labels& labels,
                        const std::vector<double>& bounds);

  /// A shard for updates outside any worker (main thread, admin). Thread-safe
  /// only if one thread at a time uses it; the main thread owns it.
  Shard& mainShard() { return *main_shard_; }

  /// Called at scrape time to append extra series computed on demand (e.g. endpoint
  /// health). The callback writes complete Prometheus text lines.
  void addCollector(std::function<void(std::string& out)> collector);

  /// Prometheus text exposition format 0.0.4, every family, summed over shards.
  std::string renderPrometheus() const;
  /// The current value of a counter/gauge series summed over shards (tests, admin).
  int64_t value(SeriesId id) const;

  /// The default latency buckets, in seconds (0.1 ms .. 30 s).
  static const std::vector<double>& latencyBuckets();

 private:
  friend class Shard;
  struct Family {
    std::string name;
    std::string help;
    MetricType type;
    std::vector<double> bounds;
    std::vector<std::pair<std::string, uint32_t>> series;  // rendered labels -> cell
  };
  std::pair<SeriesId, const std::vector<double>*> registerSeries(std::string_view name,
                                                                 std::string_view help,
                                                                 MetricType type,
                                                                 const Labels& labels,
                                                                 const std::vector<double>& bounds);
  void attach(Shard* shard);
  void detach(Shard* shard);
  uint64_t sumCell(uint32_t cell) const;

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::map<std::string, uint32_t, std::less<>> series_index_;  // name{labels} -> cell
  uint32_t next_cell_ = 0;
  std::vector<Shard*> shards_;
  // Totals of shards that went away, so counters never go backwards.
  std::map<uint32_t, uint64_t> retired_;
  std::vector<std::function<void(std::string&)>> collectors_;
  std::unique_ptr<Shard> main_shard_;
};

/// Renders `labels` as `{k="v",...}` with Prometheus escaping ("" when empty).
std::string renderLabels(const Labels& labels);

}  // namespace meshgate::metrics
