// SPDX-License-Identifier: Apache-2.0
// Cross-object validation: duplicates, dangling references, conflicts.
#include "config/references.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"

namespace meshgate::config {
namespace {

std::string quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

template <typename T>
void checkDuplicates(const std::vector<T>& objects, std::string_view kind, Diagnostics& diags) {
  std::map<std::string, const ObjectMeta*> seen;
  for (const T& o : objects) {
    auto [it, inserted] = seen.emplace(o.meta.qualifiedName(), &o.meta);
    if (!inserted) {
      diags.error(o.meta.name_pos, "duplicate " + std::string(kind) + " " +
                                       quote(o.meta.qualifiedName()) + " (first defined at " +
                                       it->second->pos.toString() + ")");
    }
  }
}

std::string joinPorts(const ServiceEntry& se) {
  std::string out;
  for (const ServicePort& p : se.ports) {
    if (!out.empty()) out += ", ";
    out += std::to_string(p.number);
  }
  return out;
}

class Checker {
 public:
  Checker(const ConfigSet& c, Diagnostics& d) : c_(c), d_(d) {}

  void run() {
    duplicates();
    serviceEntries();
    destinationRules();
    virtualServices();
    securityPolicies();
    meshgateKinds();
    listenerHosts();
    portConflicts();
  }

 private:
  void duplicates() {
    checkDuplicates(c_.service_entries, "ServiceEntry", d_);
    checkDuplicates(c_.destination_rules, "DestinationRule", d_);
    checkDuplicates(c_.virtual_services, "VirtualService", d_);
    checkDuplicates(c_.gateways, "Gateway", d_);
    checkDuplicates(c_.request_authentications, "RequestAuthentication", d_);
    checkDuplicates(c_.authorization_policies, "AuthorizationPolicy", d_);
    checkDuplicates(c_.peer_authentications, "PeerAuthentication", d_);
    checkDuplicates(c_.listeners, "Listener", d_);
    checkDuplicates(c_.demo_upstreams, "DemoUpstream", d_);
    checkDuplicates(c_.rate_limit_policies, "RateLimitPolicy", d_);
    checkDuplicates(c_.health_checks, "HealthCheck", d_);
    checkDuplicates(c_.policy_providers, "PolicyProvider", d_);
    checkDuplicates(c_.workloads, "Workload", d_);
    std::map<std::string, const ObjectMeta*> ext;
    for (const ExternalObject& o : c_.external_objects) {
      auto [it, inserted] = ext.emplace(o.kind + " " + o.meta.qualifiedName(), &o.meta);
      if (!inserted) {
        d_.error(o.meta.name_pos, "duplicate " + o.kind + " " + quote(o.meta.qualifiedName()) +
                                      " (first defined at " + it->second->pos.toString() + ")");
      }
    }
    // PolicyProvider names are global (AuthorizationPolicy.provider.name has no namespace).
    std::map<std::string, const ObjectMeta*> providers;
    for (const PolicyProvider& p : c_.policy_providers) {
      auto [it, inserted] = providers.emplace(p.meta.name, &p.meta);
      if (!inserted && it->second->namespace_ != p.meta.namespace_) {
        d_.error(p.meta.name_pos, "PolicyProvider name " + quote(p.meta.name) +
                                      " is already used in namespace " + it->second->namespace_ +
                                      " (provider names are global)");
      }
    }
  }

  void serviceEntries() {
    std::map<std::string, const ServiceEntry*> hosts;
    for (const ServiceEntry& se : c_.service_entries) {
      for (const std::string& h : se.hosts) {
        const std::string q = qualifyHost(h, se.meta.namespace_);
        auto [it, inserted] = hosts.emplace(q, &se);
        if (!inserted && it->second != &se) {
          d_.error(se.meta.name_pos, "host " + quote(h) + " is already defined by ServiceEntry " +
                                         quote(it->second->meta.qualifiedName()) + " at " +
                                         it->second->meta.pos.toString());
        }
      }
      if (se.workload_selector && c_.selectedWorkloads(se).empty()) {
        d_.warning(se.workload_selector->pos,
                   "workloadSelector selects no Workload in namespace " + se.meta.namespace_);
      }
      for (const WorkloadEntry& e : se.endpoints) {
        if (e.ports.empty() && se.ports.size() > 1) continue;  // uses the service port numbers
      }
    }
  }

