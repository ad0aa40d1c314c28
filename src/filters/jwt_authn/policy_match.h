// SPDX-License-Identifier: Apache-2.0
// Which security policies apply to the workload behind a route's listener: Istio's rules for
// `selector.matchLabels`, `targetRef(s)`, the policy's namespace and the root namespace.
// Depends on config/ and filter_api/registry.h only.
#pragma once

#include <string_view>

#include "config/security.h"
#include "filter_api/registry.h"

namespace meshgate::filters::jwt_authn {

/// Istio's root namespace (meshConfig.rootNamespace, "istio-system" by default): a policy there
/// applies to the workloads of every namespace (to every one its selector selects).
inline constexpr std::string_view kRootNamespace = "istio-system";

/// The workload a policy is matched against.
struct WorkloadRef {
  /// The listener's effective workload namespace.
  std::string_view namespace_;
  /// Listener `workload.labels`; for a Gateway listener without them, the Gateway's
  /// `selector` (the labels of the gateway workload in Istio).
  const config::Labels* labels = nullptr;
  /// "ns/name" of a meshgate Listener; empty for Gateway listeners.
  std::string_view listener;
  /// "ns/name" of the Gateway for Gateway listeners; empty for meshgate Listeners.
  std::string_view gateway;
};

/// The workload behind `site`'s listener. Views point into `site` and its ConfigSet.
WorkloadRef workloadOf(const filter_api::ChainSite& site);

/// Istio's attachment rule (pilot's WorkloadPolicyMatcher):
/// - with `targetRef(s)`, the policy applies only to the named meshgate Listener or Gateway
///   (the reference's namespace defaults to the policy's);
/// - otherwise it applies to workloads in its own namespace, or in every namespace when it
///   lives in `root_namespace`, whose labels its selector selects (no selector, or an empty
///   one, selects every workload).
bool policyApplies(const config::ObjectMeta& meta, const config::PolicyTarget& target,
                   const WorkloadRef& workload, std::string_view root_namespace = kRootNamespace);

}  // namespace meshgate::filters::jwt_authn
