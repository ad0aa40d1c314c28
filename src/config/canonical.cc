// SPDX-License-Identifier: Apache-2.0
#include "config/canonical.h"

#include <algorithm>

#include "base/assert.h"
#include "base/json_writer.h"
#include "base/strings.h"

namespace meshgate::config {

// ------------------------------------------------------------------- CValue

CValue CValue::str(std::string s) {
  CValue v;
  v.type_ = Type::String;
  v.s_ = std::move(s);
  return v;
}
CValue CValue::integer(int64_t i) {
  CValue v;
  v.type_ = Type::Int;
  v.i_ = i;
  return v;
}
CValue CValue::dbl(double d) {
  CValue v;
  v.type_ = Type::Double;
  v.d_ = d;
  return v;
}
CValue CValue::boolean(bool b) {
  CValue v;
  v.type_ = Type::Bool;
  v.b_ = b;
  return v;
}
CValue CValue::array() {
  CValue v;
  v.type_ = Type::Array;
  return v;
}
CValue CValue::object() {
  CValue v;
  v.type_ = Type::Object;
  return v;
}

bool CValue::empty() const {
  switch (type_) {
    case Type::Null:
      return true;
    case Type::String:
      return s_.empty();
    case Type::Array:
      return items_.empty();
    case Type::Object:
      return members_.empty();
    default:
      return false;
  }
}

CValue& CValue::add(std::string key, CValue v) {
  MG_ASSERT(type_ == Type::Object, "CValue::add on a non-object");
  if (!v.empty()) members_.emplace_back(std::move(key), std::move(v));
  return *this;
}

CValue& CValue::put(std::string key, CValue v) {
  MG_ASSERT(type_ == Type::Object, "CValue::put on a non-object");
  members_.emplace_back(std::move(key), std::move(v));
  return *this;
}

CValue& CValue::push(CValue v) {
  MG_ASSERT(type_ == Type::Array, "CValue::push on a non-array");
  items_.push_back(std::move(v));
  return *this;
}

namespace {

void writeValue(const CValue& v, base::JsonWriter& w);

}  // namespace

void CValue::write(std::string& out) const {
  base::JsonWriter w(out);
  writeValue(*this, w);
}

std::string CValue::toJson() const {
  std::string out;
  write(out);
  return out;
}

namespace {

void writeValue(const CValue& v, base::JsonWriter& w) {
  switch (v.type()) {
    case CValue::Type::Null:
      w.null();
      return;
    case CValue::Type::Bool:
      w.boolean(v.asBool());
      return;
    case CValue::Type::Int:
      w.number(v.asInt());
      return;
    case CValue::Type::Double:
      w.number(v.asDouble());
      return;
    case CValue::Type::String:
      w.string(v.asString());
      return;
    case CValue::Type::Array:
      w.beginArray();
      for (const CValue& i : v.items())
        writeValue(i, w);
      w.endArray();
      return;
    case CValue::Type::Object:
      w.beginObject();
      for (const auto& [k, m] : v.members()) {
        w.key(k);
        writeValue(m, w);
      }
      w.endObject();
      return;
  }
}

// ------------------------------------------------------------ model -> CValue

using V = CValue;

V s(const std::string& v) {
  return V::str(v);
}
V n(int64_t v) {
  return V::integer(v);
}
V b(bool v) {
  return V::boolean(v);
}
V dur(Duration d) {
  return V::str(base::formatDuration(d));
}
V optDur(const std::optional<Duration>& d) {
  return d ? dur(*d) : V();
}

// Lists whose order has no meaning are sorted, so that reordering them is no change.
V strSet(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  V a = V::array();
  for (std::string& x : v)
    a.push(s(x));
  return a;
}
V strList(const std::vector<std::string>& v) {
  V a = V::array();
  for (const std::string& x : v)
    a.push(s(x));
  return a;
}
V labels(const Labels& l) {
  V o = V::object();
  for (const auto& [k, v] : l)
    o.add(k, s(v));
  return o;
}
V cidrSet(const std::vector<Cidr>& c) {
  std::vector<std::string> v;
  for (const Cidr& x : c)
    v.push_back(x.toString());
  return strSet(std::move(v));
}
V portSet(std::vector<uint16_t> p) {
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
  V a = V::array();
  for (uint16_t x : p)
    a.push(n(x));
  return a;
}

const char* matchKind(StringMatch::Kind k) {
  switch (k) {
    case StringMatch::Kind::Exact:
      return "exact";
    case StringMatch::Kind::Prefix:
      return "prefix";
    case StringMatch::Kind::Regex:
      return "regex";
  }
  return "exact";
}

V stringMatch(const StringMatch& m) {
  V o = V::object();
  if (m.kind == StringMatch::Kind::Prefix && m.value.empty()) {
    o.add("present", b(true));
    return o;
  }
  // put, not add: an empty exact value is a real match.
  return o.put(matchKind(m.kind), V::str(m.value));
}
V optMatch(const std::optional<StringMatch>& m) {
  return m ? stringMatch(*m) : V();
}
V matchMap(const std::map<std::string, StringMatch>& m) {
  V o = V::object();
  for (const auto& [k, v] : m)
    o.add(k, stringMatch(v));
  return o;
}

V selector(const std::optional<WorkloadSelector>& sel) {
  if (!sel) return V();
  V o = V::object();
  o.add("labels", labels(sel->labels));
  if (sel->labels.empty()) o.add("all", b(true));
  return o;
}

V targetRefs(const std::vector<PolicyTargetRef>& refs) {
  V a = V::array();
  for (const PolicyTargetRef& r : refs) {
    a.push(V::object()
               .add("group", r.group)
               .add("kind", r.kind)
               .add("name", r.name)
               .add("namespace", r.namespace_));
  }
  return a;
}

V destination(const Destination& d) {
  V o = V::object();
  o.add("host", d.host).add("subset", d.subset);
  if (d.port) o.add("port", n(d.port->number));
  return o;
}

V headerOps(const HeaderOperations& h) {
  V o = V::object();
  V set = V::object();
  for (const auto& [k, v] : h.set)
    set.add(k, s(v));
  V add = V::object();
  for (const auto& [k, v] : h.add)
    add.add(k, s(v));
  o.add("set", std::move(set)).add("add", std::move(add)).add("remove", strSet(h.remove));
  return o;
}
V headers(const Headers& h) {
  return V::object().add("request", headerOps(h.request)).add("response", headerOps(h.response));
}

const char* simpleName(LoadBalancerSettings::Simple sp) {
  switch (sp) {
    case LoadBalancerSettings::Simple::Unspecified:
      return "UNSPECIFIED";
    case LoadBalancerSettings::Simple::RoundRobin:
      return "ROUND_ROBIN";
    case LoadBalancerSettings::Simple::LeastRequest:
      return "LEAST_REQUEST";
    case LoadBalancerSettings::Simple::Random:
      return "RANDOM";
    case LoadBalancerSettings::Simple::Passthrough:
      return "PASSTHROUGH";
  }
  return "UNSPECIFIED";
}

V loadBalancer(const std::optional<LoadBalancerSettings>& lb) {
  if (!lb) return V();
  V o = V::object();
  if (lb->consistent_hash) {
    const auto& h = *lb->consistent_hash;
    V c = V::object();
    switch (h.key) {
      case LoadBalancerSettings::ConsistentHash::Key::HttpHeaderName:
        c.add("httpHeaderName", h.http_header_name);
        break;
      case LoadBalancerSettings::ConsistentHash::Key::HttpCookie:
        c.add("httpCookie", V::object()
                                .add("name", h.http_cookie.name)
                                .add("path", h.http_cookie.path)
                                .add("ttl", optDur(h.http_cookie.ttl)));
        break;
      case LoadBalancerSettings::ConsistentHash::Key::UseSourceIp:
        c.add("useSourceIp", b(true));
        break;
      case LoadBalancerSettings::ConsistentHash::Key::HttpQueryParameterName:
        c.add("httpQueryParameterName", h.http_query_parameter_name);
        break;
    }
    if (h.minimum_ring_size)
      c.add("ringHash",
            V::object().add("minimumRingSize", n(static_cast<int64_t>(h.minimum_ring_size))));
    if (h.maglev_table_size)
      c.add("maglev", V::object().add("tableSize", n(static_cast<int64_t>(h.maglev_table_size))));
    o.add("consistentHash", std::move(c));
  } else {
    o.add("simple", simpleName(lb->simple));
  }
  o.add("warmupDurationSecs", optDur(lb->warmup_duration));
  return o;
}

V connectionPool(const std::optional<ConnectionPoolSettings>& cp) {
  if (!cp) return V();
  V o = V::object();
  if (cp->tcp) {
    const auto& t = *cp->tcp;
    V tcp = V::object();
    tcp.add("maxConnections", n(t.max_connections)).add("connectTimeout", dur(t.connect_timeout));
    if (t.tcp_keepalive) {
      tcp.add("tcpKeepalive", V::object()
                                  .add("probes", n(t.tcp_keepalive->probes))
                                  .add("time", optDur(t.tcp_keepalive->time))
                                  .add("interval", optDur(t.tcp_keepalive->interval)));
    }
    tcp.add("maxConnectionDuration", optDur(t.max_connection_duration))
        .add("idleTimeout", optDur(t.idle_timeout));
    o.add("tcp", std::move(tcp));
  }
  if (cp->http) {
    const auto& h = *cp->http;
    o.add("http", V::object()
                      .add("http1MaxPendingRequests", n(h.http1_max_pending_requests))
                      .add("http2MaxRequests", n(h.http2_max_requests))
                      .add("maxRequestsPerConnection", n(h.max_requests_per_connection))
                      .add("maxRetries", n(h.max_retries))
                      .add("idleTimeout", optDur(h.idle_timeout))
                      .add("maxConcurrentStreams", n(h.max_concurrent_streams)));
  }
  if (o.empty()) o.add("set", b(true));
  return o;
}

V outlier(const std::optional<OutlierDetection>& od) {
  if (!od) return V();
  return V::object()
      .add("splitExternalLocalOriginErrors", b(od->split_external_local_origin_errors))
      .add("consecutiveLocalOriginFailures", n(od->consecutive_local_origin_failures))
      .add("consecutiveGatewayErrors", n(od->consecutive_gateway_errors))
      .add("consecutive5xxErrors", n(od->consecutive_5xx_errors))
      .add("interval", dur(od->interval))
      .add("baseEjectionTime", dur(od->base_ejection_time))
      .add("maxEjectionPercent", n(od->max_ejection_percent))
      .add("minHealthPercent", n(od->min_health_percent));
}

V tls(const std::optional<ClientTlsSettings>& t) {
  if (!t) return V();
  static constexpr const char* kModes[] = {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"};
  return V::object().add("mode", kModes[static_cast<int>(t->mode)]);
}

V trafficPolicy(const std::optional<TrafficPolicy>& tp) {
  if (!tp) return V();
  V o = V::object();
  o.add("loadBalancer", loadBalancer(tp->load_balancer))
      .add("connectionPool", connectionPool(tp->connection_pool))
      .add("outlierDetection", outlier(tp->outlier_detection))
      .add("tls", tls(tp->tls));
  std::vector<const PortTrafficPolicy*> ports;
  for (const PortTrafficPolicy& p : tp->port_level_settings)
    ports.push_back(&p);
  std::sort(ports.begin(), ports.end(), [](auto* a, auto* c) { return a->port < c->port; });
  V pl = V::array();
  for (const PortTrafficPolicy* p : ports) {
    pl.push(V::object()
                .add("port", n(p->port))
                .add("loadBalancer", loadBalancer(p->load_balancer))
                .add("connectionPool", connectionPool(p->connection_pool))
                .add("outlierDetection", outlier(p->outlier_detection))
                .add("tls", tls(p->tls)));
  }
  o.add("portLevelSettings", std::move(pl));
  return o;
}

V effectivePolicy(const EffectiveTrafficPolicy& p) {
  return V::object()
      .add("loadBalancer", loadBalancer(p.load_balancer))
      .add("connectionPool", connectionPool(p.connection_pool))
      .add("outlierDetection", outlier(p.outlier_detection))
      .add("tls", tls(p.tls));
}

const char* resolutionName(ServiceEntry::Resolution r) {
  switch (r) {
    case ServiceEntry::Resolution::None:
      return "NONE";
    case ServiceEntry::Resolution::Static:
      return "STATIC";
    case ServiceEntry::Resolution::Dns:
      return "DNS";
    case ServiceEntry::Resolution::DnsRoundRobin:
      return "DNS_ROUND_ROBIN";
  }
  return "NONE";
}

V serviceEntry(const ServiceEntry& se) {
  V o = V::object();
  o.add("hosts", strSet(se.hosts)).add("addresses", cidrSet(se.addresses));
  std::vector<const ServicePort*> ports;
  for (const ServicePort& p : se.ports)
    ports.push_back(&p);
  std::sort(ports.begin(), ports.end(), [](auto* a, auto* c) { return a->number < c->number; });
  V pa = V::array();
  for (const ServicePort* p : ports) {
    pa.push(V::object()
                .add("number", n(p->number))
                .add("protocol", p->protocol)
                .add("name", p->name)
                .add("targetPort", n(p->target_port ? p->target_port : p->number)));
  }
  o.add("ports", std::move(pa));
  o.add("location",
        se.location == ServiceEntry::Location::MeshExternal ? "MESH_EXTERNAL" : "MESH_INTERNAL");
  o.add("resolution", resolutionName(se.resolution));
  V eps = V::array();
  for (const WorkloadEntry& e : se.endpoints) {
    V ports_o = V::object();
    for (const auto& [k, v] : e.ports)
      ports_o.add(k, n(v));
    eps.push(V::object()
                 .add("address", e.address)
                 .add("ports", std::move(ports_o))
                 .add("labels", labels(e.labels))
                 .add("network", e.network)
                 .add("locality", e.locality)
                 .add("weight", n(e.weight))
                 .add("serviceAccount", e.service_account));
  }
  o.add("endpoints", std::move(eps));
  o.add("workloadSelector", selector(se.workload_selector));
  return o;
}

V destinationRule(const DestinationRule& dr) {
  V o = V::object();
  o.add("host", dr.host).add("trafficPolicy", trafficPolicy(dr.traffic_policy));
  std::vector<const Subset*> subsets;
  for (const Subset& sub : dr.subsets)
    subsets.push_back(&sub);
  std::sort(subsets.begin(), subsets.end(), [](auto* a, auto* c) { return a->name < c->name; });
  V sa = V::array();
  for (const Subset* sub : subsets) {
    sa.push(V::object()
                .add("name", sub->name)
                .add("labels", labels(sub->labels))
                .add("trafficPolicy", trafficPolicy(sub->traffic_policy)));
  }
  o.add("subsets", std::move(sa)).add("workloadSelector", selector(dr.workload_selector));
  return o;
}

V percent(const Percent& p) {
  return V::dbl(p.value);
}

V httpRoute(const HttpRoute& r) {
  V o = V::object();
  o.add("name", r.name);
  V matches = V::array();
  for (const HttpMatchRequest& m : r.match) {
    matches.push(V::object()
                     .add("name", m.name)
                     .add("uri", optMatch(m.uri))
                     .add("scheme", optMatch(m.scheme))
                     .add("method", optMatch(m.method))
                     .add("authority", optMatch(m.authority))
                     .add("headers", matchMap(m.headers))
                     .add("withoutHeaders", matchMap(m.without_headers))
                     .add("queryParams", matchMap(m.query_params))
                     .add("ignoreUriCase", m.ignore_uri_case ? b(true) : V())
                     .add("port", m.port ? n(m.port) : V())
                     .add("sourceLabels", labels(m.source_labels))
                     .add("sourceNamespace", m.source_namespace)
                     .add("gateways", strSet(m.gateways)));
  }
  o.add("match", std::move(matches));
  V route = V::array();
  for (const HttpRouteDestination& d : r.route) {
    route.push(V::object()
                   .add("destination", destination(d.destination))
                   .add("weight", n(d.weight))
                   .add("headers", headers(d.headers)));
  }
  o.add("route", std::move(route));
  if (r.redirect) {
    static constexpr const char* kDerive[] = {"", "FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"};
    o.add("redirect", V::object()
                          .add("uri", r.redirect->uri)
                          .add("authority", r.redirect->authority)
                          .add("port", r.redirect->port ? n(r.redirect->port) : V())
                          .add("derivePort", kDerive[static_cast<int>(r.redirect->derive_port)])
                          .add("scheme", r.redirect->scheme)
                          .add("redirectCode", n(r.redirect->redirect_code)));
  }
  if (r.direct_response) {
    V dr = V::object().add("status", n(r.direct_response->status));
    if (r.direct_response->body)
      dr.add("body",
             V::object().add("string", V::str(*r.direct_response->body)).add("set", b(true)));
    o.add("directResponse", std::move(dr));
  }
  if (r.rewrite) {
    V rw = V::object().add("uri", r.rewrite->uri).add("authority", r.rewrite->authority);
    if (r.rewrite->uri_regex_rewrite) {
      rw.add("uriRegexRewrite", V::object()
                                    .add("match", r.rewrite->uri_regex_rewrite->match.pattern())
                                    .add("rewrite", V::str(r.rewrite->uri_regex_rewrite->rewrite))
                                    .add("set", b(true)));
    }
    o.add("rewrite", rw.empty() ? V::object().add("set", b(true)) : std::move(rw));
  }
  o.add("timeout", optDur(r.timeout));
  if (r.retries) {
    std::vector<std::string> on = r.retries->retry_on;
    for (uint32_t c : r.retries->retriable_status_codes)
      on.push_back(std::to_string(c));
    V rt = V::object()
               .add("attempts", n(r.retries->attempts))
               .add("perTryTimeout", optDur(r.retries->per_try_timeout))
               .add("retryOn", strSet(on));
    if (r.retries->retry_remote_localities)
      rt.add("retryRemoteLocalities", b(*r.retries->retry_remote_localities));
    o.add("retries", std::move(rt));
  }
  if (r.fault) {
    V f = V::object();
    if (r.fault->delay)
      f.add("delay", V::object()
                         .add("fixedDelay", dur(r.fault->delay->fixed_delay))
                         .add("percentage", percent(r.fault->delay->percentage)));
    if (r.fault->abort)
      f.add("abort", V::object()
                         .add("httpStatus", n(r.fault->abort->http_status))
                         .add("percentage", percent(r.fault->abort->percentage)));
    o.add("fault", std::move(f));
  }
  V mirrors = V::array();
  for (const HttpMirrorPolicy& m : r.mirrors) {
    mirrors.push(V::object()
                     .add("destination", destination(m.destination))
                     .add("percentage", percent(m.percentage)));
  }
  o.add("mirrors", std::move(mirrors));
  if (r.cors_policy) {
    const CorsPolicy& c = *r.cors_policy;
    V origins = V::array();
    for (const StringMatch& m : c.allow_origins)
      origins.push(stringMatch(m));
    static constexpr const char* kPre[] = {"UNSPECIFIED", "FORWARD", "IGNORE"};
    V cp = V::object()
               .add("allowOrigins", std::move(origins))
               .add("allowMethods", strSet(c.allow_methods))
               .add("allowHeaders", strSet(c.allow_headers))
               .add("exposeHeaders", strSet(c.expose_headers))
               .add("maxAge", optDur(c.max_age))
               .add("unmatchedPreflights", kPre[static_cast<int>(c.unmatched_preflights)]);
    if (c.allow_credentials) cp.add("allowCredentials", b(*c.allow_credentials));
    o.add("corsPolicy", std::move(cp));
  }
  o.add("headers", headers(r.headers));
  return o;
}

V virtualService(const VirtualService& vs) {
  V o = V::object();
  o.add("hosts", strSet(vs.hosts))
      .add("gateways", vs.gateways.empty() ? strSet({"mesh"}) : strSet(vs.gateways));
  V http = V::array();
  for (const HttpRoute& r : vs.http)
    http.push(httpRoute(r));
  o.add("http", std::move(http));
  return o;
}

V gateway(const Gateway& g) {
  V o = V::object();
  o.add("selector", labels(g.selector));
  V servers = V::array();
  for (const GatewayServer& sv : g.servers) {
    servers.push(V::object()
                     .add("port", V::object()
                                      .add("number", n(sv.port))
                                      .add("name", sv.port_name)
                                      .add("protocol", sv.protocol))
                     .add("hosts", strSet(sv.hosts))
                     .add("bind", sv.bind.empty() ? std::string("0.0.0.0") : sv.bind)
                     .add("name", sv.name));
  }
  o.add("servers", std::move(servers));
  return o;
}

V policyTarget(const PolicyTarget& t) {
  return V::object()
      .add("selector", selector(t.selector))
      .add("targetRefs", targetRefs(t.target_refs));
}

V requestAuthentication(const RequestAuthentication& ra) {
  V o = policyTarget(ra.target);
  V rules = V::array();
  for (const JwtRule& r : ra.jwt_rules) {
    V fh = V::array();
    for (const JwtHeader& h : r.from_headers)
      fh.push(V::object().add("name", h.name).add("prefix", V::str(h.prefix)));
    V oc = V::array();
    for (const ClaimToHeader& c : r.output_claim_to_headers)
      oc.push(V::object().add("header", c.header).add("claim", c.claim));
    rules.push(V::object()
                   .add("issuer", r.issuer)
                   .add("audiences", strSet(r.audiences))
                   .add("jwksUri", r.jwks_uri)
                   .add("jwks", r.jwks)
                   .add("fromHeaders", std::move(fh))
                   .add("fromParams", strList(r.from_params))
                   .add("fromCookies", strList(r.from_cookies))
                   .add("outputPayloadToHeader", r.output_payload_to_header)
                   .add("forwardOriginalToken", b(r.forward_original_token))
                   .add("outputClaimToHeaders", std::move(oc))
                   .add("timeout", dur(r.timeout)));
  }
  o.add("jwtRules", std::move(rules));
  return o;
}

V authorizationPolicy(const AuthorizationPolicy& ap) {
  static constexpr const char* kActions[] = {"ALLOW", "DENY", "AUDIT", "CUSTOM"};
  V o = policyTarget(ap.target);
  o.add("action", kActions[static_cast<int>(ap.action)]);
  if (!ap.provider.empty()) o.add("provider", V::object().add("name", ap.provider));
  V rules = V::array();
  for (const Rule& r : ap.rules) {
    V from = V::array();
    for (const Source& src : r.from) {
      from.push(V::object().add("source",
                                V::object()
                                    .add("principals", strSet(src.principals))
                                    .add("notPrincipals", strSet(src.not_principals))
                                    .add("requestPrincipals", strSet(src.request_principals))
                                    .add("notRequestPrincipals", strSet(src.not_request_principals))
                                    .add("namespaces", strSet(src.namespaces))
                                    .add("notNamespaces", strSet(src.not_namespaces))
                                    .add("ipBlocks", cidrSet(src.ip_blocks))
                                    .add("notIpBlocks", cidrSet(src.not_ip_blocks))
                                    .add("remoteIpBlocks", cidrSet(src.remote_ip_blocks))
                                    .add("notRemoteIpBlocks", cidrSet(src.not_remote_ip_blocks))));
    }
    V to = V::array();
    for (const Operation& op : r.to) {
      to.push(V::object().add("operation", V::object()
                                               .add("hosts", strSet(op.hosts))
                                               .add("notHosts", strSet(op.not_hosts))
                                               .add("ports", portSet(op.ports))
                                               .add("notPorts", portSet(op.not_ports))
                                               .add("methods", strSet(op.methods))
                                               .add("notMethods", strSet(op.not_methods))
                                               .add("paths", strSet(op.paths))
                                               .add("notPaths", strSet(op.not_paths))));
    }
    V when = V::array();
    for (const Condition& c : r.when) {
      when.push(V::object()
                    .add("key", c.key)
                    .add("values", strSet(c.values))
                    .add("notValues", strSet(c.not_values)));
    }
    V rule = V::object()
                 .add("from", std::move(from))
                 .add("to", std::move(to))
                 .add("when", std::move(when));
    // An empty rule ({}) matches everything: keep it distinguishable from no rule.
    rules.push(rule.empty() ? V::object().add("matchAll", b(true)) : std::move(rule));
  }
  o.add("rules", std::move(rules));
  return o;
}

const char* mtlsMode(PeerAuthentication::Mode m) {
  static constexpr const char* kModes[] = {"UNSET", "DISABLE", "PERMISSIVE", "STRICT"};
  return kModes[static_cast<int>(m)];
}

V peerAuthentication(const PeerAuthentication& pa) {
  V o = V::object();
  o.add("selector", selector(pa.selector)).add("mtls", V::object().add("mode", mtlsMode(pa.mode)));
  V pl = V::object();
  for (const auto& [port, mode] : pa.port_level_mtls)
    pl.add(std::to_string(port), V::object().add("mode", mtlsMode(mode)));
  o.add("portLevelMtls", std::move(pl));
  return o;
}

const char* logTarget(AccessLog::Target t) {
  static constexpr const char* kTargets[] = {"off", "stdout", "stderr", "file"};
  return kTargets[static_cast<int>(t)];
}

V listener(const Listener& l) {
  const PathNormalization& pn = l.path_normalization;
  static constexpr const char* kPreset[] = {"NONE", "BASE", "MERGE_SLASHES",
                                            "DECODE_AND_MERGE_SLASHES"};
  static constexpr const char* kSlashes[] = {"KEEP_UNCHANGED", "REJECT_REQUEST",
                                             "UNESCAPE_AND_REDIRECT", "UNESCAPE_AND_FORWARD"};
  return V::object()
      .add("address", l.ip.toString())
      .add("port", n(l.port))
      .add("hosts", strSet(l.hosts))
      .add("workload", V::object()
                           .add("namespace", l.effectiveWorkloadNamespace())
                           .add("labels", labels(l.workload_labels)))
      .add("limits", V::object()
                         .add("maxRequestHeadersBytes", n(l.limits.max_request_headers_bytes))
                         .add("maxRequestHeaders", n(l.limits.max_request_headers_count))
                         .add("maxUriLength", n(l.limits.max_uri_length))
                         .add("maxRequestBodyBytes",
                              n(static_cast<int64_t>(l.limits.max_request_body_bytes))))
      .add("timeouts", V::object()
                           .add("idle", dur(l.timeouts.idle))
                           .add("requestHeaders", dur(l.timeouts.request_headers))
                           .add("streamIdle", dur(l.timeouts.stream_idle)))
      .add("pathNormalization",
           V::object()
               .add("normalization", kPreset[static_cast<int>(pn.preset)])
               .add("normalize", b(pn.normalize))
               .add("mergeSlashes", b(pn.merge_slashes))
               .add("escapedSlashes", kSlashes[static_cast<int>(pn.escaped_slashes)])
               .add("decodeUnreserved", b(pn.decode_unreserved))
               .add("stripMatrixParameters", b(pn.strip_matrix_parameters))
               .add("caseInsensitiveMatching", b(pn.case_insensitive_matching)))
      .add("accessLog", V::object()
                            .add("path", l.access_log.target == AccessLog::Target::File
                                             ? l.access_log.path
                                             : logTarget(l.access_log.target))
                            .add("format", "json"))
      .add("drainTimeout", dur(l.drain_timeout))
      .add("xff", V::object()
                      .add("useRemoteAddress", b(l.xff.use_remote_address))
                      .add("trustedHops", n(l.xff.trusted_hops))
                      .add("skipAppend", b(l.xff.skip_append)));
}

V admin(const Admin& a) {
  return V::object().add("address", a.ip.toString()).add("port", n(a.port));
}
V demoUpstream(const DemoUpstream& d) {
  return V::object().add("address", d.ip.toString()).add("port", n(d.port));
}

V rateLimitPolicy(const RateLimitPolicy& rl) {
  static constexpr const char* kKinds[] = {"header", "clientIp", "jwtClaim", "path", "genericKey"};
  static constexpr const char* kUnits[] = {"SECOND", "MINUTE", "HOUR"};
  V targets = V::array();
  for (const RateLimitTarget& t : rl.targets) {
    targets.push(V::object()
                     .add("virtualService", t.virtual_service)
                     .add("route", t.route)
                     .add("hosts", strSet(t.hosts))
                     .add("path", optMatch(t.path)));
  }
  V desc = V::array();
  for (const RateLimitDescriptor& d : rl.descriptors) {
    const bool flag =
        d.kind == RateLimitDescriptor::Kind::ClientIp || d.kind == RateLimitDescriptor::Kind::Path;
    desc.push(V::object().add(kKinds[static_cast<int>(d.kind)], flag ? b(true) : V::str(d.value)));
  }
  return V::object()
      .add("targets", std::move(targets))
      .add("descriptors", std::move(desc))
      .add("limit", V::object()
                        .add("requestsPerUnit", n(static_cast<int64_t>(rl.limit.requests_per_unit)))
                        .add("unit", kUnits[static_cast<int>(rl.limit.unit)])
                        .add("burst", n(static_cast<int64_t>(rl.limit.burst))))
      .add("responseHeaders", b(rl.response_headers))
      .add("shadowMode", b(rl.shadow_mode));
}

V healthCheck(const HealthCheck& hc) {
  V st = V::array();
  for (const StatusRange& r : hc.expected_statuses)
    st.push(V::str(std::to_string(r.start) + "-" + std::to_string(r.end)));
  return V::object()
      .add("host", hc.host)
      .add("subset", hc.subset)
      .add("port", hc.port ? n(hc.port) : V())
      .add("path", hc.path)
      .add("authority", hc.authority)
      .add("interval", dur(hc.interval))
      .add("timeout", dur(hc.timeout))
      .add("healthyThreshold", n(hc.healthy_threshold))
      .add("unhealthyThreshold", n(hc.unhealthy_threshold))
      .add("expectedStatuses", std::move(st));
}

V policyProvider(const PolicyProvider& p) {
  V o = V::object();
  o.add("bundlePath", p.resolved_bundle_path).add("decisionPath", p.decision_path);
  if (p.include_request_body) {
    o.add("includeRequestBody",
          V::object()
              .add("maxBytes", n(static_cast<int64_t>(p.include_request_body->max_bytes)))
              .add("allowPartial", b(p.include_request_body->allow_partial))
              .add("packAsBytes", b(p.include_request_body->pack_as_bytes)));
  }
  o.add("failOpen", b(p.fail_open))
      .add("decisionLog", V::object()
                              .add("path", p.decision_log.target == AccessLog::Target::File
                                               ? p.decision_log.path
                                               : logTarget(p.decision_log.target))
                              .add("includeInput", b(p.decision_log.include_input))
                              .add("redact", strSet(p.decision_log.redact)))
      .add("v0Compatible", b(p.v0_compatible))
      .add("limits", V::object()
                         .add("maxSteps", n(static_cast<int64_t>(p.limits.max_steps)))
                         .add("maxDepth", n(p.limits.max_depth))
                         .add("maxMemoryBytes", n(static_cast<int64_t>(p.limits.max_memory_bytes)))
                         .add("timeout", dur(p.limits.timeout)));
  return o;
}

V workload(const Workload& w) {
  static constexpr const char* kRestart[] = {"Always", "OnFailure", "Never"};
  V env = V::array();
  for (const EnvVar& e : w.env)
    env.push(V::object().add("name", e.name).add("value", V::str(e.value)));
  V o = V::object();
  o.add("command", w.command)
      .add("args", strList(w.args))
      .add("env", std::move(env))
      .add("workingDir", w.working_dir)
      .add("labels", labels(w.labels))
      .add("sandboxProfile", w.sandbox_profile)
      .add("address", w.ip.toString())
      .add("port", w.port ? n(w.port) : V())
      .add("restartPolicy", kRestart[static_cast<int>(w.restart_policy)])
      .add("backoff",
           V::object().add("initial", dur(w.backoff_initial)).add("max", dur(w.backoff_max)));
  if (w.readiness_probe) {
    const Probe& p = *w.readiness_probe;
    V probe = V::object();
    if (p.kind == Probe::Kind::HttpGet)
      probe.add("httpGet",
                V::object().add("path", p.path).add("port", n(p.port ? p.port : w.port)));
    else
      probe.add("tcpSocket", V::object().add("port", n(p.port ? p.port : w.port)));
    probe.add("period", dur(p.period))
        .add("timeout", dur(p.timeout))
        .add("failureThreshold", n(p.failure_threshold))
        .add("successThreshold", n(p.success_threshold))
        .add("initialDelay", dur(p.initial_delay));
    o.add("readinessProbe", std::move(probe));
  }
  o.add("terminationGracePeriod", dur(w.termination_grace_period));
  return o;
}

V external(const ExternalObject& e) {
  // The spec's canonical JSON is kept as a string leaf; the dump shows it as text.
  return V::object().add("apiVersion", e.api_version).add("spec", V::str(e.spec_canonical_json));
}

V meta(const ObjectMeta& m, bool with_metadata) {
  V o = V::object();
  o.add("name", m.name).add("namespace", m.namespace_);
  if (with_metadata) o.add("labels", labels(m.labels)).add("annotations", labels(m.annotations));
  return o;
}

template <typename T, typename F>
V kindArray(const std::vector<T>& objects, bool with_metadata, F spec) {
  V a = V::array();
  for (const T& o : objects)
    a.push(V::object().add("metadata", meta(o.meta, with_metadata)).add("spec", spec(o)));
  return a;
}

std::string epKey(const ClusterEndpoint& e) {
  return (e.ip && e.ip->family == IpAddress::Family::V6 ? "[" + e.address + "]" : e.address) + ":" +
         std::to_string(e.port);
}

}  // namespace

CValue canonicalCluster(const Cluster& c) {
  V o = V::object();
  o.add("name", c.name).add("host", c.host).add("port", n(c.port)).add("subset", c.subset);
  if (c.service_entry) o.add("serviceEntry", c.service_entry->meta.qualifiedName());
  if (c.workload) o.add("workload", c.workload->meta.qualifiedName());
  if (c.destination_rule) o.add("destinationRule", c.destination_rule->meta.qualifiedName());
  o.add("resolution", c.workload ? "STATIC" : resolutionName(c.resolution));
  o.add("trafficPolicy", effectivePolicy(c.policy));
  V eps = V::array();
  for (const ClusterEndpoint& e : c.endpoints) {
    eps.push(V::object()
                 .add("address", epKey(e))
                 .add("weight", n(e.weight))
                 .add("labels", labels(e.labels))
                 .add("locality", e.locality)
                 .add("network", e.network));
  }
  o.add("endpoints", std::move(eps));
  return o;
}

CValue canonicalConfig(const ConfigSet& c, bool with_metadata) {
  V o = V::object();
  if (c.admin)
    o.add("admin", V::object()
                       .add("metadata", meta(c.admin->meta, with_metadata))
                       .add("spec", admin(*c.admin)));
  o.add("listeners", kindArray(c.listeners, with_metadata, listener));
  o.add("demoUpstreams", kindArray(c.demo_upstreams, with_metadata, demoUpstream));
  o.add("gateways", kindArray(c.gateways, with_metadata, gateway));
  o.add("serviceEntries", kindArray(c.service_entries, with_metadata, serviceEntry));
  o.add("destinationRules", kindArray(c.destination_rules, with_metadata, destinationRule));
  o.add("virtualServices", kindArray(c.virtual_services, with_metadata, virtualService));
  o.add("requestAuthentications",
        kindArray(c.request_authentications, with_metadata, requestAuthentication));
  o.add("authorizationPolicies",
        kindArray(c.authorization_policies, with_metadata, authorizationPolicy));
  o.add("peerAuthentications",
        kindArray(c.peer_authentications, with_metadata, peerAuthentication));
  o.add("rateLimitPolicies", kindArray(c.rate_limit_policies, with_metadata, rateLimitPolicy));
  o.add("healthChecks", kindArray(c.health_checks, with_metadata, healthCheck));
  o.add("policyProviders", kindArray(c.policy_providers, with_metadata, policyProvider));
  o.add("workloads", kindArray(c.workloads, with_metadata, workload));
  V ext = V::array();
  for (const ExternalObject& e : c.external_objects) {
    ext.push(V::object()
                 .add("kind", e.kind)
                 .add("metadata", meta(e.meta, with_metadata))
                 .add("spec", external(e)));
  }
  o.add("externalObjects", std::move(ext));
  return o;
}

std::vector<CEntity> canonicalEntities(const ConfigSet& c) {
  std::vector<CEntity> out;
  if (c.admin) out.push_back({"admin", "admin", admin(*c.admin)});
  for (const Listener& l : c.listeners) {
    out.push_back({"listener", l.meta.qualifiedName(), listener(l)});
  }
  // Gateway servers: one listener per bind:port, as Istio merges them.
  std::map<std::string, V> gw_listeners;
  for (const Gateway& g : c.gateways) {
    for (const GatewayServer& sv : g.servers) {
      const std::string key = "gateway " + (sv.bind.empty() ? std::string("0.0.0.0") : sv.bind) +
                              ":" + std::to_string(sv.port);
      auto [it, inserted] = gw_listeners.emplace(key, V::object());
      V& entry = it->second;
      (void)inserted;
      entry.add(g.meta.qualifiedName() + (sv.name.empty() ? "" : "/" + sv.name) + "/" +
                    std::to_string(&sv - g.servers.data()),
                V::object().add("protocol", sv.protocol).add("hosts", strSet(sv.hosts)));
    }
  }
  for (auto& [k, v] : gw_listeners)
    out.push_back({"listener", k, std::move(v)});
  for (const DemoUpstream& d : c.demo_upstreams)
    out.push_back({"demo-upstream", d.meta.qualifiedName(), demoUpstream(d)});
  for (const VirtualService& vs : c.virtual_services) {
    for (size_t i = 0; i < vs.http.size(); ++i) {
      const HttpRoute& r = vs.http[i];
      V v = httpRoute(r);
      V entry = V::object();
      entry.add("hosts", strSet(vs.hosts))
          .add("gateways", vs.gateways.empty() ? strSet({"mesh"}) : strSet(vs.gateways))
          .add("order", n(static_cast<int64_t>(i)));
      for (const auto& [k, m] : v.members())
        entry.add(k, m);
      out.push_back({"route",
                     vs.meta.qualifiedName() + "/" +
                         (r.name.empty() ? "http[" + std::to_string(i) + "]" : r.name),
                     std::move(entry)});
    }
  }
  for (const Cluster& cl : buildClusters(c)) {
    V v = canonicalCluster(cl);
    V cluster = V::object();
    for (const auto& [k, m] : v.members()) {
      if (k != "endpoints") cluster.add(k, m);
    }
    out.push_back({"cluster", cl.name, std::move(cluster)});
    for (const ClusterEndpoint& e : cl.endpoints) {
      out.push_back({"endpoint", cl.name + " " + epKey(e),
                     V::object()
                         .add("weight", n(e.weight))
                         .add("labels", labels(e.labels))
                         .add("locality", e.locality)
                         .add("network", e.network)});
    }
  }
  for (const RequestAuthentication& o : c.request_authentications)
    out.push_back({"authentication", o.meta.qualifiedName(), requestAuthentication(o)});
  for (const AuthorizationPolicy& o : c.authorization_policies)
    out.push_back({"authorization", o.meta.qualifiedName(), authorizationPolicy(o)});
  for (const PeerAuthentication& o : c.peer_authentications)
    out.push_back({"peer-authentication", o.meta.qualifiedName(), peerAuthentication(o)});
  for (const RateLimitPolicy& o : c.rate_limit_policies)
    out.push_back({"rate-limit", o.meta.qualifiedName(), rateLimitPolicy(o)});
  for (const HealthCheck& o : c.health_checks)
    out.push_back({"health-check", o.meta.qualifiedName(), healthCheck(o)});
  for (const PolicyProvider& o : c.policy_providers)
    out.push_back({"policy-provider", o.meta.qualifiedName(), policyProvider(o)});
  for (const Workload& o : c.workloads)
    out.push_back({"workload", o.meta.qualifiedName(), workload(o)});
  for (const ExternalObject& o : c.external_objects) {
    std::string cat;
    for (char ch : o.kind) {
      if (ch >= 'A' && ch <= 'Z') {
        if (!cat.empty()) cat += '-';
        cat += static_cast<char>(ch + 32);
      } else {
        cat += ch;
      }
    }
    out.push_back({cat, o.meta.qualifiedName(), external(o)});
  }
  return out;
}

void flatten(const CValue& v, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (v.type() == CValue::Type::Object) {
    for (const auto& [k, m] : v.members())
      flatten(m, prefix.empty() ? k : prefix + "." + k, out);
    if (v.members().empty()) out[prefix] = "{}";
    return;
  }
  if (v.type() == CValue::Type::Array) {
    const bool scalars = std::all_of(v.items().begin(), v.items().end(), [](const CValue& i) {
      return i.type() != CValue::Type::Object && i.type() != CValue::Type::Array;
    });
    if (scalars) {
      out[prefix] = v.toJson();
      return;
    }
    for (size_t i = 0; i < v.items().size(); ++i)
      flatten(v.items()[i], prefix + "[" + std::to_string(i) + "]", out);
    return;
  }
  out[prefix] = v.toJson();
}

}  // namespace meshgate::config
