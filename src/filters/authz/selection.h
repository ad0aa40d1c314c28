// SPDX-License-Identifier: Apache-2.0
// Which AuthorizationPolicies apply to the workload behind a listener, with
// Istio's rules: root-namespace policies apply mesh-wide, others to their own
// namespace; `selector.matchLabels` narrows by workload labels; `targetRef(s)`
// name Listeners and Gateways directly. Depends on config and filter_api.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_set.h"
#include "filter_api/registry.h"

namespace meshgate::filters::authz {

/// The workload a chain is built for, as policy selection sees it.
struct Workload {
  /// The workload namespace: the Listener's workload.namespace (default: its
  /// own namespace); for a Gateway listener, the Gateway's namespace.
  std::string namespace_;
  /// The Listener's workload.labels; for a Gateway listener, the Gateway's
  /// `selector` (the labels of the gateway pods an Istio policy would select).
  config::Labels labels;
  /// The Listener object's own namespace and name (targetRef kind Listener);
  /// empty for Gateway listeners.
  std::string listener_namespace;
  std::string listener_name;
  /// "ns/name" of the Gateway for Gateway listeners (targetRef kind Gateway).
  std::string gateway;
};

Workload workloadOf(const filter_api::ChainSite& site);

/// True when a policy in namespace `policy_ns` with `target` applies to `w`.
bool policyApplies(const config::PolicyTarget& target, std::string_view policy_ns,
                   const Workload& w);

/// The AuthorizationPolicies of `cfg` that apply to `w`, in config order.
std::vector<const config::AuthorizationPolicy*> selectPolicies(const config::ConfigSet& cfg,
                                                               const Workload& w);

}  // namespace meshgate::filters::authz
