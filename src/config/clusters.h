// SPDX-License-Identifier: Apache-2.0
// The upstream clusters a configuration implies, named and built as Istio does:
// one per ServiceEntry host and port, one more per DestinationRule subset, and
// one per Workload port; each with its merged traffic policy and endpoints.
// Depends on config/config_set.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_set.h"

namespace meshgate::config {

struct ClusterEndpoint {
  /// An IP literal, or a DNS name for resolution DNS.
  std::string address;
  std::optional<IpAddress> ip;
  uint16_t port = 0;
  uint32_t weight = 1;
  Labels labels;
  std::string locality;
  std::string network;
  /// Set when the endpoint is a meshgate Workload.
  const Workload* workload = nullptr;
};

/// Pointers refer into the ConfigSet the cluster was built from and live as long as it.
struct Cluster {
  /// Istio's name: "outbound|<port>|<subset>|<host>".
  std::string name;
  std::string host;  // the ServiceEntry host, or the Workload's FQDN
  uint16_t port = 0;
  std::string port_name;
  std::string subset;
  const ServiceEntry* service_entry = nullptr;
  const Workload* workload = nullptr;
  const DestinationRule* destination_rule = nullptr;
  ServiceEntry::Resolution resolution = ServiceEntry::Resolution::Static;
  EffectiveTrafficPolicy policy;
  std::vector<ClusterEndpoint> endpoints;
};

/// "outbound|80|v1|reviews.default.svc.cluster.local".
std::string clusterName(uint16_t port, std::string_view subset, std::string_view host);

/// Every cluster of `config`, sorted by name.
std::vector<Cluster> buildClusters(const ConfigSet& config);

/// The cluster name a route destination (written in namespace `ns`) resolves
/// to, or nullopt when it names nothing (a validated ConfigSet always resolves).
std::optional<std::string> clusterNameFor(const ConfigSet& config, const Destination& destination,
                                          std::string_view ns);

}  // namespace meshgate::config
