// SPDX-License-Identifier: Apache-2.0
// ServiceEntry, DestinationRule, VirtualService and Gateway: Istio's fields and
// validation rules (istio/api networking/v1, pkg/config/validation).
#include <algorithm>
#include <set>

#include "base/strings.h"
#include "config/parsers.h"

namespace meshgate::config {
namespace {

std::string idx(std::string_view name, size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

constexpr std::string_view kHttpOnly = " (meshgate speaks HTTP/1.1; use protocol HTTP)";

// Istio protocol names, upper-cased. Only HTTP is implemented.
bool checkProtocol(DocContext& ctx, const SourcePos& pos, std::string& protocol) {
  static constexpr std::string_view kKnown[] = {"HTTP",  "HTTPS",  "GRPC",      "GRPC-WEB", "HTTP2",
                                                "MONGO", "TCP",    "TLS",       "UDP",      "MYSQL",
                                                "REDIS", "THRIFT", "HTTP_PROXY"};
  protocol = std::string(base::toLower(protocol));
  for (char& c : protocol)
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (protocol == "HTTP") return true;
  if (std::find(std::begin(kKnown), std::end(kKnown), protocol) == std::end(kKnown)) {
    ctx.error(pos, "protocol: unknown protocol \"" + protocol + "\"");
    return false;
  }
  ctx.error(pos,
            "protocol " + protocol + " is not supported by meshgate yet" + std::string(kHttpOnly));
  return false;
}

}  // namespace

// ------------------------------------------------------------------ ServiceEntry

void parseServiceEntry(MapReader& spec, ServiceEntry& out) {
  DocContext& ctx = spec.ctx();
  if (auto hosts = spec.stringList("hosts")) {
    for (size_t i = 0; i < hosts->size(); ++i) {
      std::string h = base::toLower((*hosts)[i]);
      if (h == "*") {
        ctx.error(spec.keyPos("hosts"), "hosts: \"*\" is not allowed in a ServiceEntry");
      } else if (!isValidHostName(h, true, false)) {
        ctx.error(spec.keyPos("hosts"), "hosts: invalid host \"" + h + "\"");
      } else if (std::find(out.hosts.begin(), out.hosts.end(), h) != out.hosts.end()) {
        ctx.error(spec.keyPos("hosts"), "hosts: duplicate host \"" + h + "\"");
      } else {
        out.hosts.push_back(h);
      }
    }
  }
  if (!spec.has("hosts")) ctx.error(spec.pos(), "ServiceEntry: hosts is required");
  if (auto addrs = spec.stringList("addresses")) {
    for (const std::string& a : *addrs) {
      auto c = Cidr::parse(a);
      if (!c)
        ctx.error(spec.keyPos("addresses"), "addresses: invalid IP address or CIDR \"" + a + "\"");
      else
        out.addresses.push_back(*c);
    }
  }
  spec.list("ports", [&](const YAML::Node& n, size_t i) {
    MapReader pm(ctx, n, "ServicePort");
    if (!pm.valid()) return;
    ServicePort p;
    p.pos = pm.pos();
    if (auto num = pm.port("number"))
      p.number = *num;
    else if (!pm.has("number"))
      ctx.error(p.pos, idx("ports", i) + ": number is required");
    if (auto proto = pm.string("protocol")) {
      p.protocol = *proto;
      checkProtocol(ctx, pm.keyPos("protocol"), p.protocol);
    }
    p.name = pm.string("name").value_or("");
    if (auto t = pm.port("targetPort")) p.target_port = *t;
    for (const ServicePort& other : out.ports) {
      if (p.number != 0 && other.number == p.number)
        ctx.error(p.pos, idx("ports", i) + ": duplicate port number " + std::to_string(p.number));
      if (!p.name.empty() && other.name == p.name)
        ctx.error(p.pos, idx("ports", i) + ": duplicate port name \"" + p.name + "\"");
    }
    out.ports.push_back(std::move(p));
  });
  if (!spec.has("ports")) ctx.error(spec.pos(), "ServiceEntry: ports is required");
  if (auto loc = spec.enumeration("location", {"MESH_EXTERNAL", "MESH_INTERNAL"})) {
    out.location =
        *loc == 0 ? ServiceEntry::Location::MeshExternal : ServiceEntry::Location::MeshInternal;
  }
  const SourcePos res_pos = spec.keyPos("resolution");
  if (auto res = spec.enumeration("resolution", {"NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"})) {
    out.resolution = static_cast<ServiceEntry::Resolution>(*res);
  }
  spec.list("endpoints", [&](const YAML::Node& n, size_t i) {
    MapReader em(ctx, n, "WorkloadEntry");
    if (!em.valid()) return;
    WorkloadEntry e;
    e.pos = em.pos();
    if (auto a = em.string("address")) {
      e.address = *a;
      e.ip = IpAddress::parse(*a);
      if (!e.ip) {
        if (out.resolution == ServiceEntry::Resolution::Static) {
          ctx.error(em.keyPos("address"), idx("endpoints", i) + ": address \"" + *a +
                                              "\" must be an IP address with resolution STATIC");
        } else if (a->rfind("unix://", 0) == 0) {
          ctx.error(em.keyPos("address"),
                    idx("endpoints", i) +
                        ": unix domain socket endpoints are not supported by meshgate yet");
        } else if (!isValidHostName(*a, false, false)) {
          ctx.error(em.keyPos("address"), idx("endpoints", i) + ": invalid address \"" + *a + "\"");
        }
      }
    } else if (!em.has("address")) {
      ctx.error(e.pos, idx("endpoints", i) + ": address is required");
    }
    if (auto ports = em.get("ports")) {
      if (!ports->IsMap()) {
        ctx.error(*ports,
                  "ports: expected a map of port name to number, got " + describeNode(*ports));
      } else {
        for (auto it = ports->begin(); it != ports->end(); ++it) {
          auto name = readString(ctx, it->first, "ports key");
          auto num = readInteger(ctx, it->second, "ports value", 1, 65535);
          if (!name || !num) continue;
          const bool known = std::any_of(out.ports.begin(), out.ports.end(),
                                         [&](const ServicePort& p) { return p.name == *name; });
          if (!known) {
            ctx.error(it->first, idx("endpoints", i) + ": port name \"" + *name +
                                     "\" is not a port name of this ServiceEntry");
          }
          e.ports[*name] = static_cast<uint16_t>(*num);
        }
      }
    }
    if (auto l = em.stringMap("labels")) e.labels = std::move(*l);
    e.network = em.string("network").value_or("");
    e.locality = em.string("locality").value_or("");
    if (auto w = em.integer("weight", 0, 4294967295))
      e.weight = *w == 0 ? 1 : static_cast<uint32_t>(*w);
    e.service_account = em.string("serviceAccount").value_or("");
    out.endpoints.push_back(std::move(e));
  });
  out.workload_selector = readSelector(spec, "workloadSelector", "labels");
  if (auto e = spec.stringList("exportTo")) out.export_to = std::move(*e);
  if (auto s = spec.stringList("subjectAltNames")) out.subject_alt_names = std::move(*s);

  if (out.workload_selector && !out.endpoints.empty()) {
    ctx.error(spec.keyPos("workloadSelector"),
              "ServiceEntry: only one of workloadSelector or endpoints may be set");
  }
  switch (out.resolution) {
    case ServiceEntry::Resolution::None:
      ctx.error(
          spec.has("resolution") ? res_pos : spec.pos(),
          std::string("resolution NONE") + (spec.has("resolution") ? "" : " (the default)") +
              " is not supported by meshgate yet: meshgate does not forward to the "
              "original destination; use STATIC (with endpoints or a workloadSelector) or DNS");
      break;
    case ServiceEntry::Resolution::Static:
      if (out.endpoints.empty() && !out.workload_selector && spec.valid()) {
        ctx.error(res_pos, "resolution STATIC requires endpoints or a workloadSelector");
      }
      break;
    case ServiceEntry::Resolution::Dns:
    case ServiceEntry::Resolution::DnsRoundRobin:
      if (out.workload_selector) {
        ctx.error(spec.keyPos("workloadSelector"), "workloadSelector requires resolution STATIC");
      }
      if (out.endpoints.empty()) {
        for (const std::string& h : out.hosts) {
          if (h[0] == '*') {
            ctx.error(spec.keyPos("hosts"),
                      "wildcard host \"" + h + "\" needs endpoints with resolution DNS");
          }
        }
      }
      break;
  }
}

// --------------------------------------------------------------- DestinationRule

namespace {

std::optional<LoadBalancerSettings> readLoadBalancer(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "LoadBalancerSettings");
  if (!m.valid()) return std::nullopt;
  LoadBalancerSettings lb;
  lb.pos = m.pos();
  auto which = m.oneOf({"simple", "consistentHash"}, false);
  const SourcePos simple_pos = m.keyPos("simple");
  if (auto s = m.enumeration("simple", {"UNSPECIFIED", "ROUND_ROBIN", "LEAST_REQUEST", "RANDOM",
                                        "PASSTHROUGH", "LEAST_CONN"})) {
    static constexpr LoadBalancerSettings::Simple kMap[] = {
        LoadBalancerSettings::Simple::Unspecified,  LoadBalancerSettings::Simple::RoundRobin,
        LoadBalancerSettings::Simple::LeastRequest, LoadBalancerSettings::Simple::Random,
        LoadBalancerSettings::Simple::Passthrough,  LoadBalancerSettings::Simple::LeastRequest};
    lb.simple = kMap[*s];
    if (*s == 5) ctx.warning(simple_pos, "simple: LEAST_CONN is deprecated; use LEAST_REQUEST");
  }
  if (auto ch = m.get("consistentHash")) {
    MapReader c(ctx, *ch, "ConsistentHashLB");
    if (c.valid()) {
      LoadBalancerSettings::ConsistentHash hash;
      auto key =
          c.oneOf({"httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"}, true);
      if (key) hash.key = static_cast<LoadBalancerSettings::ConsistentHash::Key>(*key);
      if (auto h = c.string("httpHeaderName")) {
        hash.http_header_name = base::toLower(*h);
        if (!isHttpToken(*h))
          ctx.error(c.keyPos("httpHeaderName"),
                    "httpHeaderName: invalid header name \"" + *h + "\"");
      }
      if (auto cookie = c.get("httpCookie")) {
        MapReader cm(ctx, *cookie, "HTTPCookie");
        if (cm.valid()) {
          hash.http_cookie.name = cm.string("name").value_or("");
          if (hash.http_cookie.name.empty()) ctx.error(cm.pos(), "httpCookie: name is required");
          hash.http_cookie.path = cm.string("path").value_or("");
          hash.http_cookie.ttl = cm.duration("ttl");
        }
      }
      if (auto src = c.boolean("useSourceIp"); src && !*src) {
        ctx.error(c.keyPos("useSourceIp"), "useSourceIp: must be true when set");
      }
      hash.http_query_parameter_name = c.string("httpQueryParameterName").value_or("");
      auto algo = c.oneOf({"ringHash", "maglev", "minimumRingSize"}, false);
      if (auto rh = c.get("ringHash")) {
        MapReader r(ctx, *rh, "RingHash");
        if (auto v = r.integer("minimumRingSize", 1, 8388608))
          hash.minimum_ring_size = static_cast<uint64_t>(*v);
      }
      if (auto mg = c.get("maglev")) {
        MapReader r(ctx, *mg, "MagLev");
        if (auto v = r.integer("tableSize", 1, 5000011))
          hash.maglev_table_size = static_cast<uint64_t>(*v);
      }
      if (auto v = c.integer("minimumRingSize", 1, 8388608)) {
        hash.minimum_ring_size = static_cast<uint64_t>(*v);
        ctx.warning(c.keyPos("minimumRingSize"),
                    "minimumRingSize is deprecated; use ringHash.minimumRingSize");
      }
      (void)algo;
      lb.consistent_hash = hash;
    }
  }
  m.unsupported("localityLbSetting", " (meshgate has no locality-aware load balancing)");
  lb.warmup_duration = m.duration("warmupDurationSecs");
  (void)which;
  return lb;
}

std::optional<ConnectionPoolSettings> readConnectionPool(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "ConnectionPoolSettings");
  if (!m.valid()) return std::nullopt;
  ConnectionPoolSettings cp;
  cp.pos = m.pos();
  if (auto tn = m.get("tcp")) {
    MapReader t(ctx, *tn, "TCPSettings");
    ConnectionPoolSettings::Tcp tcp;
    if (auto v = t.integer("maxConnections", 1, 2147483647))
      tcp.max_connections = static_cast<uint32_t>(*v);
    if (auto v = t.duration("connectTimeout", std::chrono::milliseconds(1)))
      tcp.connect_timeout = *v;
    if (auto ka = t.get("tcpKeepalive")) {
      MapReader k(ctx, *ka, "TcpKeepalive");
      ConnectionPoolSettings::TcpKeepalive keep;
      if (auto v = k.integer("probes", 0, 4294967295)) keep.probes = static_cast<uint32_t>(*v);
      keep.time = k.duration("time", std::chrono::seconds(1), false);
      keep.interval = k.duration("interval", std::chrono::seconds(1), false);
      tcp.tcp_keepalive = keep;
    }
    tcp.max_connection_duration = t.duration("maxConnectionDuration", std::chrono::milliseconds(1));
    tcp.idle_timeout = t.duration("idleTimeout");
    cp.tcp = tcp;
  }
  if (auto hn = m.get("http")) {
    MapReader h(ctx, *hn, "HTTPSettings");
    ConnectionPoolSettings::Http http;
    if (auto v = h.integer("http1MaxPendingRequests", 1, 2147483647))
      http.http1_max_pending_requests = static_cast<uint32_t>(*v);
    if (auto v = h.integer("http2MaxRequests", 1, 2147483647))
      http.http2_max_requests = static_cast<uint32_t>(*v);
    if (auto v = h.integer("maxRequestsPerConnection", 0, 2147483647))
      http.max_requests_per_connection = static_cast<uint32_t>(*v);
    if (auto v = h.integer("maxRetries", 0, 2147483647))
      http.max_retries = static_cast<uint32_t>(*v);
    http.idle_timeout = h.duration("idleTimeout", std::chrono::milliseconds(1));
    if (auto v = h.integer("maxConcurrentStreams", 0, 2147483647))
      http.max_concurrent_streams = static_cast<uint32_t>(*v);
    const SourcePos up = h.keyPos("h2UpgradePolicy");
    if (auto v = h.enumeration("h2UpgradePolicy", {"DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"});
        v && *v == 2) {
      ctx.error(
          up, "h2UpgradePolicy UPGRADE is not supported by meshgate yet (HTTP/1.1 upstreams only)");
    }
    if (auto v = h.boolean("useClientProtocol"); v && *v) {
      ctx.warning(h.keyPos("useClientProtocol"),
                  "useClientProtocol has no effect: meshgate speaks HTTP/1.1 on both sides");
    }
    cp.http = http;
  }
  return cp;
}

std::optional<OutlierDetection> readOutlier(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "OutlierDetection");
  if (!m.valid()) return std::nullopt;
  OutlierDetection od;
  od.pos = m.pos();
  if (auto v = m.boolean("splitExternalLocalOriginErrors"))
    od.split_external_local_origin_errors = *v;
  if (auto v = m.integer("consecutiveLocalOriginFailures", 0, 4294967295))
    od.consecutive_local_origin_failures = static_cast<uint32_t>(*v);
  if (auto v = m.integer("consecutiveGatewayErrors", 0, 4294967295))
    od.consecutive_gateway_errors = static_cast<uint32_t>(*v);
  if (auto v = m.integer("consecutive5xxErrors", 0, 4294967295))
    od.consecutive_5xx_errors = static_cast<uint32_t>(*v);
  m.unsupported("consecutiveErrors", " (deprecated by Istio; use consecutive5xxErrors)");
  if (auto v = m.duration("interval", std::chrono::milliseconds(1))) od.interval = *v;
  if (auto v = m.duration("baseEjectionTime", std::chrono::milliseconds(1)))
    od.base_ejection_time = *v;
  if (auto v = m.integer("maxEjectionPercent", 0, 100))
    od.max_ejection_percent = static_cast<uint32_t>(*v);
  if (auto v = m.integer("minHealthPercent", 0, 100))
    od.min_health_percent = static_cast<uint32_t>(*v);
  if (m.has("consecutiveLocalOriginFailures") && !od.split_external_local_origin_errors) {
    ctx.warning(m.keyPos("consecutiveLocalOriginFailures"),
                "consecutiveLocalOriginFailures has no effect unless "
                "splitExternalLocalOriginErrors is true");
  }
  return od;
}

