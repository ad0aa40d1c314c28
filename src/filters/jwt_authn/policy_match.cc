// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/policy_match.h"

#include <string>

namespace meshgate::filters::jwt_authn {

namespace {

const config::Labels& emptyLabels() {
  static const config::Labels kEmpty;
  return kEmpty;
}

bool refNames(const config::PolicyTargetRef& ref, std::string_view policy_namespace,
              const WorkloadRef& workload) {
  const std::string_view ns = ref.namespace_.empty() ? policy_namespace : ref.namespace_;
  const std::string qualified = std::string(ns) + "/" + ref.name;
  if (ref.kind == "Listener" && (ref.group.empty() || ref.group == "meshgate.io")) {
    return workload.gateway.empty() && workload.listener == qualified;
  }
  if (ref.kind == "Gateway") return !workload.gateway.empty() && workload.gateway == qualified;
  return false;
}

}  // namespace

WorkloadRef workloadOf(const filter_api::ChainSite& site) {
  WorkloadRef w;
  w.labels = &emptyLabels();
  if (site.listener != nullptr) {
    w.namespace_ = site.listener->effectiveWorkloadNamespace();
    w.labels = &site.listener->workload_labels;
  }
  if (site.gateway.empty()) {
    w.listener = site.listener_name;
  } else {
    w.gateway = site.gateway;
    if (w.labels->empty() && site.config != nullptr) {
      const std::string_view gw = site.gateway;
      const size_t slash = gw.find('/');
      const std::string_view ns =
          slash == std::string_view::npos ? w.namespace_ : gw.substr(0, slash);
      if (const config::Gateway* g = site.config->findGateway(gw, ns)) w.labels = &g->selector;
    }
  }
  return w;
}

bool policyApplies(const config::ObjectMeta& meta, const config::PolicyTarget& target,
                   const WorkloadRef& workload, std::string_view root_namespace) {
  if (!target.target_refs.empty()) {
    for (const config::PolicyTargetRef& ref : target.target_refs) {
      if (refNames(ref, meta.namespace_, workload)) return true;
    }
    return false;
  }
  if (meta.namespace_ != workload.namespace_ && meta.namespace_ != root_namespace) return false;
  if (!target.selector) return true;
  return target.selector->selects(workload.labels ? *workload.labels : emptyLabels());
}

}  // namespace meshgate::filters::jwt_authn
