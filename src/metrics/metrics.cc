// SPDX-License-Identifier: Apache-2.0
#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/assert.h"

namespace meshgate::metrics {

namespace {

void appendEscapedLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string formatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  for (int prec = 1; prec <= 17; ++prec) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (std::strtod(tmp, nullptr) == v) return tmp;
  }
  return buf;
}

// Inserts `extra` (e.g. le="0.1") into rendered labels.
std::string withLabel(const std::string& rendered, const std::string& extra) {
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

}  // namespace

std::string renderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    appendEscapedLabelValue(out, v);
    out += '"';
  }
  out += '}';
  return out;
}

// --- Shard ---

Shard::Shard(Registry& registry) : registry_(registry) {
  registry_.attach(this);
}

Shard::~Shard() {
  registry_.detach(this);
  for (auto& c : chunks_)
    delete c.load(std::memory_order_relaxed);
}

void Shard::unregisteredSeries() {
  MG_BUG("metric series used without being registered");
}

Shard::Chunk* Shard::allocateChunk(uint32_t chunk_index) {
  MG_ASSERT(chunk_index < kMaxChunks, "too many metric series");
  auto* chunk = new Chunk();
  for (auto& c : *chunk)
    c.store(0, std::memory_order_relaxed);
  chunks_[chunk_index].store(chunk, std::memory_order_release);
  return chunk;
}

uint64_t Shard::read(uint32_t cell_index) const {
  const Chunk* chunk = chunks_[cell_index >> kChunkBits].load(std::memory_order_acquire);
  if (!chunk) return 0;
  return (*chunk)[cell_index & (kChunkCells - 1)].load(std::memory_order_relaxed);
}

void Shard::observe(HistogramId histogram, double value) {
  if (!histogram.valid()) {
    unregisteredSeries();
    return;
  }
  const std::vector<double>& bounds = *histogram.bounds;
  size_t bucket = 0;
  while (bucket < bounds.size() && value > bounds[bucket])
    ++bucket;
  const uint32_t first = histogram.first.cell;
  inc(SeriesId{first + static_cast<uint32_t>(bucket)});
  inc(SeriesId{first + static_cast<uint32_t>(bounds.size()) + 1});
  const double scaled = value * 1e6;
  inc(SeriesId{first + static_cast<uint32_t>(bounds.size()) + 2},
      scaled > 0 ? static_cast<uint64_t>(std::llround(scaled)) : 0);
}

// --- Registry ---

Registry::Registry() {
  main_shard_ = std::make_unique<Shard>(*this);
}

Registry::~Registry() {
  main_shard_.reset();
}

const std::vector<double>& Registry::latencyBuckets() {
  static const std::vector<double> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                               1,      2.5,     5,      10,    30};
  return kBuckets;
}

std::pair<SeriesId, const std::vector<double>*> Registry::registerSeries(
    std::string_view name, std::string_view help, MetricType type, const Labels& labels,
    const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string rendered = renderLabels(labels);
  std::string key = std::string(name) + rendered;
  auto it = series_index_.find(key);
  auto fam = families_.find(name);
  if (it != series_index_.end()) return {SeriesId{it->second}, &fam->second.bounds};
  if (fam == families_.end()) {
    fam = families_
              .emplace(std::string(name),
                       Family{std::string(name), std::string(help), type, bounds, {}})
              .first;
  }
  MG_ASSERT(fam->second.type == type, "metric family registered with two types");
  MG_ASSERT(fam->second.bounds == bounds, "histogram family registered with two bucket layouts");
  const uint32_t cells =
      type == MetricType::Histogram ? static_cast<uint32_t>(bounds.size()) + 3 : 1;
  const uint32_t cell = next_cell_;
  next_cell_ += cells;
  fam->second.series.emplace_back(rendered, cell);
  series_index_.emplace(std::move(key), cell);
  return {SeriesId{cell}, &fam->second.bounds};
}

SeriesId Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  return registerSeries(name, help, MetricType::Counter, labels, {}).first;
}

SeriesId Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  return registerSeries(name, help, MetricType::Gauge, labels, {}).first;
}

HistogramId Registry::histogram(std::string_view name, std::string_view help, const Labels& labels,
                                const std::vector<double>& bounds) {
  auto [id, stored] = registerSeries(name, help, MetricType::Histogram, labels, bounds);
  return HistogramId{id, stored};
}

void Registry::addCollector(std::function<void(std::string&)> collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

void Registry::attach(Shard* shard) {
  std::lock_guard<std::mutex> lock(mu_);
  shards_.push_back(shard);
}

void Registry::detach(Shard* shard) {
  std::lock_guard<std::mutex> lock(mu_);
  for (uint32_t c = 0; c < next_cell_; ++c) {
    uint64_t v = shard->read(c);
    if (v) retired_[c] += v;
  }
  shards_.erase(std::remove(shards_.begin(), shards_.end(), shard), shards_.end());
}

uint64_t Registry::sumCell(uint32_t cell) const {
  uint64_t sum = 0;
  for (const Shard* s : shards_)
    sum += s->read(cell);
  auto it = retired_.find(cell);
  if (it != retired_.end()) sum += it->second;
  return sum;
}

int64_t Registry::value(SeriesId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(sumCell(id.cell));
}

std::string Registry::renderPrometheus() const {
  std::string out;
  std::vector<std::function<void(std::string&)>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, fam] : families_) {
      out += "# HELP " + name + " " + fam.help + "\n";
      out += "# TYPE " + name + " ";
      out += fam.type == MetricType::Counter ? "counter"
             : fam.type == MetricType::Gauge ? "gauge"
                                             : "histogram";
      out += "\n";
      for (const auto& [labels, cell] : fam.series) {
        if (fam.type != MetricType::Histogram) {
          uint64_t raw = sumCell(cell);
          out += name + labels + " ";
          out += fam.type == MetricType::Gauge ? std::to_string(static_cast<int64_t>(raw))
                                               : std::to_string(raw);
          out += "\n";
          continue;
        }
        const size_t n = fam.bounds.size();
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= n; ++i) {
          cumulative += sumCell(cell + static_cast<uint32_t>(i));
          std::string le = i < n ? formatDouble(fam.bounds[i]) : "+Inf";
          out += name + "_bucket" + withLabel(labels, "le=\"" + le + "\"") + " " +
                 std::to_string(cumulative) + "\n";
        }
        const uint64_t count = sumCell(cell + static_cast<uint32_t>(n) + 1);
        // Sums are kept as integers with 1e-6 resolution (see Shard::observe).
        const uint64_t sum_micros = sumCell(cell + static_cast<uint32_t>(n) + 2);
        out += name + "_sum" + labels + " " + formatDouble(static_cast<double>(sum_micros) / 1e6) +
               "\n";
        out += name + "_count" + labels + " " + std::to_string(count) + "\n";
      }
    }
    collectors = collectors_;
  }
  for (const auto& c : collectors)
    c(out);
  return out;
}

}  // namespace meshgate::metrics