std::optional<ClientTlsSettings> readClientTls(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "ClientTLSSettings");
  if (!m.valid()) return std::nullopt;
  ClientTlsSettings tls;
  tls.pos = m.pos();
  const SourcePos mode_pos = m.keyPos("mode");
  if (auto v = m.enumeration("mode", {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"})) {
    tls.mode = static_cast<ClientTlsSettings::Mode>(*v);
    if (tls.mode != ClientTlsSettings::Mode::Disable) {
      ctx.error(mode_pos,
                "tls.mode " +
                    std::string(*v == 1   ? "SIMPLE"
                                : *v == 2 ? "MUTUAL"
                                          : "ISTIO_MUTUAL") +
                    ": upstream TLS and mTLS are not supported by meshgate yet; use DISABLE");
    }
  }
  for (const char* k : {"clientCertificate", "privateKey", "caCertificates", "credentialName",
                        "subjectAltNames", "sni", "insecureSkipVerify", "caCrl"}) {
    if (m.has(k) && tls.mode == ClientTlsSettings::Mode::Disable) {
      ctx.warning(m.keyPos(k), std::string("tls.") + k + " has no effect with mode DISABLE");
    }
    m.ignore(k);
  }
  return tls;
}

void readPolicyCommon(MapReader& m, std::optional<LoadBalancerSettings>& lb,
                      std::optional<ConnectionPoolSettings>& cp,
                      std::optional<OutlierDetection>& od, std::optional<ClientTlsSettings>& tls) {
  DocContext& ctx = m.ctx();
  if (auto n = m.get("loadBalancer")) lb = readLoadBalancer(ctx, *n);
  if (auto n = m.get("connectionPool")) cp = readConnectionPool(ctx, *n);
  if (auto n = m.get("outlierDetection")) od = readOutlier(ctx, *n);
  if (auto n = m.get("tls")) tls = readClientTls(ctx, *n);
}

std::optional<TrafficPolicy> readTrafficPolicy(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "TrafficPolicy");
  if (!m.valid()) return std::nullopt;
  TrafficPolicy tp;
  tp.pos = m.pos();
  readPolicyCommon(m, tp.load_balancer, tp.connection_pool, tp.outlier_detection, tp.tls);
  m.list("portLevelSettings", [&](const YAML::Node& n, size_t i) {
    MapReader pm(ctx, n, "PortTrafficPolicy");
    if (!pm.valid()) return;
    PortTrafficPolicy p;
    p.pos = pm.pos();
    if (auto pn = pm.get("port")) {
      MapReader ps(ctx, *pn, "PortSelector");
      if (auto num = ps.port("number"))
        p.port = *num;
      else if (!ps.has("number"))
        ctx.error(ps.pos(), idx("portLevelSettings", i) + ": port.number is required");
    } else {
      ctx.error(p.pos, idx("portLevelSettings", i) + ": port is required");
    }
    readPolicyCommon(pm, p.load_balancer, p.connection_pool, p.outlier_detection, p.tls);
    for (const PortTrafficPolicy& other : tp.port_level_settings) {
      if (p.port != 0 && other.port == p.port) {
        ctx.error(p.pos, idx("portLevelSettings", i) + ": duplicate settings for port " +
                             std::to_string(p.port));
      }
    }
    tp.port_level_settings.push_back(std::move(p));
  });
  m.unsupported("tunnel");
  m.unsupported("proxyProtocol");
  m.unsupported("retryBudget", " (meshgate applies its own retry budget; see docs/config.md)");
  return tp;
}

}  // namespace

