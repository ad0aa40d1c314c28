// SPDX-License-Identifier: Apache-2.0
// A worker's view of the upstream side: one load balancer per cluster of the
// current generation and one connection pool per (cluster, endpoint). Pools
// outlive generations when their key is unchanged, so a reload keeps warm
// connections. Loop thread only. Depends on upstream/*.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "event/event_loop.h"
#include "metrics/metrics.h"
#include "upstream/cluster.h"
#include "upstream/connection_pool.h"
#include "upstream/load_balancer.h"

namespace meshgate::upstream {

class ClusterManager {
 public:
  ClusterManager(event::EventLoop& loop, metrics::Shard& metrics, uint64_t seed);
  ~ClusterManager();

  LoadBalancer& loadBalancer(const Cluster& cluster);
  /// The pool for `endpoint` of `cluster` (created on first use).
  ConnectionPool& pool(const Cluster& cluster, const Endpoint& endpoint);
  /// A pool for an address outside any endpoint list (PASSTHROUGH).
  ConnectionPool& passthroughPool(const Cluster& cluster, const Endpoint& synthetic);

  /// A new generation became current on this worker: per-generation state is
  /// dropped; pools whose (cluster, endpoint) is in `clusters` are kept, the
  /// others drain and are deleted once idle.
  void onGeneration(const std::vector<const Cluster*>& clusters);
  /// A generation this worker held was freed: forget its clusters (their
  /// addresses may be reused by later allocations).
  void onGenerationReleased(const std::vector<const Cluster*>& clusters);
  /// Deletes drained pools that have no connections left. Call periodically.
  void sweep();
  /// Closes every idle connection (graceful drain of the process).
  void drainAll();
  size_t poolCount() const { return pools_.size(); }

 private:
  struct PerCluster {
    std::unique_ptr<LoadBalancer> lb;
    std::vector<ConnectionPool*> pools;  // by endpoint index, filled lazily
  };
  static std::string poolKey(const Cluster& cluster, const Endpoint& endpoint);

  event::EventLoop& loop_;
  metrics::Shard& metrics_;
  uint64_t seed_;
  std::unordered_map<const Cluster*, PerCluster> per_cluster_;
  std::unordered_map<std::string, std::unique_ptr<ConnectionPool>> pools_;
  std::vector<std::unique_ptr<ConnectionPool>> draining_;
};

}  // namespace meshgate::upstream
