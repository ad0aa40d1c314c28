// SPDX-License-Identifier: Apache-2.0
// ConfigSet: one loaded, validated, immutable generation of configuration —
// every object of every kind, each with its source position. Depends on the
// model headers only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/meshgate_kinds.h"
#include "config/networking.h"
#include "config/security.h"

namespace meshgate::config {

/// Everything one load produced. Built by the loader, then shared read-only
/// (hold it as std::shared_ptr<const ConfigSet>); every member is safe to read
/// from any thread. Objects of each kind are sorted by (namespace, name).
struct ConfigSet {
  std::vector<ServiceEntry> service_entries;
  std::vector<DestinationRule> destination_rules;
  std::vector<VirtualService> virtual_services;
  std::vector<Gateway> gateways;
  std::vector<RequestAuthentication> request_authentications;
  std::vector<AuthorizationPolicy> authorization_policies;
  std::vector<PeerAuthentication> peer_authentications;
  std::vector<Listener> listeners;
  std::optional<Admin> admin;
  std::vector<DemoUpstream> demo_upstreams;
  std::vector<RateLimitPolicy> rate_limit_policies;
  std::vector<HealthCheck> health_checks;
  std::vector<PolicyProvider> policy_providers;
  std::vector<Workload> workloads;
  std::vector<ExternalObject> external_objects;  // SandboxProfile, ...
  /// The files that were read, in load order ("<embedded>" for the default).
  std::vector<std::string> sources;

  // ---- look-ups (linear scans over small vectors; cache results per generation)

  /// The ServiceEntry that defines `host` (a destination host as written in
  /// namespace `ns`, Istio short-name rules), or null. Exact hosts win over
  /// wildcards; the longest wildcard wins.
  const ServiceEntry* findServiceEntry(std::string_view host, std::string_view ns) const;
  /// The Workload named by a destination host (`name`, or
  /// `name.<ns>.svc.cluster.local`), or null.
  const Workload* findWorkloadByHost(std::string_view host, std::string_view ns) const;
  const Workload* findWorkload(std::string_view name, std::string_view ns) const;
  /// The DestinationRule for `host` (as written in namespace `ns`), or null.
  const DestinationRule* findDestinationRule(std::string_view host, std::string_view ns) const;
  const VirtualService* findVirtualService(std::string_view name, std::string_view ns) const;
  const Gateway* findGateway(std::string_view name, std::string_view ns) const;
  const PolicyProvider* findPolicyProvider(std::string_view name) const;
  const Listener* findListener(std::string_view name, std::string_view ns) const;
  /// SandboxProfile objects (external) by name.
  const ExternalObject* findExternal(std::string_view kind, std::string_view name,
                                     std::string_view ns) const;
  /// The Workloads a ServiceEntry's workloadSelector selects (same namespace).
  std::vector<const Workload*> selectedWorkloads(const ServiceEntry& se) const;
};

}  // namespace meshgate::config
