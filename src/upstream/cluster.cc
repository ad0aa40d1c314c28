// SPDX-License-Identifier: Apache-2.0
#include "upstream/cluster.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/hash.h"

namespace meshgate::upstream {

Cluster::Cluster(std::string name, std::vector<Endpoint> endpoints, ClusterSettings settings,
                 std::shared_ptr<limits::CircuitBreaker> breaker, ClusterMetrics metrics)
    : name_(std::move(name)),
      endpoints_(std::move(endpoints)),
      settings_(std::move(settings)),
      breaker_(std::move(breaker)),
      metrics_(metrics) {
  if (settings_.lb == LbPolicy::RingHash) buildRing();
  if (settings_.lb == LbPolicy::Maglev) buildMaglev();
}

void Cluster::buildRing() {
  // Envoy's ring hash: each host gets entries in proportion to its weight so
  // that the ring has at least `ring_size` entries; entry hashes are
  // xxHash64("<address>_<n>").
  if (endpoints_.empty()) return;
  const double total_weight = std::accumulate(
      endpoints_.begin(), endpoints_.end(), 0.0,
      [](double acc, const Endpoint& e) { return acc + std::max<uint32_t>(e.weight, 1); });
  const double min_weight =
      std::max<uint32_t>(1, std::min_element(endpoints_.begin(), endpoints_.end(),
                                             [](const Endpoint& a, const Endpoint& b) {
                                               return a.weight < b.weight;
                                             })
                                ->weight) /
      total_weight;
  const double scale =
      std::min(std::ceil(min_weight * static_cast<double>(settings_.ring_size)) / min_weight,
               8.0 * 1024 * 1024);
  double current = 0;
  double target = 0;
  for (uint32_t i = 0; i < endpoints_.size(); ++i) {
    const double w = std::max<uint32_t>(endpoints_[i].weight, 1) / total_weight;
    target += scale * w;
    uint64_t n = 0;
    while (current < target) {
      std::string key = endpoints_[i].address_text + "_" + std::to_string(n++);
      ring_.emplace_back(base::xxHash64(key), i);
      current += 1;
    }
  }
  std::sort(ring_.begin(), ring_.end());
}

void Cluster::buildMaglev() {
  // Maglev (Eisenbud et al. 2016) with weights as Envoy implements it: each
  // endpoint fills the table in turn from its own permutation, weighted
  // endpoints taking proportionally more turns.
  const uint64_t m = settings_.maglev_table_size;
  if (endpoints_.empty() || m == 0) return;
  const size_t n = endpoints_.size();
  std::vector<uint64_t> offset(n), skip(n), next(n, 0);
  std::vector<double> target_weight(n), current_weight(n, 0);
  const uint32_t max_weight =
      std::max_element(endpoints_.begin(), endpoints_.end(),
                       [](const Endpoint& a, const Endpoint& b) { return a.weight < b.weight; })
          ->weight;
  for (size_t i = 0; i < n; ++i) {
    offset[i] = base::xxHash64(endpoints_[i].address_text, 0) % m;
    skip[i] = base::xxHash64(endpoints_[i].address_text, 1) % (m - 1) + 1;
    target_weight[i] = static_cast<double>(std::max<uint32_t>(endpoints_[i].weight, 1)) /
                       std::max<uint32_t>(max_weight, 1);
  }
  maglev_.assign(m, UINT32_MAX);
  uint64_t filled = 0;
  for (uint64_t iteration = 1; filled < m; ++iteration) {
    for (size_t i = 0; i < n && filled < m; ++i) {
      // A weighted endpoint takes a turn only when its accumulated weight allows.
      if (target_weight[i] * static_cast<double>(iteration) < current_weight[i] + 1) continue;
      current_weight[i] += 1;
      uint64_t c;
      do {
        c = (offset[i] + next[i] * skip[i]) % m;
        ++next[i];
      } while (maglev_[c] != UINT32_MAX);
      maglev_[c] = static_cast<uint32_t>(i);
      ++filled;
    }
  }
}

}  // namespace meshgate::upstream