  void destinationRules() {
    std::map<std::string, const DestinationRule*> hosts;
    for (const DestinationRule& dr : c_.destination_rules) {
      if (dr.host.empty()) continue;
      const std::string q = qualifyHost(dr.host, dr.meta.namespace_);
      auto [it, inserted] = hosts.emplace(q, &dr);
      if (!inserted) {
        d_.error(dr.meta.name_pos, "host " + quote(dr.host) + " already has DestinationRule " +
                                       quote(it->second->meta.qualifiedName()) + " at " +
                                       it->second->meta.pos.toString());
      }
      const ServiceEntry* se = c_.findServiceEntry(dr.host, dr.meta.namespace_);
      const Workload* wl = se ? nullptr : c_.findWorkloadByHost(dr.host, dr.meta.namespace_);
      if (se == nullptr && wl == nullptr && dr.host.find('*') == std::string::npos) {
        d_.warning(dr.meta.name_pos, "DestinationRule host " + quote(dr.host) +
                                         " matches no ServiceEntry or Workload");
      }
      auto checkPorts = [&](const TrafficPolicy& tp) {
        if (se == nullptr) return;
        for (const PortTrafficPolicy& p : tp.port_level_settings) {
          if (p.port != 0 && se->findPort(p.port) == nullptr) {
            d_.error(p.pos, "portLevelSettings: port " + std::to_string(p.port) +
                                " is not a port of ServiceEntry " +
                                quote(se->meta.qualifiedName()) + " (ports: " + joinPorts(*se) +
                                ")");
          }
        }
      };
      if (dr.traffic_policy) checkPorts(*dr.traffic_policy);
      for (const Subset& s : dr.subsets) {
        if (s.traffic_policy) checkPorts(*s.traffic_policy);
        if (se == nullptr || se->resolution != ServiceEntry::Resolution::Static || s.labels.empty())
          continue;
        bool any = false;
        for (const WorkloadEntry& e : se->endpoints) {
          WorkloadSelector sel{s.labels, {}};
          if (sel.selects(e.labels)) any = true;
        }
        for (const Workload* w : c_.selectedWorkloads(*se)) {
          WorkloadSelector sel{s.labels, {}};
          if (sel.selects(w->labels)) any = true;
        }
        if (!any)
          d_.warning(s.pos, "subset " + quote(s.name) + " selects no endpoint of ServiceEntry " +
                                quote(se->meta.qualifiedName()));
      }
    }
  }

  void checkDestination(const Destination& d, std::string_view ns, std::string_view what) {
    if (d.host.empty()) return;
    const ServiceEntry* se = c_.findServiceEntry(d.host, ns);
    const Workload* wl = se ? nullptr : c_.findWorkloadByHost(d.host, ns);
    if (se == nullptr && wl == nullptr) {
      d_.error(d.pos, std::string(what) + ": host " + quote(d.host) +
                          " is not defined by any ServiceEntry or Workload");
      return;
    }
    if (se != nullptr) {
      if (d.port) {
        if (se->findPort(d.port->number) == nullptr) {
          d_.error(d.pos, std::string(what) + ": port " + std::to_string(d.port->number) +
                              " is not a port of ServiceEntry " + quote(se->meta.qualifiedName()) +
                              " (ports: " + joinPorts(*se) + ")");
        }
      } else if (se->ports.size() > 1) {
        d_.error(d.pos, std::string(what) + ": ServiceEntry " + quote(se->meta.qualifiedName()) +
                            " has several ports (" + joinPorts(*se) +
                            "); destination.port.number is required");
      }
    } else if (d.port && wl->port != 0 && d.port->number != wl->port) {
      d_.error(d.pos, std::string(what) + ": Workload " + quote(wl->meta.qualifiedName()) +
                          " listens on port " + std::to_string(wl->port) + ", not " +
                          std::to_string(d.port->number));
    } else if (wl->port == 0 && !d.port) {
      d_.error(d.pos, std::string(what) + ": Workload " + quote(wl->meta.qualifiedName()) +
                          " has no port; destination.port.number is required");
    }
    if (!d.subset.empty()) {
      const DestinationRule* dr = c_.findDestinationRule(d.host, ns);
      if (dr == nullptr) {
        d_.error(d.pos, std::string(what) + ": subset " + quote(d.subset) +
                            " needs a DestinationRule for host " + quote(d.host) +
                            ", and there is none");
      } else if (dr->findSubset(d.subset) == nullptr) {
        std::string names;
        for (const Subset& s : dr->subsets)
          names += (names.empty() ? "" : ", ") + s.name;
        d_.error(d.pos, std::string(what) + ": subset " + quote(d.subset) +
                            " is not defined in DestinationRule " +
                            quote(dr->meta.qualifiedName()) +
                            " (subsets: " + (names.empty() ? "none" : names) + ")");
      }
    }
  }

