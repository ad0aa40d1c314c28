// SPDX-License-Identifier: Apache-2.0
#include "server/health_check_groups.h"

#include <map>
#include <set>

#include "config/clusters.h"

namespace meshgate::server {

std::vector<upstream::HealthCheckGroup> healthCheckGroups(const config::ConfigSet& config,
                                                          const proxy::Snapshot& snapshot) {
  std::vector<upstream::HealthCheckGroup> out;
  if (config.health_checks.empty()) return out;
  const std::vector<config::Cluster> clusters = config::buildClusters(config);
  for (const config::HealthCheck& hc : config.health_checks) {
    config::Destination d;
    d.host = hc.host;
    d.subset = hc.subset;
    if (hc.port != 0) d.port = config::PortSelector{hc.port};
    const auto name = config::clusterNameFor(config, d, hc.meta.namespace_);
    if (!name) continue;  // the loader rejects such a HealthCheck
    const config::Cluster* target = nullptr;
    for (const config::Cluster& c : clusters) {
      if (c.name == *name) target = &c;
    }
    if (target == nullptr) continue;

    upstream::HealthCheckGroup g;
    g.name = hc.meta.qualifiedName();
    g.cluster = *name;
    g.spec.path = hc.path;
    g.spec.authority = hc.authority.empty() ? target->host : hc.authority;
    g.spec.interval = hc.interval;
    g.spec.timeout = hc.timeout;
    g.spec.healthy_threshold = hc.healthy_threshold;
    g.spec.unhealthy_threshold = hc.unhealthy_threshold;
    g.spec.expected_statuses.clear();
    for (const config::StatusRange& r : hc.expected_statuses)
      g.spec.expected_statuses.emplace_back(r.start, r.end);

    // The clusters of the same service and port: the verdict's records live in these.
    std::vector<const upstream::Cluster*> siblings;
    for (const config::Cluster& c : clusters) {
      if (c.host != target->host || c.port != target->port) continue;
      if (const upstream::Cluster* built = snapshot.findCluster(c.name)) siblings.push_back(built);
    }
    // The addresses to probe: the checked cluster's endpoints as compiled (DNS resolved), or,
    // when no route uses that cluster, its IP endpoints from the config (for a check without a
    // subset, every sibling's endpoints are the service's endpoints too).
    std::vector<std::pair<std::string, net::Address>> addresses;
    std::set<std::string> seen;
    auto add = [&](const std::string& text, const net::Address& a) {
      if (seen.insert(text).second) addresses.emplace_back(text, a);
    };
    if (const upstream::Cluster* built = snapshot.findCluster(*name)) {
      for (const upstream::Endpoint& e : built->endpoints())
        add(e.address_text, e.address);
    }
    if (hc.subset.empty()) {
      for (const upstream::Cluster* s : siblings) {
        for (const upstream::Endpoint& e : s->endpoints())
          add(e.address_text, e.address);
      }
    }
    for (const config::ClusterEndpoint& ep : target->endpoints) {
      if (!ep.ip) continue;
      auto a = net::Address::fromIp(ep.ip->toString(), ep.port);
      if (a.ok()) add(a->toString(), *a);
    }
    for (const auto& [text, address] : addresses) {
      upstream::HealthCheckTarget t;
      t.address = address;
      t.address_text = text;
      for (const upstream::Cluster* s : siblings) {
        for (const upstream::Endpoint& e : s->endpoints()) {
          if (e.address_text == text) t.records.push_back(e.health);
        }
      }
      g.targets.push_back(std::move(t));
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace meshgate::server
