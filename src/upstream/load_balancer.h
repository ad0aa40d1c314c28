// SPDX-License-Identifier: Apache-2.0
// Endpoint selection for one worker: round robin (smooth weighted), least
// request (power of two choices), random (weighted), ring hash and Maglev.
// Per-worker state (cursors, random engine) lives here; cross-worker state
// (active requests, health) is read from EndpointHealth. Depends on upstream/cluster.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "base/clock.h"
#include "upstream/cluster.h"

namespace meshgate::upstream {

/// What a pick may depend on.
struct LbContext {
  /// The consistent-hash key (already extracted from the request); unset when the
  /// request carries none (then hashing falls back to random, as Envoy does).
  std::optional<uint64_t> hash;
  base::MonoTime now;
  /// An endpoint to avoid if another is available (the previous try's, on retry).
  const Endpoint* avoid = nullptr;
};

/// Per worker, per cluster. Not thread-safe.
class LoadBalancer {
 public:
  LoadBalancer(const Cluster& cluster, uint64_t seed);

  /// The chosen endpoint, or null when no endpoint is available (no healthy
  /// endpoint and panic mode not allowed, or an empty cluster).
  const Endpoint* pick(const LbContext& ctx);

 private:
  /// Indexes of endpoints eligible now (healthy, not ejected), or every endpoint
  /// when the healthy share is under the panic threshold (min_health_percent).
  const std::vector<uint32_t>& eligible(base::MonoTime now);
  const Endpoint* pickRoundRobin(const std::vector<uint32_t>& set, const Endpoint* avoid);
  const Endpoint* pickLeastRequest(const std::vector<uint32_t>& set, const Endpoint* avoid);
  const Endpoint* pickRandom(const std::vector<uint32_t>& set, const Endpoint* avoid);
  const Endpoint* pickRing(uint64_t hash);
  const Endpoint* pickMaglev(uint64_t hash);

  const Cluster& cluster_;
  std::mt19937_64 rng_;
  std::vector<int64_t> current_weight_;  // smooth weighted round robin
  uint64_t rr_cursor_ = 0;
  std::vector<uint32_t> eligible_;
  std::vector<uint8_t> available_;  // scratch: per endpoint, eligible now
  bool weighted_ = false;
};

}  // namespace meshgate::upstream