  void virtualServices() {
    // One VirtualService per host per binding (mesh or a gateway).
    std::map<std::string, const VirtualService*> bound;
    for (const VirtualService& vs : c_.virtual_services) {
      const std::string& ns = vs.meta.namespace_;
      std::vector<std::string> bindings;
      if (vs.appliesToMesh()) bindings.push_back("mesh");
      for (const std::string& g : vs.gateways) {
        if (g == "mesh") continue;
        const Gateway* gw = c_.findGateway(g, ns);
        if (gw == nullptr) {
          d_.error(vs.meta.name_pos, "gateways: Gateway " + quote(g) + " is not defined");
          continue;
        }
        bindings.push_back(gw->meta.qualifiedName());
      }
      for (const std::string& b : bindings) {
        for (const std::string& h : vs.hosts) {
          auto [it, inserted] = bound.emplace(b + " " + qualifyHost(h, ns), &vs);
          if (!inserted) {
            d_.error(vs.meta.name_pos, "host " + quote(h) +
                                           " is already routed by VirtualService " +
                                           quote(it->second->meta.qualifiedName()) + " at " +
                                           it->second->meta.pos.toString() +
                                           (b == "mesh" ? "" : " (gateway " + b + ")"));
          }
        }
      }
      for (size_t i = 0; i < vs.http.size(); ++i) {
        const HttpRoute& r = vs.http[i];
        const std::string where = "http[" + std::to_string(i) + "]";
        for (size_t j = 0; j < r.route.size(); ++j) {
          checkDestination(r.route[j].destination, ns, where + ".route[" + std::to_string(j) + "]");
        }
        for (size_t j = 0; j < r.mirrors.size(); ++j) {
          checkDestination(r.mirrors[j].destination, ns, where + ".mirror");
        }
        for (const HttpMatchRequest& m : r.match) {
          for (const std::string& g : m.gateways) {
            if (g != "mesh" && c_.findGateway(g, ns) == nullptr) {
              d_.error(m.pos, where + ".match.gateways: Gateway " + quote(g) + " is not defined");
            }
          }
        }
      }
    }
  }

  void checkTargetRefs(const PolicyTarget& t, std::string_view ns) {
    for (const PolicyTargetRef& ref : t.target_refs) {
      const std::string_view rns = ref.namespace_.empty() ? ns : std::string_view(ref.namespace_);
      if (ref.kind == "Listener" && c_.findListener(ref.name, rns) == nullptr) {
        d_.error(ref.pos, "targetRef: Listener " + quote(std::string(rns) + "/" + ref.name) +
                              " is not defined");
      }
      if (ref.kind == "Gateway" &&
          c_.findGateway(std::string(rns) + "/" + ref.name, rns) == nullptr) {
        d_.error(ref.pos, "targetRef: Gateway " + quote(std::string(rns) + "/" + ref.name) +
                              " is not defined");
      }
    }
  }

  void securityPolicies() {
    for (const RequestAuthentication& ra : c_.request_authentications) {
      checkTargetRefs(ra.target, ra.meta.namespace_);
    }
    for (const AuthorizationPolicy& ap : c_.authorization_policies) {
      checkTargetRefs(ap.target, ap.meta.namespace_);
      if (ap.action == AuthorizationPolicy::Action::Custom && !ap.provider.empty() &&
          c_.findPolicyProvider(ap.provider) == nullptr) {
        d_.error(ap.provider_pos,
                 "provider " + quote(ap.provider) +
                     " is not defined (define a meshgate.io/v1 PolicyProvider with this name)");
      }
    }
  }