void parseDestinationRule(MapReader& spec, DestinationRule& out) {
  DocContext& ctx = spec.ctx();
  if (auto h = spec.string("host")) {
    out.host = base::toLower(*h);
    if (!isValidHostName(out.host, true, false)) {
      ctx.error(spec.keyPos("host"), "host: invalid host \"" + out.host + "\"");
    }
  } else if (!spec.has("host")) {
    ctx.error(spec.pos(), "DestinationRule: host is required");
  }
  if (auto n = spec.get("trafficPolicy")) out.traffic_policy = readTrafficPolicy(ctx, *n);
  spec.list("subsets", [&](const YAML::Node& n, size_t i) {
    MapReader sm(ctx, n, "Subset");
    if (!sm.valid()) return;
    Subset s;
    s.pos = sm.pos();
    s.name = sm.string("name").value_or("");
    if (s.name.empty() && !sm.has("name"))
      ctx.error(s.pos, idx("subsets", i) + ": name is required");
    if (auto l = sm.stringMap("labels")) s.labels = std::move(*l);
    if (auto tp = sm.get("trafficPolicy")) s.traffic_policy = readTrafficPolicy(ctx, *tp);
    if (!s.name.empty() && out.findSubset(s.name)) {
      ctx.error(s.pos, idx("subsets", i) + ": duplicate subset name \"" + s.name + "\"");
    }
    out.subsets.push_back(std::move(s));
  });
  if (auto e = spec.stringList("exportTo")) out.export_to = std::move(*e);
  out.workload_selector = readSelector(spec, "workloadSelector", "matchLabels");
}

