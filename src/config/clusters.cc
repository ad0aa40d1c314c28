// SPDX-License-Identifier: Apache-2.0
#include "config/clusters.h"

#include <algorithm>

namespace meshgate::config {

std::string clusterName(uint16_t port, std::string_view subset, std::string_view host) {
  return "outbound|" + std::to_string(port) + "|" + std::string(subset) + "|" + std::string(host);
}

namespace {

// Istio: the endpoint's port for a service port is endpoint.ports[port.name],
// else the service port's targetPort, else its number.
uint16_t endpointPort(const ServicePort& sp, const WorkloadEntry* e) {
  if (e != nullptr) {
    auto it = e->ports.find(sp.name);
    if (it != e->ports.end()) return it->second;
  }
  return sp.target_port != 0 ? sp.target_port : sp.number;
}

void addServiceEntryClusters(const ConfigSet& config, const ServiceEntry& se,
                             std::vector<Cluster>& out) {
  for (const std::string& host : se.hosts) {
    const DestinationRule* dr = config.findDestinationRule(host, se.meta.namespace_);
    std::vector<std::string> subsets = {""};
    if (dr != nullptr) {
      for (const Subset& s : dr->subsets)
        subsets.push_back(s.name);
    }
    for (const ServicePort& sp : se.ports) {
      for (const std::string& subset : subsets) {
        Cluster c;
        c.host = host;
        c.port = sp.number;
        c.port_name = sp.name;
        c.subset = subset;
        c.name = clusterName(sp.number, subset, host);
        c.service_entry = &se;
        c.destination_rule = dr;
        c.resolution = se.resolution;
        c.policy = mergeTrafficPolicy(dr, subset, sp.number);
        const Subset* sub = dr && !subset.empty() ? dr->findSubset(subset) : nullptr;
        WorkloadSelector sel;
        if (sub) sel.labels = sub->labels;
        for (const WorkloadEntry& e : se.endpoints) {
          if (!sel.selects(e.labels)) continue;
          ClusterEndpoint ep;
          ep.address = e.address;
          ep.ip = e.ip;
          ep.port = endpointPort(sp, &e);
          ep.weight = e.weight;
          ep.labels = e.labels;
          ep.locality = e.locality;
          ep.network = e.network;
          c.endpoints.push_back(std::move(ep));
        }
        for (const Workload* w : config.selectedWorkloads(se)) {
          if (!sel.selects(w->labels)) continue;
          ClusterEndpoint ep;
          ep.address = w->address;
          ep.ip = w->ip;
          ep.port = w->port != 0 ? w->port : endpointPort(sp, nullptr);
          ep.labels = w->labels;
          ep.workload = w;
          c.endpoints.push_back(std::move(ep));
        }
        if (se.endpoints.empty() && !se.workload_selector &&
            (se.resolution == ServiceEntry::Resolution::Dns ||
             se.resolution == ServiceEntry::Resolution::DnsRoundRobin)) {
          ClusterEndpoint ep;
          ep.address = host;
          ep.port = endpointPort(sp, nullptr);
          c.endpoints.push_back(std::move(ep));
        }
        out.push_back(std::move(c));
      }
    }
  }
}

}  // namespace

std::vector<Cluster> buildClusters(const ConfigSet& config) {
  std::vector<Cluster> out;
  for (const ServiceEntry& se : config.service_entries)
    addServiceEntryClusters(config, se, out);
  for (const Workload& w : config.workloads) {
    if (w.port == 0) continue;
    const std::string host = qualifyHost(w.meta.name, w.meta.namespace_);
    const DestinationRule* dr = config.findDestinationRule(host, w.meta.namespace_);
    std::vector<std::string> subsets = {""};
    if (dr != nullptr) {
      for (const Subset& s : dr->subsets)
        subsets.push_back(s.name);
    }
    for (const std::string& subset : subsets) {
      Cluster c;
      c.host = host;
      c.port = w.port;
      c.subset = subset;
      c.name = clusterName(w.port, subset, host);
      c.workload = &w;
      c.destination_rule = dr;
      c.policy = mergeTrafficPolicy(dr, subset, w.port);
      ClusterEndpoint ep;
      ep.address = w.address;
      ep.ip = w.ip;
      ep.port = w.port;
      ep.labels = w.labels;
      ep.workload = &w;
      c.endpoints.push_back(std::move(ep));
      out.push_back(std::move(c));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Cluster& a, const Cluster& b) { return a.name < b.name; });
  // Two hosts can only collide through an error the loader already reported;
  // keep the first so that names stay unique.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Cluster& a, const Cluster& b) { return a.name == b.name; }),
            out.end());
  return out;
}

std::optional<std::string> clusterNameFor(const ConfigSet& config, const Destination& d,
                                          std::string_view ns) {
  if (const ServiceEntry* se = config.findServiceEntry(d.host, ns)) {
    uint16_t port = 0;
    if (d.port)
      port = d.port->number;
    else if (se->ports.size() == 1)
      port = se->ports.front().number;
    else
      return std::nullopt;
    // The host as the ServiceEntry spells it: exact match, or the wildcard entry.
    const std::string wanted = qualifyHost(d.host, ns);
    std::string host;
    for (const std::string& h : se->hosts) {
      if (qualifyHost(h, se->meta.namespace_) == wanted || h == d.host) host = h;
    }
    if (host.empty()) {
      for (const std::string& h : se->hosts) {
        if (hostMatches(qualifyHost(h, se->meta.namespace_), wanted)) host = h;
      }
    }
    if (host.empty()) return std::nullopt;
    return clusterName(port, d.subset, host);
  }
  if (const Workload* w = config.findWorkloadByHost(d.host, ns)) {
    const uint16_t port = d.port ? d.port->number : w->port;
    return clusterName(port, d.subset, qualifyHost(w->meta.name, w->meta.namespace_));
  }
  return std::nullopt;
}

}  // namespace meshgate::config
