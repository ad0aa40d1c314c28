// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/selection.h"

#include "filters/authz/policy.h"

namespace meshgate::filters::authz {

Workload workloadOf(const filter_api::ChainSite& site) {
  Workload w;
  if (site.listener != nullptr) {
    w.namespace_ = site.listener->effectiveWorkloadNamespace();
    w.labels = site.listener->workload_labels;
  }
  if (!site.gateway.empty()) {
    w.gateway = std::string(site.gateway);
    const config::Gateway* g =
        site.config != nullptr ? site.config->findGateway(site.gateway, "") : nullptr;
    if (g != nullptr) {
      w.namespace_ = g->meta.namespace_;
      for (const auto& [k, v] : g->selector)
        w.labels.emplace(k, v);
    }
  } else if (site.listener != nullptr) {
    w.listener_namespace = site.listener->meta.namespace_;
    w.listener_name = site.listener->meta.name;
  }
  return w;
}

bool policyApplies(const config::PolicyTarget& target, std::string_view policy_ns,
                   const Workload& w) {
  if (!target.target_refs.empty()) {
    // targetRef(s) replace namespace-wide and selector targeting.
    for (const config::PolicyTargetRef& ref : target.target_refs) {
      const std::string_view ns = ref.namespace_.empty() ? policy_ns : ref.namespace_;
      if (ref.kind == "Listener") {
        if (w.gateway.empty() && ns == w.listener_namespace && ref.name == w.listener_name)
          return true;
      } else if (ref.kind == "Gateway") {
        if (!w.gateway.empty() && w.gateway == std::string(ns) + "/" + ref.name) return true;
      }
    }
    return false;
  }
  if (policy_ns != kRootNamespace && policy_ns != w.namespace_) return false;
  return !target.selector || target.selector->selects(w.labels);
}

std::vector<const config::AuthorizationPolicy*> selectPolicies(const config::ConfigSet& cfg,
                                                               const Workload& w) {
  std::vector<const config::AuthorizationPolicy*> out;
  for (const config::AuthorizationPolicy& p : cfg.authorization_policies) {
    if (policyApplies(p.target, p.meta.namespace_, w)) out.push_back(&p);
  }
  return out;
}

}  // namespace meshgate::filters::authz