  void meshgateKinds() {
    for (const RateLimitPolicy& rl : c_.rate_limit_policies) {
      for (const RateLimitTarget& t : rl.targets) {
        if (t.virtual_service.empty()) continue;
        const VirtualService* vs = c_.findVirtualService(t.virtual_service, rl.meta.namespace_);
        if (vs == nullptr) {
          d_.error(t.pos,
                   "targets: VirtualService " + quote(t.virtual_service) + " is not defined");
          continue;
        }
        if (!t.route.empty()) {
          const bool found = std::any_of(vs->http.begin(), vs->http.end(),
                                         [&](const HttpRoute& r) { return r.name == t.route; });
          if (!found) {
            d_.error(t.pos, "targets: VirtualService " + quote(vs->meta.qualifiedName()) +
                                " has no http route named " + quote(t.route));
          }
        }
      }
    }
    for (const HealthCheck& hc : c_.health_checks) {
      if (hc.host.empty()) continue;
      const std::string& ns = hc.meta.namespace_;
      const ServiceEntry* se = c_.findServiceEntry(hc.host, ns);
      const Workload* wl = se ? nullptr : c_.findWorkloadByHost(hc.host, ns);
      if (se == nullptr && wl == nullptr) {
        d_.error(hc.host_pos,
                 "host " + quote(hc.host) + " is not defined by any ServiceEntry or Workload");
        continue;
      }
      if (se != nullptr) {
        if (hc.port != 0 && se->findPort(hc.port) == nullptr) {
          d_.error(hc.host_pos,
                   "port " + std::to_string(hc.port) + " is not a port of ServiceEntry " +
                       quote(se->meta.qualifiedName()) + " (ports: " + joinPorts(*se) + ")");
        } else if (hc.port == 0 && se->ports.size() > 1) {
          d_.error(hc.host_pos, "ServiceEntry " + quote(se->meta.qualifiedName()) +
                                    " has several ports (" + joinPorts(*se) +
                                    "); port is required");
        }
      }
      if (!hc.subset.empty()) {
        const DestinationRule* dr = c_.findDestinationRule(hc.host, ns);
        if (dr == nullptr || dr->findSubset(hc.subset) == nullptr) {
          d_.error(hc.host_pos, "subset " + quote(hc.subset) +
                                    " is not defined in any DestinationRule for host " +
                                    quote(hc.host));
        }
      }
    }
    for (const Workload& w : c_.workloads) {
      if (w.sandbox_profile.empty() || isBuiltinSandboxProfile(w.sandbox_profile)) continue;
      if (c_.findExternal("SandboxProfile", w.sandbox_profile, w.meta.namespace_) == nullptr) {
        d_.error(w.sandbox_profile_pos,
                 "sandboxProfile " + quote(w.sandbox_profile) +
                     " is neither a SandboxProfile in namespace " + w.meta.namespace_ +
                     " nor a built-in profile (strict, http-service, shell)");
      }
    }
  }

  void listenerHosts() {
    for (const Listener& l : c_.listeners) {
      for (const std::string& h : l.hosts) {
        bool routed = false;
        for (const VirtualService& vs : c_.virtual_services) {
          if (!vs.appliesToMesh()) continue;
          for (const std::string& vh : vs.hosts) {
            const std::string q = qualifyHost(vh, vs.meta.namespace_);
            if (h == "*" || hostMatches(h, q) || hostMatches(q, h) || h == vh) routed = true;
          }
        }
        if (!routed) {
          d_.warning(l.meta.name_pos,
                     "Listener " + quote(l.meta.qualifiedName()) + " serves host " + quote(h) +
                         " but no VirtualService routes it (requests will get 404)");
        }
      }
    }
  }

  struct Bound {
    IpAddress ip;
    uint16_t port;
    std::string what;
    SourcePos pos;
    bool gateway;
  };

  static bool unspecified(const IpAddress& ip) {
    return std::all_of(ip.bytes.begin(), ip.bytes.end(), [](uint8_t b) { return b == 0; });
  }

  void portConflicts() {
    std::vector<Bound> bound;
    for (const Listener& l : c_.listeners)
      bound.push_back({l.ip, l.port, "Listener " + l.meta.qualifiedName(), l.meta.name_pos, false});
    if (c_.admin)
      bound.push_back({c_.admin->ip, c_.admin->port, "Admin " + c_.admin->meta.qualifiedName(),
                       c_.admin->meta.name_pos, false});
    for (const DemoUpstream& u : c_.demo_upstreams)
      bound.push_back(
          {u.ip, u.port, "DemoUpstream " + u.meta.qualifiedName(), u.meta.name_pos, false});
    for (const Workload& w : c_.workloads)
      bound.push_back({w.ip, w.port, "Workload " + w.meta.qualifiedName(), w.meta.name_pos, false});
    for (const Gateway& g : c_.gateways) {
      for (const GatewayServer& s : g.servers) {
        auto ip = IpAddress::parse(s.bind.empty() ? "0.0.0.0" : s.bind);
        if (ip) bound.push_back({*ip, s.port, "Gateway " + g.meta.qualifiedName(), s.pos, true});
      }
    }
    for (size_t i = 0; i < bound.size(); ++i) {
      if (bound[i].port == 0) continue;
      for (size_t j = 0; j < i; ++j) {
        const Bound& a = bound[j];
        const Bound& b = bound[i];
        if (a.port != b.port) continue;
        if (a.gateway && b.gateway) continue;  // Gateway servers on one port share a listener
        const bool overlap = a.ip == b.ip || (a.ip.family == b.ip.family &&
                                              (unspecified(a.ip) || unspecified(b.ip)));
        if (!overlap) continue;
        d_.error(b.pos, b.what + " listens on " + b.ip.toString() + ":" + std::to_string(b.port) +
                            ", which " + a.what + " already uses (" + a.pos.toString() + ")");
        break;
      }
    }
  }

  const ConfigSet& c_;
  Diagnostics& d_;
};

}  // namespace

void validateReferences(const ConfigSet& config, Diagnostics& diags) {
  Checker(config, diags).run();
}

}  // namespace meshgate::config