// ---------------------------------------------------------------- VirtualService

namespace {

void readMatchMap(DocContext& ctx, MapReader& m, std::string_view key,
                  std::map<std::string, StringMatch>& out, bool lower_keys, bool allow_prefix) {
  auto n = m.get(key);
  if (!n) return;
  if (!n->IsMap()) {
    ctx.error(
        *n, std::string(key) + ": expected a map of names to StringMatch, got " + describeNode(*n));
    return;
  }
  for (auto it = n->begin(); it != n->end(); ++it) {
    auto name = readString(ctx, it->first, std::string(key) + " key");
    if (!name) continue;
    if (lower_keys) {
      if (*name != base::toLower(*name)) {
        ctx.error(it->first,
                  std::string(key) + ": header name \"" + *name + "\" must be lower case");
      }
      if (!isHttpToken(*name) &&
          !(name->size() > 1 && (*name)[0] == ':' && isHttpToken(name->substr(1)))) {
        ctx.error(it->first, std::string(key) + ": invalid header name \"" + *name + "\"");
      }
    }
    const std::string what = std::string(key) + "." + *name;
    YAML::Node value = it->second;
    std::optional<StringMatch> sm;
    if (value.IsNull()) {
      sm = StringMatch{StringMatch::Kind::Prefix, "", std::nullopt, ctx.pos(it->first)};
    } else {
      sm = readStringMatch(ctx, value, what, true);
    }
    if (!sm) continue;
    if (!allow_prefix && sm->kind == StringMatch::Kind::Prefix && !sm->value.empty()) {
      ctx.error(ctx.pos(value), what + ": queryParams match only exact and regex (as Istio)");
      continue;
    }
    out[*name] = std::move(*sm);
  }
}

std::optional<HttpMatchRequest> readMatch(DocContext& ctx, const YAML::Node& node, size_t i) {
  MapReader m(ctx, node, "HTTPMatchRequest");
  if (!m.valid()) return std::nullopt;
  HttpMatchRequest r;
  r.pos = m.pos();
  r.name = m.string("name").value_or("");
  auto sm = [&](const char* key, std::optional<StringMatch>& dst) {
    if (auto n = m.get(key)) dst = readStringMatch(ctx, *n, std::string(key), false);
  };
  sm("uri", r.uri);
  sm("scheme", r.scheme);
  sm("method", r.method);
  sm("authority", r.authority);
  if (r.uri && r.uri->kind != StringMatch::Kind::Regex && !r.uri->value.empty() &&
      r.uri->value[0] != '/') {
    ctx.warning(r.uri->pos,
                idx("match", i) + ".uri: \"" + r.uri->value +
                    "\" does not start with '/' and will only match unusual request targets");
  }
  readMatchMap(ctx, m, "headers", r.headers, true, true);
  readMatchMap(ctx, m, "withoutHeaders", r.without_headers, true, true);
  readMatchMap(ctx, m, "queryParams", r.query_params, false, false);
  if (auto v = m.boolean("ignoreUriCase")) r.ignore_uri_case = *v;
  if (auto v = m.port("port")) r.port = *v;
  if (auto l = m.stringMap("sourceLabels")) r.source_labels = std::move(*l);
  r.source_namespace = m.string("sourceNamespace").value_or("");
  if (auto g = m.stringList("gateways")) r.gateways = std::move(*g);
  m.ignore("statPrefix");
  return r;
}

constexpr std::string_view kRetryOn[] = {
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
    "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
    "http3-post-connect-failure",
    // gRPC status policies: accepted, no effect on HTTP/1.1 traffic.
    "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"};

std::optional<HttpRetry> readRetry(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "HTTPRetry");
  if (!m.valid()) return std::nullopt;
  HttpRetry r;
  r.pos = m.pos();
  if (auto v = m.integer("attempts", 0, 2147483647))
    r.attempts = static_cast<uint32_t>(*v);
  else if (!m.has("attempts"))
    ctx.error(r.pos, "retries: attempts is required");
  r.per_try_timeout = m.duration("perTryTimeout", std::chrono::milliseconds(1));
  if (auto s = m.string("retryOn")) {
    for (std::string_view part : base::split(*s, ',')) {
      part = base::trim(part);
      if (part.empty()) continue;
      if (auto code = base::parseUint64(part)) {
        if (*code < 100 || *code > 599) {
          ctx.error(m.keyPos("retryOn"),
                    "retryOn: status code " + std::string(part) + " is out of range [100, 599]");
        } else {
          r.retriable_status_codes.push_back(static_cast<uint32_t>(*code));
        }
        continue;
      }
      if (std::find(std::begin(kRetryOn), std::end(kRetryOn), part) == std::end(kRetryOn)) {
        ctx.error(m.keyPos("retryOn"),
                  "retryOn: unknown retry policy \"" + std::string(part) + "\"");
        continue;
      }
      r.retry_on.emplace_back(part);
    }
  }
  r.retry_remote_localities = m.boolean("retryRemoteLocalities");
  m.unsupported("backoff");
  if (r.attempts == 0 && r.per_try_timeout) {
    ctx.warning(m.keyPos("perTryTimeout"), "perTryTimeout has no effect with attempts: 0");
  }
  return r;
}

