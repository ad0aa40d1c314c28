// SPDX-License-Identifier: Apache-2.0
#include "upstream/load_balancer.h"

#include <algorithm>

namespace meshgate::upstream {

LoadBalancer::LoadBalancer(const Cluster& cluster, uint64_t seed)
    : cluster_(cluster), rng_(seed), current_weight_(cluster.endpoints().size(), 0) {
  const auto& eps = cluster.endpoints();
  for (const Endpoint& e : eps) {
    if (e.weight != eps.front().weight) weighted_ = true;
  }
  // Start workers at different places so that N workers do not all hit endpoint 0 first.
  rr_cursor_ = eps.empty() ? 0 : seed % eps.size();
  available_.resize(eps.size());
}

const std::vector<uint32_t>& LoadBalancer::eligible(base::MonoTime now) {
  const auto& eps = cluster_.endpoints();
  eligible_.clear();
  for (uint32_t i = 0; i < eps.size(); ++i) {
    const bool ok = eps[i].health->available(now);
    available_[i] = ok;
    if (ok) eligible_.push_back(i);
  }
  if (eligible_.size() == eps.size()) return eligible_;
  // Panic mode (Envoy healthy_panic_threshold, which Istio sets from
  // minHealthPercent): below the threshold, balance over every endpoint.
  const uint32_t min_health =
      cluster_.settings().outlier ? cluster_.settings().outlier->min_health_percent : 0;
  if (min_health > 0 && eligible_.size() * 100 < eps.size() * static_cast<uint64_t>(min_health)) {
    eligible_.clear();
    for (uint32_t i = 0; i < eps.size(); ++i) {
      eligible_.push_back(i);
      available_[i] = 1;
    }
  }
  return eligible_;
}

const Endpoint* LoadBalancer::pick(const LbContext& ctx) {
  if (cluster_.endpoints().empty()) return nullptr;
  const auto& set = eligible(ctx.now);
  if (set.empty()) return nullptr;
  switch (cluster_.settings().lb) {
    case LbPolicy::RoundRobin:
      return pickRoundRobin(set, ctx.avoid);
    case LbPolicy::LeastRequest:
      return pickLeastRequest(set, ctx.avoid);
    case LbPolicy::Random:
      return pickRandom(set, ctx.avoid);
    case LbPolicy::RingHash:
      return ctx.hash ? pickRing(*ctx.hash) : pickRandom(set, ctx.avoid);
    case LbPolicy::Maglev:
      return ctx.hash ? pickMaglev(*ctx.hash) : pickRandom(set, ctx.avoid);
    case LbPolicy::Passthrough:
      return nullptr;  // the router connects to the original destination
  }
  return nullptr;
}

const Endpoint* LoadBalancer::pickRoundRobin(const std::vector<uint32_t>& set,
                                             const Endpoint* avoid) {
  const auto& eps = cluster_.endpoints();
  if (!weighted_) {
    for (size_t tries = 0; tries < set.size(); ++tries) {
      const Endpoint* e = &eps[set[rr_cursor_++ % set.size()]];
      if (e != avoid || set.size() == 1) return e;
    }
    return &eps[set.front()];
  }
  // Smooth weighted round robin (nginx): every pick adds each weight to its
  // running total, picks the largest, and subtracts the sum from the winner.
  int64_t total = 0;
  int64_t best_weight = 0;
  int best = -1;
  for (uint32_t i : set) {
    current_weight_[i] += eps[i].weight;
    total += eps[i].weight;
    if (&eps[i] == avoid && set.size() > 1) continue;
    if (best < 0 || current_weight_[i] > best_weight) {
      best = static_cast<int>(i);
      best_weight = current_weight_[i];
    }
  }
  current_weight_[static_cast<size_t>(best)] -= total;
  return &eps[static_cast<size_t>(best)];
}

const Endpoint* LoadBalancer::pickLeastRequest(const std::vector<uint32_t>& set,
                                               const Endpoint* avoid) {
  const auto& eps = cluster_.endpoints();
  if (set.size() == 1) return &eps[set[0]];
  // Power of two choices, weighted as Envoy does when weights differ:
  // compare active/weight.
  auto score = [&](uint32_t i) {
    const double active = eps[i].health->active_requests.load(std::memory_order_relaxed);
    return (active + 1) / std::max<uint32_t>(eps[i].weight, 1);
  };
  std::uniform_int_distribution<size_t> dist(0, set.size() - 1);
  uint32_t a = set[dist(rng_)];
  uint32_t b = set[dist(rng_)];
  for (int i = 0; i < 4 && b == a; ++i)
    b = set[dist(rng_)];
  if (&eps[a] == avoid) std::swap(a, b);
  if (&eps[b] == avoid) return &eps[a];
  return score(b) < score(a) ? &eps[b] : &eps[a];
}

const Endpoint* LoadBalancer::pickRandom(const std::vector<uint32_t>& set, const Endpoint* avoid) {
  const auto& eps = cluster_.endpoints();
  uint64_t total = 0;
  for (uint32_t i : set) {
    if (&eps[i] != avoid || set.size() == 1) total += std::max<uint32_t>(eps[i].weight, 1);
  }
  std::uniform_int_distribution<uint64_t> dist(0, total - 1);
  uint64_t r = dist(rng_);
  for (uint32_t i : set) {
    if (&eps[i] == avoid && set.size() > 1) continue;
    const uint64_t w = std::max<uint32_t>(eps[i].weight, 1);
    if (r < w) return &eps[i];
    r -= w;
  }
  return &eps[set.back()];
}

const Endpoint* LoadBalancer::pickRing(uint64_t hash) {
  const auto& ring = cluster_.ring();
  const auto& eps = cluster_.endpoints();
  if (ring.empty()) return nullptr;
  auto it = std::lower_bound(ring.begin(), ring.end(), std::make_pair(hash, uint32_t{0}));
  // Walk clockwise past unavailable endpoints (at most one full turn).
  for (size_t step = 0; step < ring.size(); ++step, ++it) {
    if (it == ring.end()) it = ring.begin();
    if (available_[it->second]) return &eps[it->second];
  }
  return nullptr;
}

const Endpoint* LoadBalancer::pickMaglev(uint64_t hash) {
  const auto& table = cluster_.maglevTable();
  const auto& eps = cluster_.endpoints();
  if (table.empty()) return nullptr;
  // Envoy re-hashes to a new slot when the chosen endpoint is unavailable.
  uint64_t h = hash;
  for (int attempt = 0; attempt < 32; ++attempt) {
    uint32_t i = table[h % table.size()];
    if (available_[i]) return &eps[i];
    h = h * 0x9E3779B97F4A7C15ULL + 1;
  }
  for (uint32_t i = 0; i < eps.size(); ++i) {
    if (available_[i]) return &eps[i];
  }
  return nullptr;
}

}  // namespace meshgate::upstream
