// SPDX-License-Identifier: Apache-2.0
#include "upstream/cluster_manager.h"

#include <unordered_set>

namespace meshgate::upstream {

ClusterManager::ClusterManager(event::EventLoop& loop, metrics::Shard& metrics, uint64_t seed)
    : loop_(loop), metrics_(metrics), seed_(seed) {}

ClusterManager::~ClusterManager() = default;

std::string ClusterManager::poolKey(const Cluster& cluster, const Endpoint& endpoint) {
  return cluster.name() + "|" + endpoint.address_text;
}

LoadBalancer& ClusterManager::loadBalancer(const Cluster& cluster) {
  PerCluster& pc = per_cluster_[&cluster];
  if (!pc.lb) {
    pc.lb = std::make_unique<LoadBalancer>(cluster, seed_++);
    pc.pools.assign(cluster.endpoints().size(), nullptr);
  }
  return *pc.lb;
}

ConnectionPool& ClusterManager::pool(const Cluster& cluster, const Endpoint& endpoint) {
  PerCluster& pc = per_cluster_[&cluster];
  if (pc.pools.size() != cluster.endpoints().size())
    pc.pools.assign(cluster.endpoints().size(), nullptr);
  const size_t index = static_cast<size_t>(&endpoint - cluster.endpoints().data());
  if (index < pc.pools.size() && pc.pools[index]) return *pc.pools[index];
  ConnectionPool& p = passthroughPool(cluster, endpoint);
  if (index < pc.pools.size()) pc.pools[index] = &p;
  return p;
}

ConnectionPool& ClusterManager::passthroughPool(const Cluster& cluster, const Endpoint& endpoint) {
  auto& slot = pools_[poolKey(cluster, endpoint)];
  if (!slot) {
    slot = std::make_unique<ConnectionPool>(loop_, metrics_, cluster, endpoint);
  } else {
    slot->update(cluster, endpoint);
  }
  return *slot;
}

void ClusterManager::onGeneration(const std::vector<const Cluster*>& clusters) {
  std::unordered_set<std::string> live;
  for (const Cluster* c : clusters) {
    for (const Endpoint& e : c->endpoints())
      live.insert(poolKey(*c, e));
  }
  for (auto it = pools_.begin(); it != pools_.end();) {
    // Passthrough pools are keyed by addresses no endpoint list names; keep them
    // while their cluster lives.
    const bool passthrough_alive = [&] {
      for (const Cluster* c : clusters) {
        if (c->settings().lb == LbPolicy::Passthrough && it->first.rfind(c->name() + "|", 0) == 0)
          return true;
      }
      return false;
    }();
    if (live.count(it->first) || passthrough_alive) {
      ++it;
      continue;
    }
    it->second->drain();
    draining_.push_back(std::move(it->second));
    it = pools_.erase(it);
  }
  sweep();
}

void ClusterManager::onGenerationReleased(const std::vector<const Cluster*>& clusters) {
  for (const Cluster* c : clusters)
    per_cluster_.erase(c);
}

void ClusterManager::sweep() {
  std::erase_if(draining_, [](const std::unique_ptr<ConnectionPool>& p) { return p->idle(); });
}

void ClusterManager::drainAll() {
  for (auto& [key, p] : pools_)
    p->drain();
}

}  // namespace meshgate::upstream