std::optional<HttpFaultInjection> readFault(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "HTTPFaultInjection");
  if (!m.valid()) return std::nullopt;
  HttpFaultInjection f;
  f.pos = m.pos();
  if (auto d = m.get("delay")) {
    MapReader dm(ctx, *d, "Delay");
    if (dm.valid()) {
      HttpFaultInjection::Delay delay;
      delay.pos = dm.pos();
      if (auto v = dm.duration("fixedDelay", std::chrono::milliseconds(1)))
        delay.fixed_delay = *v;
      else if (!dm.has("fixedDelay") && !dm.has("exponentialDelay"))
        ctx.error(delay.pos, "delay: fixedDelay is required");
      dm.unsupported("exponentialDelay");
      dm.unsupported("percent", " (deprecated by Istio; use percentage.value)");
      if (auto p = dm.get("percentage")) {
        if (auto pc = readPercent(ctx, *p, "percentage")) delay.percentage = *pc;
      }
      f.delay = delay;
    }
  }
  if (auto a = m.get("abort")) {
    MapReader am(ctx, *a, "Abort");
    if (am.valid()) {
      HttpFaultInjection::Abort abort;
      abort.pos = am.pos();
      if (auto v = am.integer("httpStatus", 200, 599))
        abort.http_status = static_cast<uint32_t>(*v);
      else if (!am.has("httpStatus") && !am.has("grpcStatus") && !am.has("http2Error"))
        ctx.error(abort.pos, "abort: httpStatus is required");
      am.unsupported("grpcStatus");
      am.unsupported("http2Error");
      if (auto p = am.get("percentage")) {
        if (auto pc = readPercent(ctx, *p, "percentage")) abort.percentage = *pc;
      }
      f.abort = abort;
    }
  }
  if (!f.delay && !f.abort && m.valid()) ctx.error(f.pos, "fault: delay or abort is required");
  return f;
}

