// SPDX-License-Identifier: Apache-2.0
#include "proxy/snapshot.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "base/log.h"
#include "base/strings.h"
#include "config/clusters.h"
#include "config/dump.h"
#include "proxy/access_log.h"

namespace meshgate::proxy {

namespace {

const char* const kStatusClasses[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

http::PathNormalizationOptions pathOptionsFor(const config::PathNormalization& p) {
  // The loader folds the preset (Istio's meshConfig.pathNormalization) into the
  // flags and then applies the explicit flags, so the flags are the whole truth:
  // an explicit flag may turn a preset's step off as well as on.
  http::PathNormalizationOptions o;
  o.decode_unreserved = p.decode_unreserved;
  o.resolve_dot_segments = p.normalize;
  o.backslash_to_slash = p.normalize;
  o.merge_slashes = p.merge_slashes;
  using Esc = config::PathNormalization::EscapedSlashes;
  switch (p.escaped_slashes) {
    case Esc::KeepUnchanged:
      o.escaped_slashes = http::EscapedSlashAction::Keep;
      break;
    case Esc::RejectRequest:
      o.escaped_slashes = http::EscapedSlashAction::Reject;
      break;
    case Esc::UnescapeAndRedirect:
      o.escaped_slashes = http::EscapedSlashAction::DecodeAndRedirect;
      break;
    case Esc::UnescapeAndForward:
      o.escaped_slashes = http::EscapedSlashAction::Decode;
      break;
  }
  if (p.strip_matrix_parameters) o.path_params = http::PathParamAction::Strip;
  return o;
}

class Builder {
 public:
  Builder(const config::ConfigSet& cfg, BuildContext& ctx, Snapshot& snap)
      : cfg_(cfg), ctx_(ctx), snap_(snap) {}

  base::Status build() {
    all_clusters_ = config::buildClusters(cfg_);
    for (const config::Cluster& c : all_clusters_)
      config_clusters_[c.name] = &c;
    for (const config::Listener& l : cfg_.listeners) {
      MG_RETURN_IF_ERROR(addListener(l));
    }
    for (const config::Gateway& g : cfg_.gateways) {
      for (const config::GatewayServer& s : g.servers)
        MG_RETURN_IF_ERROR(addGatewayServer(g, s));
    }
    return base::okStatus();
  }

 private:
  base::Status addListener(const config::Listener& l) {
    auto spec = std::make_unique<ListenerSpec>();
    spec->name = l.meta.qualifiedName();
    auto addr = net::Address::parse((l.ip.family == config::IpAddress::Family::V6
                                         ? "[" + l.ip.toString() + "]"
                                         : l.ip.toString()) +
                                    ":" + std::to_string(l.port));
    if (!addr.ok()) return base::Error{"listener " + spec->name + ": " + addr.error().message};
    spec->address = *addr;
    spec->settings = l;
    initListener(*spec);
    for (const config::VirtualService& vs : cfg_.virtual_services) {
      if (!vs.appliesToMesh()) continue;
      std::vector<std::string> domains;
      for (const std::string& h : vs.hosts) {
        std::string q = config::qualifyHost(h, vs.meta.namespace_);
        bool served = false;
        for (const std::string& lh : l.hosts) {
          std::string lq = config::qualifyHost(lh, l.meta.namespace_);
          served = served || config::hostMatches(lq, q) || config::hostMatches(q, lq);
        }
        if (served) domains.push_back(q);
      }
      if (domains.empty()) continue;
      MG_RETURN_IF_ERROR(addVirtualHost(*spec, vs, std::move(domains)));
    }
    snap_.listeners.push_back(std::move(spec));
    return base::okStatus();
  }

  base::Status addGatewayServer(const config::Gateway& g, const config::GatewayServer& s) {
    auto spec = std::make_unique<ListenerSpec>();
    spec->name = "gateway/" + g.meta.namespace_ + "/" + g.meta.name + "/" + std::to_string(s.port);
    spec->gateway = g.meta.namespace_ + "/" + g.meta.name;
    std::string bind = s.bind.empty() ? "0.0.0.0" : s.bind;
    auto addr = net::Address::fromIp(bind, s.port);
    if (!addr.ok()) return base::Error{"gateway " + spec->name + ": " + addr.error().message};
    spec->address = *addr;
    spec->settings.meta = g.meta;
    spec->settings.address = bind;
    spec->settings.port = s.port;
    initListener(*spec);
    for (const config::VirtualService& vs : cfg_.virtual_services) {
      if (!vs.appliesToGateway(g.meta.namespace_, g.meta.name)) continue;
      std::vector<std::string> domains;
      for (const std::string& h : vs.hosts) {
        std::string q = config::qualifyHost(h, vs.meta.namespace_);
        for (const std::string& server_host : s.hosts) {
          // Server hosts may be "namespace/host"; the namespace part restricts
          // which VirtualServices bind ("*" or "." = any / own namespace).
          std::string_view host = server_host;
          std::string_view ns_part;
          if (auto slash = host.find('/'); slash != std::string_view::npos) {
            ns_part = host.substr(0, slash);
            host = host.substr(slash + 1);
          }
          if (!ns_part.empty() && ns_part != "*" &&
              !(ns_part == "." ? vs.meta.namespace_ == g.meta.namespace_
                               : ns_part == vs.meta.namespace_)) {
            continue;
          }
          std::string sh = config::qualifyHost(host, g.meta.namespace_);
          if (config::hostMatches(sh, q) || config::hostMatches(q, sh)) {
            domains.push_back(q);
            break;
          }
        }
      }
      if (domains.empty()) continue;
      MG_RETURN_IF_ERROR(addVirtualHost(*spec, vs, std::move(domains)));
    }
    snap_.listeners.push_back(std::move(spec));
    return base::okStatus();
  }

  void initListener(ListenerSpec& spec) {
    spec.path_options = pathOptionsFor(spec.settings.path_normalization);
    spec.routes = std::make_unique<RouteTable>();
    spec.routes->setNamespace(spec.settings.effectiveWorkloadNamespace());
    if (ctx_.access_log_for) spec.access_log = ctx_.access_log_for(spec.settings.access_log);
    metrics::Registry& r = *ctx_.registry;
    metrics::Labels l = {{"listener", spec.name}};
    spec.downstream_connections_total =
        r.counter("meshgate_listener_connections_total", "Downstream connections accepted.", l);
    spec.downstream_connections_active =
        r.gauge("meshgate_listener_connections_active", "Downstream connections open.", l);
    spec.downstream_requests_rejected = r.counter(
        "meshgate_listener_requests_rejected_total",
        "Requests rejected before routing (malformed, over limits, smuggling defences).", l);
    for (int c = 0; c < 5; ++c) {
      spec.unrouted_requests[c] =
          r.counter("meshgate_http_requests_total",
                    "HTTP requests by listener, route, cluster and status class.",
                    {{"listener", spec.name},
                     {"route", ""},
                     {"cluster", ""},
                     {"status_class", kStatusClasses[c]}});
    }
  }

  base::Status addVirtualHost(ListenerSpec& spec, const config::VirtualService& vs,
                              std::vector<std::string> domains) {
    auto vh = std::make_unique<VirtualHost>();
    vh->name = vs.meta.qualifiedName();
    vh->domains = std::move(domains);
    for (size_t i = 0; i < vs.http.size(); ++i) {
      const config::HttpRoute& hr = vs.http[i];
      RouteEntry entry;
      entry.name = vs.meta.namespace_ + "/" + vs.meta.name + "/" +
                   (hr.name.empty() ? std::to_string(i) : hr.name);
      entry.virtual_service = &vs;
      entry.route = &hr;
      for (const config::HttpRouteDestination& d : hr.route) {
        auto cluster = ensureCluster(d.destination, vs.meta.namespace_);
        if (!cluster.ok()) return std::move(cluster).error();
        WeightedDestination wd;
        wd.cluster = *cluster;
        wd.host = config::qualifyHost(d.destination.host, vs.meta.namespace_);
        wd.weight = hr.route.size() == 1 && d.weight == 0 ? 100 : d.weight;
        wd.headers = &d.headers;
        entry.total_weight += wd.weight;
        entry.destinations.push_back(std::move(wd));
      }
      for (const config::HttpMirrorPolicy& m : hr.mirrors) {
        auto cluster = ensureCluster(m.destination, vs.meta.namespace_);
        if (!cluster.ok()) return std::move(cluster).error();
        entry.mirrors.push_back(&m);
        entry.mirror_clusters.push_back(*cluster);
      }
      entry.retry = compileRetry(vs, hr);
      MG_RETURN_IF_ERROR(buildFilterChain(spec, vs, hr, entry));
      registerRouteMetrics(spec, entry);
      vh->routes.push_back(std::move(entry));
    }
    spec.routes->addVirtualHost(std::move(vh));
    return base::okStatus();
  }

  static RetryPolicy compileRetry(const config::VirtualService& vs,
                                  const config::HttpRoute& route) {
    RetryPolicy p;
    auto it = vs.meta.annotations.find("meshgate.io/retry-non-idempotent");
    p.retry_non_idempotent = it != vs.meta.annotations.end() && it->second == "true";
    std::vector<std::string> on;
    if (!route.retries) {
      // Istio's default policy for every HTTP route.
      p.num_retries = 2;
      on = {"connect-failure", "refused-stream", "unavailable", "cancelled",
            "retriable-status-codes"};
      p.retriable_status_codes = {503};
    } else {
      p.num_retries = route.retries->attempts;
      p.per_try_timeout = route.retries->per_try_timeout;
      on = route.retries->retry_on;
      for (uint32_t code : route.retries->retriable_status_codes)
        p.retriable_status_codes.push_back(static_cast<uint16_t>(code));
      if (on.empty()) {
        on = {"connect-failure", "refused-stream", "unavailable", "cancelled",
              "retriable-status-codes"};
        if (p.retriable_status_codes.empty()) p.retriable_status_codes = {503};
      }
      if (!p.retriable_status_codes.empty()) on.push_back("retriable-status-codes");
    }
    for (const std::string& o : on) {
      if (o == "5xx")
        p.on |= RetryPolicy::k5xx;
      else if (o == "gateway-error")
        p.on |= RetryPolicy::kGatewayError;
      else if (o == "reset")
        p.on |= RetryPolicy::kReset;
      else if (o == "connect-failure")
        p.on |= RetryPolicy::kConnectFailure;
      else if (o == "refused-stream")
        p.on |= RetryPolicy::kRefusedStream;
      else if (o == "retriable-4xx")
        p.on |= RetryPolicy::kRetriable4xx;
      else if (o == "retriable-status-codes")
        p.on |= RetryPolicy::kRetriableStatusCodes;
      else if (o == "retriable-headers")
        p.on |= RetryPolicy::kRetriableHeaders;
      // gRPC conditions (cancelled, unavailable, deadline-exceeded, ...) never occur
      // on HTTP/1.1 upstreams and are accepted without effect.
    }
    return p;
  }

  base::Status buildFilterChain(const ListenerSpec& spec, const config::VirtualService& vs,
                                const config::HttpRoute& route, RouteEntry& entry) {
    if (!ctx_.filter_services) return base::okStatus();
    filter_api::ChainSite site;
    site.config = &cfg_;
    site.listener = &spec.settings;
    site.listener_name = spec.name;
    site.gateway = spec.gateway;
    site.virtual_service = &vs;
    site.route = &route;
    site.route_name = entry.name;
    std::vector<std::pair<int, std::shared_ptr<const filter_api::FilterFactory>>> chain;
    for (const auto& type : filter_api::registeredFilters()) {
      auto factory = type->build(site, *ctx_.filter_services);
      if (!factory.ok()) {
        return base::Error{"route " + entry.name + ": " + std::string(type->name()) + ": " +
                           factory.error().message};
      }
      if (*factory) chain.emplace_back(type->order(), std::move(*factory));
    }
    std::stable_sort(chain.begin(), chain.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [order, f] : chain)
      entry.filters.push_back(std::move(f));
    return base::okStatus();
  }

  void registerRouteMetrics(const ListenerSpec& spec, RouteEntry& entry) {
    metrics::Registry& r = *ctx_.registry;
    auto row = [&](const std::string& cluster) {
      std::array<metrics::SeriesId, 5> ids;
      for (int c = 0; c < 5; ++c) {
        ids[c] = r.counter("meshgate_http_requests_total",
                           "HTTP requests by listener, route, cluster and status class.",
                           {{"listener", spec.name},
                            {"route", entry.name},
                            {"cluster", cluster},
                            {"status_class", kStatusClasses[c]}});
      }
      return ids;
    };
    for (const auto& d : entry.destinations)
      entry.metrics.requests.push_back(row(d.cluster->name()));
    entry.metrics.requests.push_back(row(""));
    entry.metrics.mirrors_sent =
        r.counter("meshgate_http_mirror_requests_total", "Mirrored (shadow) requests by result.",
                  {{"listener", spec.name}, {"route", entry.name}, {"result", "sent"}});
    entry.metrics.mirrors_dropped =
        r.counter("meshgate_http_mirror_requests_total", "Mirrored (shadow) requests by result.",
                  {{"listener", spec.name}, {"route", entry.name}, {"result", "dropped"}});
    entry.metrics.latency = r.histogram(
        "meshgate_http_request_duration_seconds",
        "Time from the first request byte to the last response byte.",
        {{"listener", spec.name}, {"route", entry.name}}, metrics::Registry::latencyBuckets());
  }

  base::Result<const upstream::Cluster*> ensureCluster(const config::Destination& d,
                                                       const std::string& ns) {
    auto name = config::clusterNameFor(cfg_, d, ns);
    if (!name) return base::Error{"destination host '" + d.host + "' resolves to no cluster"};
    if (const upstream::Cluster* existing = snap_.findCluster(*name)) return existing;
    auto it = config_clusters_.find(*name);
    if (it == config_clusters_.end()) return base::Error{"no cluster " + *name};
    const config::Cluster& cc = *it->second;

    upstream::ClusterSettings settings;
    settings.lb = upstream::LbPolicy::LeastRequest;  // Istio's default
    applyTrafficPolicy(cc.policy, settings);
    // Retries are capped by a budget (20% of requests in flight, at least 3), so
    // they cannot amplify an outage; an explicit maxRetries replaces the budget.
    if (settings.breaker.max_retries == limits::CircuitBreakerConfig::kUnlimited) {
      settings.breaker.retry_budget = limits::RetryBudgetConfig{};
    }
    if (cc.resolution == config::ServiceEntry::Resolution::None)
      settings.lb = upstream::LbPolicy::Passthrough;

    std::vector<upstream::Endpoint> endpoints;
    for (const config::ClusterEndpoint& ep : cc.endpoints) {
      std::vector<std::string> ips;
      if (ep.ip) {
        ips.push_back(ep.ip->toString());
      } else {
        auto resolved = ctx_.resolver(ep.address);
        if (!resolved.ok())
          return base::Error{"resolve " + ep.address + ": " + resolved.error().message};
        ips = *resolved;
      }
      // Workload endpoints share one health record with the supervisor's readiness.
      const std::string health_key =
          ep.workload ? "workload:" + ep.workload->meta.qualifiedName() : cc.name;
      for (const std::string& ip : ips) {
        auto a = net::Address::fromIp(ip, ep.port);
        if (!a.ok()) return std::move(a).error();
        endpoints.push_back(makeEndpoint(health_key, *a, ep.weight, ep.labels));
      }
    }
    snap_.clusters.push_back(std::make_unique<upstream::Cluster>(
        cc.name, std::move(endpoints), settings, ctx_.shared->breaker(cc.name, settings.breaker),
        clusterMetrics(cc.name)));
    return snap_.clusters.back().get();
  }

  upstream::Endpoint makeEndpoint(const std::string& health_key, const net::Address& a,
                                  uint32_t weight, const config::Labels& labels) {
    upstream::Endpoint e;
    e.address = a;
    e.address_text = a.toString();
    e.weight = weight == 0 ? 1 : weight;
    e.labels = labels;
    e.health = ctx_.shared->health(health_key, e.address_text);
    return e;
  }

  static void applyTrafficPolicy(const config::EffectiveTrafficPolicy& p,
                                 upstream::ClusterSettings& s) {
    using Simple = config::LoadBalancerSettings::Simple;
    if (p.load_balancer) {
      const auto& lb = *p.load_balancer;
      if (lb.consistent_hash) {
        const auto& ch = *lb.consistent_hash;
        s.lb = ch.maglev_table_size ? upstream::LbPolicy::Maglev : upstream::LbPolicy::RingHash;
        if (ch.minimum_ring_size) s.ring_size = ch.minimum_ring_size;
        if (ch.maglev_table_size) s.maglev_table_size = ch.maglev_table_size;
        upstream::HashPolicy h;
        using Key = config::LoadBalancerSettings::ConsistentHash::Key;
        switch (ch.key) {
          case Key::HttpHeaderName:
            h.kind = upstream::HashPolicy::Kind::Header;
            h.name = base::toLower(ch.http_header_name);
            break;
          case Key::HttpCookie:
            h.kind = upstream::HashPolicy::Kind::Cookie;
            h.name = ch.http_cookie.name;
            h.cookie_path = ch.http_cookie.path;
            h.cookie_ttl = ch.http_cookie.ttl;
            break;
          case Key::UseSourceIp:
            h.kind = upstream::HashPolicy::Kind::SourceIp;
            break;
          case Key::HttpQueryParameterName:
            h.kind = upstream::HashPolicy::Kind::QueryParameter;
            h.name = ch.http_query_parameter_name;
            break;
        }
        s.hash = h;
      } else {
        switch (lb.simple) {
          case Simple::RoundRobin:
            s.lb = upstream::LbPolicy::RoundRobin;
            break;
          case Simple::Random:
            s.lb = upstream::LbPolicy::Random;
            break;
          case Simple::Passthrough:
            s.lb = upstream::LbPolicy::Passthrough;
            break;
          case Simple::LeastRequest:
          case Simple::Unspecified:
            s.lb = upstream::LbPolicy::LeastRequest;
            break;
        }
      }
    }
    if (p.connection_pool) {
      const auto& cp = *p.connection_pool;
      if (cp.tcp) {
        s.breaker.max_connections = cp.tcp->max_connections;
        s.connect_timeout = cp.tcp->connect_timeout;
        s.max_connection_duration = cp.tcp->max_connection_duration;
      }
      if (cp.http) {
        s.breaker.max_pending_requests = cp.http->http1_max_pending_requests;
        s.breaker.max_requests = cp.http->http2_max_requests;
        s.breaker.max_retries = cp.http->max_retries;
        s.max_requests_per_connection = cp.http->max_requests_per_connection;
        if (cp.http->idle_timeout) s.idle_timeout = *cp.http->idle_timeout;
      }
    }
    if (p.outlier_detection) {
      const auto& od = *p.outlier_detection;
      upstream::OutlierSettings o;
      o.consecutive_5xx = od.consecutive_5xx_errors;
      o.consecutive_gateway_errors = od.consecutive_gateway_errors;
      o.consecutive_local_origin_failures = od.consecutive_local_origin_failures;
      o.split_external_local_origin_errors = od.split_external_local_origin_errors;
      o.interval = od.interval;
      o.base_ejection_time = od.base_ejection_time;
      o.max_ejection_percent = od.max_ejection_percent;
      o.min_health_percent = od.min_health_percent;
      s.outlier = o;
    }
  }

  upstream::ClusterMetrics clusterMetrics(const std::string& name) {
    metrics::Registry& r = *ctx_.registry;
    metrics::Labels l = {{"cluster", name}};
    upstream::ClusterMetrics m;
    m.connections_active =
        r.gauge("meshgate_upstream_connections_active", "Upstream connections open.", l);
    m.connections_created =
        r.counter("meshgate_upstream_connections_created_total", "Upstream connections opened.", l);
    m.connect_failures = r.counter("meshgate_upstream_connect_failures_total",
                                   "Upstream connects that failed or timed out.", l);
    m.requests_pending_overflow = r.counter(
        "meshgate_upstream_pending_overflow_total",
        "Requests rejected because the pending queue was full (http1MaxPendingRequests).", l);
    m.requests_overflow = r.counter("meshgate_upstream_requests_overflow_total",
                                    "Requests rejected by the max requests circuit breaker.", l);
    m.retries_overflow =
        r.counter("meshgate_upstream_retries_overflow_total",
                  "Retries not attempted because of the retry circuit breaker or budget.", l);
    m.connections_overflow = r.counter("meshgate_upstream_connections_overflow_total",
                                       "Times the max connections circuit breaker was hit.", l);
    m.requests_retried =
        r.counter("meshgate_upstream_requests_retried_total", "Upstream request retries.", l);
    m.outlier_ejections = r.counter("meshgate_upstream_outlier_ejections_total",
                                    "Endpoints ejected by outlier detection.", l);
    m.outlier_returns = r.counter("meshgate_upstream_outlier_returns_total",
                                  "Ejected endpoints returned to service.", l);
    m.retry_budget_exhausted = r.counter("meshgate_upstream_retry_budget_exhausted_total",
                                         "Retries refused by the retry budget or maxRetries.", l);
    m.ejected_endpoints =
        r.gauge("meshgate_upstream_endpoints_ejected", "Endpoints currently ejected.", l);
    return m;
  }

  const config::ConfigSet& cfg_;
  BuildContext& ctx_;
  Snapshot& snap_;
  std::vector<config::Cluster> all_clusters_;
  std::map<std::string, const config::Cluster*> config_clusters_;
};

}  // namespace

const upstream::Cluster* Snapshot::findCluster(std::string_view name) const {
  for (const auto& c : clusters) {
    if (c->name() == name) return c.get();
  }
  return nullptr;
}

bool sameBreakerConfig(const limits::CircuitBreakerConfig& a,
                       const limits::CircuitBreakerConfig& b) {
  const bool budgets_equal =
      a.retry_budget.has_value() == b.retry_budget.has_value() &&
      (!a.retry_budget ||
       (a.retry_budget->budget_percent == b.retry_budget->budget_percent &&
        a.retry_budget->min_retry_concurrency == b.retry_budget->min_retry_concurrency));
  return a.max_connections == b.max_connections &&
         a.max_pending_requests == b.max_pending_requests && a.max_requests == b.max_requests &&
         a.max_retries == b.max_retries && budgets_equal;
}

base::Result<std::vector<std::string>> systemResolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return base::Error{gai_strerror(rc)};
  std::vector<std::string> out;
  for (addrinfo* p = res; p; p = p->ai_next) {
    std::string ip = net::Address::fromSockaddr(p->ai_addr, p->ai_addrlen).ip();
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  ::freeaddrinfo(res);
  if (out.empty()) return base::Error{"no addresses"};
  return out;
}

std::shared_ptr<limits::CircuitBreaker> SharedUpstreamState::breaker(
    const std::string& cluster, const limits::CircuitBreakerConfig& config) {
  auto& slot = breakers_[cluster];
  // Keep the live breaker (and its in-flight counts) across reloads; a changed
  // config starts a new one, while holders of the old keep it alive until done.
  if (!slot.breaker || !sameBreakerConfig(slot.config, config)) {
    slot.breaker = std::make_shared<limits::CircuitBreaker>(config);
    slot.config = config;
  }
  return slot.breaker;
}

std::shared_ptr<upstream::EndpointHealth> SharedUpstreamState::health(const std::string& cluster,
                                                                      const std::string& address) {
  auto& slot = health_[cluster + "|" + address];
  if (!slot) slot = std::make_shared<upstream::EndpointHealth>();
  return slot;
}

void SharedUpstreamState::prune() {
  std::erase_if(breakers_, [](const auto& kv) { return kv.second.breaker.use_count() == 1; });
  std::erase_if(health_, [](const auto& kv) { return kv.second.use_count() == 1; });
}

base::Result<std::shared_ptr<const Snapshot>> buildSnapshot(
    std::shared_ptr<const config::ConfigSet> config, BuildContext& ctx) {
  auto snap = std::make_shared<Snapshot>();
  snap->config = config;
  snap->generation = ctx.generation;
  snap->version = config::versionHash(*config);
  Builder b(*config, ctx, *snap);
  MG_RETURN_IF_ERROR(b.build());
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace meshgate::proxy
