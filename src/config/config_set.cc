// SPDX-License-Identifier: Apache-2.0
// Look-ups over a ConfigSet and the small behaviours of the model types.
#include "config/config_set.h"

#include <algorithm>

#include "base/strings.h"

namespace meshgate::config {

const ServicePort* ServiceEntry::findPort(uint16_t number) const {
  for (const ServicePort& p : ports)
    if (p.number == number) return &p;
  return nullptr;
}

const Subset* DestinationRule::findSubset(std::string_view name) const {
  for (const Subset& s : subsets)
    if (s.name == name) return &s;
  return nullptr;
}

EffectiveTrafficPolicy mergeTrafficPolicy(const DestinationRule* rule, std::string_view subset,
                                          uint16_t port) {
  EffectiveTrafficPolicy out;
  if (rule == nullptr) return out;
  auto apply = [&](const TrafficPolicy& tp) {
    if (tp.load_balancer) out.load_balancer = tp.load_balancer;
    if (tp.connection_pool) out.connection_pool = tp.connection_pool;
    if (tp.outlier_detection) out.outlier_detection = tp.outlier_detection;
    if (tp.tls) out.tls = tp.tls;
    for (const PortTrafficPolicy& p : tp.port_level_settings) {
      if (p.port != port) continue;
      if (p.load_balancer) out.load_balancer = p.load_balancer;
      if (p.connection_pool) out.connection_pool = p.connection_pool;
      if (p.outlier_detection) out.outlier_detection = p.outlier_detection;
      if (p.tls) out.tls = p.tls;
    }
  };
  if (rule->traffic_policy) apply(*rule->traffic_policy);
  if (!subset.empty()) {
    if (const Subset* s = rule->findSubset(subset); s && s->traffic_policy)
      apply(*s->traffic_policy);
  }
  return out;
}

bool VirtualService::appliesToMesh() const {
  return gateways.empty() || std::find(gateways.begin(), gateways.end(), "mesh") != gateways.end();
}

bool VirtualService::appliesToGateway(std::string_view ns, std::string_view name) const {
  for (const std::string& g : gateways) {
    const size_t slash = g.find('/');
    if (slash == std::string::npos) {
      if (g == name && meta.namespace_ == ns) return true;
    } else if (std::string_view(g).substr(0, slash) == ns &&
               std::string_view(g).substr(slash + 1) == name) {
      return true;
    }
  }
  return false;
}

bool authzPatternMatches(std::string_view pattern, std::string_view text) {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.front() == '*') {
    std::string_view suffix = pattern.substr(1);
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
  }
  if (!pattern.empty() && pattern.back() == '*') {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    return text.substr(0, prefix.size()) == prefix;
  }
  return pattern == text;
}

bool isBuiltinSandboxProfile(std::string_view name) {
  return name == "strict" || name == "http-service" || name == "shell";
}

namespace {

template <typename T>
const T* byName(const std::vector<T>& v, std::string_view name, std::string_view ns) {
  for (const T& o : v)
    if (o.meta.name == name && o.meta.namespace_ == ns) return &o;
  return nullptr;
}

// Splits "ns/name" (or "name", in `default_ns`).
std::pair<std::string_view, std::string_view> splitRef(std::string_view ref,
                                                       std::string_view default_ns) {
  const size_t slash = ref.find('/');
  if (slash == std::string_view::npos) return {default_ns, ref};
  return {ref.substr(0, slash), ref.substr(slash + 1)};
}

}  // namespace

const ServiceEntry* ConfigSet::findServiceEntry(std::string_view host, std::string_view ns) const {
  const std::string wanted = qualifyHost(host, ns);
  const ServiceEntry* best = nullptr;
  size_t best_len = 0;
  for (const ServiceEntry& se : service_entries) {
    for (const std::string& h : se.hosts) {
      const std::string q = qualifyHost(h, se.meta.namespace_);
      if (q == wanted || h == base::toLower(host)) return &se;
      if (q.size() > 1 && q[0] == '*' && hostMatches(q, wanted) && q.size() > best_len) {
        best = &se;
        best_len = q.size();
      }
    }
  }
  return best;
}

const Workload* ConfigSet::findWorkloadByHost(std::string_view host, std::string_view ns) const {
  const std::string wanted = qualifyHost(host, ns);
  for (const Workload& w : workloads) {
    if (qualifyHost(w.meta.name, w.meta.namespace_) == wanted) return &w;
  }
  return nullptr;
}

const Workload* ConfigSet::findWorkload(std::string_view name, std::string_view ns) const {
  return byName(workloads, name, ns);
}

const DestinationRule* ConfigSet::findDestinationRule(std::string_view host,
                                                      std::string_view ns) const {
  const std::string wanted = qualifyHost(host, ns);
  const DestinationRule* best = nullptr;
  size_t best_len = 0;
  for (const DestinationRule& dr : destination_rules) {
    const std::string q = qualifyHost(dr.host, dr.meta.namespace_);
    if (q == wanted) return &dr;
    if (!q.empty() && q[0] == '*' && hostMatches(q, wanted) && q.size() > best_len) {
      best = &dr;
      best_len = q.size();
    }
  }
  return best;
}

const VirtualService* ConfigSet::findVirtualService(std::string_view name,
                                                    std::string_view ns) const {
  auto [n, nm] = splitRef(name, ns);
  return byName(virtual_services, nm, n);
}

const Gateway* ConfigSet::findGateway(std::string_view name, std::string_view ns) const {
  auto [n, nm] = splitRef(name, ns);
  return byName(gateways, nm, n);
}

const PolicyProvider* ConfigSet::findPolicyProvider(std::string_view name) const {
  for (const PolicyProvider& p : policy_providers)
    if (p.meta.name == name) return &p;
  return nullptr;
}

const Listener* ConfigSet::findListener(std::string_view name, std::string_view ns) const {
  return byName(listeners, name, ns);
}

const ExternalObject* ConfigSet::findExternal(std::string_view kind, std::string_view name,
                                              std::string_view ns) const {
  for (const ExternalObject& o : external_objects)
    if (o.kind == kind && o.meta.name == name && o.meta.namespace_ == ns) return &o;
  return nullptr;
}

std::vector<const Workload*> ConfigSet::selectedWorkloads(const ServiceEntry& se) const {
  std::vector<const Workload*> out;
  if (!se.workload_selector) return out;
  for (const Workload& w : workloads) {
    if (w.meta.namespace_ == se.meta.namespace_ && se.workload_selector->selects(w.labels)) {
      out.push_back(&w);
    }
  }
  return out;
}

}  // namespace meshgate::config