std::optional<CorsPolicy> readCors(DocContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "CorsPolicy");
  if (!m.valid()) return std::nullopt;
  CorsPolicy c;
  c.pos = m.pos();
  m.list("allowOrigins", [&](const YAML::Node& n, size_t i) {
    if (auto sm = readStringMatch(ctx, n, idx("allowOrigins", i), false))
      c.allow_origins.push_back(std::move(*sm));
  });
  m.unsupported("allowOrigin", " (deprecated by Istio; use allowOrigins)");
  auto tokens = [&](const char* key, std::vector<std::string>& dst, bool allow_star) {
    if (auto l = m.stringList(key)) {
      for (const std::string& s : *l) {
        if (!(allow_star && s == "*") && !isHttpToken(s)) {
          ctx.error(m.keyPos(key), std::string(key) + ": invalid value \"" + s + "\"");
          continue;
        }
        dst.push_back(s);
      }
    }
  };
  tokens("allowMethods", c.allow_methods, true);
  tokens("allowHeaders", c.allow_headers, true);
  tokens("exposeHeaders", c.expose_headers, true);
  const SourcePos age_pos = m.keyPos("maxAge");
  c.max_age = m.duration("maxAge");
  if (c.max_age && c.max_age->count() % 1'000'000'000 != 0) {
    ctx.error(age_pos, "maxAge: must be a whole number of seconds");
  }
  c.allow_credentials = m.boolean("allowCredentials");
  if (auto v = m.enumeration("unmatchedPreflights", {"UNSPECIFIED", "FORWARD", "IGNORE"})) {
    c.unmatched_preflights = static_cast<CorsPolicy::UnmatchedPreflights>(*v);
  }
  return c;
}

void readHttpRoute(DocContext& ctx, const YAML::Node& node, size_t ri, HttpRoute& r) {
  MapReader m(ctx, node, "HTTPRoute");
  r.pos = m.pos();
  if (!m.valid()) return;
  const std::string where = idx("http", ri);
  r.name = m.string("name").value_or("");
  m.list("match", [&](const YAML::Node& n, size_t i) {
    if (auto mr = readMatch(ctx, n, i)) r.match.push_back(std::move(*mr));
  });
  m.list("route", [&](const YAML::Node& n, size_t i) {
    MapReader dm(ctx, n, "HTTPRouteDestination");
    if (!dm.valid()) return;
    HttpRouteDestination d;
    d.pos = dm.pos();
    if (auto dn = dm.get("destination"))
      d.destination = readDestination(ctx, *dn, idx("route", i));
    else
      ctx.error(d.pos, idx("route", i) + ": destination is required");
    if (auto w = dm.integer("weight", 0, 100)) d.weight = static_cast<uint32_t>(*w);
    if (auto h = dm.get("headers")) d.headers = readHeaders(ctx, *h);
    r.route.push_back(std::move(d));
  });
  if (auto n = m.get("redirect")) {
    MapReader rm(ctx, *n, "HTTPRedirect");
    if (rm.valid()) {
      HttpRedirect red;
      red.pos = rm.pos();
      red.uri = rm.string("uri").value_or("");
      red.authority = rm.string("authority").value_or("");
      rm.oneOf({"port", "derivePort"}, false);
      if (auto p = rm.port("port")) red.port = *p;
      if (auto d = rm.enumeration("derivePort", {"FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"})) {
        red.derive_port = *d == 0 ? HttpRedirect::DerivePort::FromProtocolDefault
                                  : HttpRedirect::DerivePort::FromRequestPort;
      }
      red.scheme = rm.string("scheme").value_or("");
      if (!red.scheme.empty() && red.scheme != "http" && red.scheme != "https") {
        ctx.error(rm.keyPos("scheme"), "redirect.scheme: must be http or https");
      }
      const SourcePos code_pos = rm.keyPos("redirectCode");
      if (auto c = rm.integer("redirectCode", 0, 999)) {
        if (*c != 301 && *c != 302 && *c != 303 && *c != 307 && *c != 308) {
          ctx.error(code_pos, "redirect.redirectCode: " + std::to_string(*c) +
                                  " is not a redirect code (use 301, 302, 303, 307 or 308)");
        } else {
          red.redirect_code = static_cast<uint32_t>(*c);
        }
      }
      if (red.uri.empty() && red.authority.empty() && red.port == 0 &&
          red.derive_port == HttpRedirect::DerivePort::Unset && red.scheme.empty()) {
        ctx.error(red.pos,
                  "redirect: one of uri, authority, port, derivePort or scheme is required");
      }
      r.redirect = red;
    }
  }
  if (auto n = m.get("directResponse")) {
    MapReader dm(ctx, *n, "HTTPDirectResponse");
    if (dm.valid()) {
      HttpDirectResponse dr;
      dr.pos = dm.pos();
      if (auto s = dm.integer("status", 200, 599))
        dr.status = static_cast<uint32_t>(*s);
      else if (!dm.has("status"))
        ctx.error(dr.pos, "directResponse: status is required");
      if (auto b = dm.get("body")) {
        MapReader bm(ctx, *b, "HTTPBody");
        auto which = bm.oneOf({"string", "bytes"}, true);
        auto s = bm.string("string");
        auto bytes = bm.string("bytes");
        if (which && *which == 0 && s) dr.body = *s;
        if (which && *which == 1 && bytes) {
          // base64 (standard alphabet), as protobuf's JSON form of bytes.
          std::string out;
          uint32_t acc = 0;
          int bits = 0;
          bool ok = true;
          for (char c : *bytes) {
            int v;
            if (c >= 'A' && c <= 'Z')
              v = c - 'A';
            else if (c >= 'a' && c <= 'z')
              v = c - 'a' + 26;
            else if (c >= '0' && c <= '9')
              v = c - '0' + 52;
            else if (c == '+' || c == '-')
              v = 62;
            else if (c == '/' || c == '_')
              v = 63;
            else if (c == '=' || c == '\n' || c == ' ')
              continue;
            else {
              ok = false;
              break;
            }
            acc = (acc << 6) | static_cast<uint32_t>(v);
            bits += 6;
            if (bits >= 8) {
              bits -= 8;
              out.push_back(static_cast<char>((acc >> bits) & 0xFF));
            }
          }
          if (!ok)
            ctx.error(bm.keyPos("bytes"), "body.bytes: invalid base64");
          else
            dr.body = std::move(out);
        }
        if (dr.body && dr.body->size() > 1024 * 1024) {
          ctx.error(bm.pos(), "directResponse.body: larger than 1 MiB");
        }
      }
      r.direct_response = dr;
    }
  }
  m.unsupported("delegate", " (VirtualService delegation)");
  if (auto n = m.get("rewrite")) {
    MapReader wm(ctx, *n, "HTTPRewrite");
    if (wm.valid()) {
      HttpRewrite w;
      w.pos = wm.pos();
      w.uri = wm.string("uri").value_or("");
      w.authority = wm.string("authority").value_or("");
      if (auto rr = wm.get("uriRegexRewrite")) {
        MapReader rx(ctx, *rr, "RegexRewrite");
        auto match = rx.string("match");
        auto rewrite = rx.string("rewrite");
        if (!match && !rx.has("match")) ctx.error(rx.pos(), "uriRegexRewrite: match is required");
        if (!rewrite && !rx.has("rewrite"))
          ctx.error(rx.pos(), "uriRegexRewrite: rewrite is required");
        if (match && rewrite) {
          std::string err;
          auto re = Regex::compile(*match, &err);
          if (!re)
            ctx.error(rx.keyPos("match"),
                      "uriRegexRewrite.match: invalid RE2 regex \"" + *match + "\": " + err);
          else
            w.uri_regex_rewrite = RegexRewrite{*re, *rewrite};
        }
      }
      if (!w.uri.empty() && wm.has("uriRegexRewrite")) {
        ctx.error(wm.keyPos("uriRegexRewrite"),
                  "rewrite: only one of uri, uriRegexRewrite may be set");
      }
      r.rewrite = w;
    }
  }
  const SourcePos timeout_pos = m.keyPos("timeout");
  r.timeout = m.duration("timeout");
  if (auto n = m.get("retries")) r.retries = readRetry(ctx, *n);
  if (auto n = m.get("fault")) r.fault = readFault(ctx, *n);
  std::optional<Destination> mirror;
  if (auto n = m.get("mirror")) mirror = readDestination(ctx, *n, "mirror");
  std::optional<Percent> mirror_pct;
  if (auto n = m.get("mirrorPercentage")) mirror_pct = readPercent(ctx, *n, "mirrorPercentage");
  m.unsupported("mirrorPercent", " (deprecated by Istio; use mirrorPercentage)");
  if (mirror) {
    HttpMirrorPolicy mp;
    mp.destination = *mirror;
    mp.pos = mirror->pos;
    if (mirror_pct) mp.percentage = *mirror_pct;
    r.mirrors.push_back(std::move(mp));
  } else if (mirror_pct) {
    ctx.error(m.keyPos("mirrorPercentage"), "mirrorPercentage requires mirror");
  }
  m.list("mirrors", [&](const YAML::Node& n, size_t i) {
    MapReader mm(ctx, n, "HTTPMirrorPolicy");
    if (!mm.valid()) return;
    HttpMirrorPolicy mp;
    mp.pos = mm.pos();
    if (auto dn = mm.get("destination"))
      mp.destination = readDestination(ctx, *dn, idx("mirrors", i));
    else
      ctx.error(mp.pos, idx("mirrors", i) + ": destination is required");
    if (auto p = mm.get("percentage")) {
      if (auto pc = readPercent(ctx, *p, "percentage")) mp.percentage = *pc;
    }
    r.mirrors.push_back(std::move(mp));
  });
  if (mirror && m.has("mirrors")) {
    ctx.error(m.keyPos("mirrors"), "HTTPRoute: only one of mirror, mirrors may be set");
  }
  if (auto n = m.get("corsPolicy")) r.cors_policy = readCors(ctx, *n);
  if (auto n = m.get("headers")) r.headers = readHeaders(ctx, *n);

  // Istio's rules between the actions.
  const int actions =
      (r.route.empty() ? 0 : 1) + (r.redirect ? 1 : 0) + (r.direct_response ? 1 : 0);
  if (actions == 0 && !m.has("delegate")) {
    ctx.error(r.pos, where + ": one of route, redirect or directResponse is required");
  } else if (actions > 1) {
    ctx.error(r.pos, where + ": only one of route, redirect or directResponse may be set");
  }
  if (r.rewrite && (r.redirect || r.direct_response)) {
    ctx.error(r.rewrite->pos,
              where + ": rewrite may not be combined with redirect or directResponse");
  }
  if (!r.mirrors.empty() && (r.redirect || r.direct_response)) {
    ctx.error(r.mirrors.front().pos, where + ": mirroring needs route destinations");
  }
  if (r.timeout && (r.redirect || r.direct_response)) {
    ctx.warning(timeout_pos, where + ": timeout has no effect without route destinations");
  }
  // Weights: a lone destination takes all traffic; several must sum to 100.
  if (r.route.size() == 1) {
    HttpRouteDestination& d = r.route.front();
    if (d.weight != 0 && d.weight != 100) {
      ctx.error(d.pos, where +
                           ".route[0]: a single destination receives all traffic; weight must be "
                           "omitted or 100 (got " +
                           std::to_string(d.weight) + ")");
    }
    d.weight = 100;
  } else if (r.route.size() > 1) {
    uint32_t sum = 0;
    for (const HttpRouteDestination& d : r.route)
      sum += d.weight;
    if (sum != 100) {
      ctx.error(r.route.front().pos, where + ": destination weights must sum to 100 (they sum to " +
                                         std::to_string(sum) + ")");
    }
  }
}

}  // namespace

void parseVirtualService(MapReader& spec, VirtualService& out) {
  DocContext& ctx = spec.ctx();
  if (auto hosts = spec.stringList("hosts")) {
    for (const std::string& raw : *hosts) {
      std::string h = base::toLower(raw);
      if (!isValidHostName(h, true, true)) {
        ctx.error(spec.keyPos("hosts"), "hosts: invalid host \"" + raw + "\"");
        continue;
      }
      if (std::find(out.hosts.begin(), out.hosts.end(), h) != out.hosts.end()) {
        ctx.error(spec.keyPos("hosts"), "hosts: duplicate host \"" + raw + "\"");
        continue;
      }
      out.hosts.push_back(h);
    }
  }
  if (!spec.has("hosts")) ctx.error(spec.pos(), "VirtualService: hosts is required");
  if (auto g = spec.stringList("gateways")) {
    for (const std::string& gw : *g) {
      if (gw.empty() || std::count(gw.begin(), gw.end(), '/') > 1) {
        ctx.error(spec.keyPos("gateways"), "gateways: invalid gateway name \"" + gw + "\"");
        continue;
      }
      out.gateways.push_back(gw);
    }
  }
  spec.list("http", [&](const YAML::Node& n, size_t i) {
    HttpRoute r;
    readHttpRoute(ctx, n, i, r);
    if (!r.name.empty()) {
      for (const HttpRoute& other : out.http) {
        if (other.name == r.name)
          ctx.error(r.pos, idx("http", i) + ": duplicate route name \"" + r.name + "\"");
      }
    }
    out.http.push_back(std::move(r));
  });
  spec.unsupported("tcp", " (meshgate routes HTTP only)");
  spec.unsupported("tls", " (meshgate routes HTTP only)");
  if (auto e = spec.stringList("exportTo")) out.export_to = std::move(*e);
  if (spec.valid() && out.http.empty() && !spec.has("tcp") && !spec.has("tls")) {
    ctx.error(spec.pos(), "VirtualService: http routes are required");
  }
}

// ----------------------------------------------------------------------- Gateway

void parseGateway(MapReader& spec, Gateway& out) {
  DocContext& ctx = spec.ctx();
  if (auto s = spec.stringMap("selector")) out.selector = std::move(*s);
  spec.list("servers", [&](const YAML::Node& n, size_t i) {
    MapReader sm(ctx, n, "Server");
    if (!sm.valid()) return;
    GatewayServer s;
    s.pos = sm.pos();
    if (auto pn = sm.get("port")) {
      MapReader pm(ctx, *pn, "Port");
      if (auto num = pm.port("number"))
        s.port = *num;
      else if (!pm.has("number"))
        ctx.error(pm.pos(), idx("servers", i) + ": port.number is required");
      if (auto proto = pm.string("protocol")) {
        s.protocol = *proto;
        checkProtocol(ctx, pm.keyPos("protocol"), s.protocol);
      } else if (!pm.has("protocol")) {
        ctx.error(pm.pos(), idx("servers", i) + ": port.protocol is required");
      }
      s.port_name = pm.string("name").value_or("");
      pm.unsupported("targetPort");
    } else {
      ctx.error(s.pos, idx("servers", i) + ": port is required");
    }
    if (auto hosts = sm.stringList("hosts")) {
      for (const std::string& h : *hosts) {
        std::string_view host = h;
        const size_t slash = host.find('/');
        if (slash != std::string_view::npos) {
          std::string_view ns = host.substr(0, slash);
          if (ns != "*" && ns != "." && !isValidHostName(ns, false, false)) {
            ctx.error(sm.keyPos("hosts"), "hosts: invalid namespace in \"" + h + "\"");
            continue;
          }
          host = host.substr(slash + 1);
        }
        if (!isValidHostName(host, true, true)) {
          ctx.error(sm.keyPos("hosts"), "hosts: invalid host \"" + h + "\"");
          continue;
        }
        s.hosts.push_back(base::toLower(h));
      }
    }
    if (s.hosts.empty() && !sm.has("hosts"))
      ctx.error(s.pos, idx("servers", i) + ": hosts is required");
    if (auto b = sm.string("bind")) {
      if (!IpAddress::parse(*b)) {
        ctx.error(sm.keyPos("bind"),
                  "bind: \"" + *b +
                      "\" is not an IP address (unix sockets are not supported by meshgate yet)");
      } else {
        s.bind = *b;
      }
    }
    s.name = sm.string("name").value_or("");
    sm.unsupported("tls", " (HTTPS/TLS servers come later)");
    sm.unsupported("defaultEndpoint");
    out.servers.push_back(std::move(s));
  });
  if (!spec.has("servers")) ctx.error(spec.pos(), "Gateway: servers is required");
}

}  // namespace meshgate::config
