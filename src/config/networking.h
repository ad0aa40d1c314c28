// SPDX-License-Identifier: Apache-2.0
// The networking.istio.io kinds meshgate runs: ServiceEntry, DestinationRule,
// VirtualService, Gateway. Field names and semantics are Istio's (istio/api
// networking/v1); what meshgate does not implement is rejected by the loader.
// Depends on config/types.h only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/types.h"

namespace meshgate::config {

// ---------------------------------------------------------------- ServiceEntry

/// ServicePort. meshgate speaks HTTP/1.1 to upstreams, so protocol is HTTP (the
/// loader rejects the others as not supported yet).
struct ServicePort {
  uint16_t number = 0;
  std::string protocol = "HTTP";  // upper-cased
  std::string name;
  /// 0: same as `number`.
  uint16_t target_port = 0;
  SourcePos pos;
};

/// WorkloadEntry, as used in ServiceEntry.endpoints.
struct WorkloadEntry {
  /// An IP address or (with resolution DNS) a host name.
  std::string address;
  std::optional<IpAddress> ip;  // set when `address` is an IP literal
  /// Port name (of the ServiceEntry) -> port number on this endpoint.
  std::map<std::string, uint16_t> ports;
  Labels labels;
  std::string network;
  std::string locality;
  /// 0 in the YAML means "unset"; the loader stores Istio's default of 1.
  uint32_t weight = 1;
  std::string service_account;
  SourcePos pos;
};

struct ServiceEntry {
  enum class Location { MeshExternal, MeshInternal };
  enum class Resolution { None, Static, Dns, DnsRoundRobin };

  ObjectMeta meta;
  std::vector<std::string> hosts;  // as written (lower-cased)
  std::vector<Cidr> addresses;
  std::vector<ServicePort> ports;
  Location location = Location::MeshExternal;
  Resolution resolution = Resolution::None;
  std::vector<WorkloadEntry> endpoints;
  /// Selects meshgate Workloads (by their spec.labels) as endpoints.
  std::optional<WorkloadSelector> workload_selector;
  std::vector<std::string> export_to;  // accepted, no effect on a single proxy
  std::vector<std::string> subject_alt_names;

  /// The port with this number, or null.
  const ServicePort* findPort(uint16_t number) const;
};

// ------------------------------------------------------------- DestinationRule

struct LoadBalancerSettings {
  enum class Simple { Unspecified, RoundRobin, LeastRequest, Random, Passthrough };
  struct HttpCookie {
    std::string name;
    std::string path;
    std::optional<Duration> ttl;
  };
  struct ConsistentHash {
    enum class Key { HttpHeaderName, HttpCookie, UseSourceIp, HttpQueryParameterName };
    Key key = Key::HttpHeaderName;
    std::string http_header_name;
    HttpCookie http_cookie;
    std::string http_query_parameter_name;
    /// ringHash.minimumRingSize (or the deprecated minimumRingSize); 0 = Envoy's default (1024).
    uint64_t minimum_ring_size = 0;
    /// maglev.tableSize; 0 = not maglev.
    uint64_t maglev_table_size = 0;
  };

  /// Exactly one of simple / consistentHash is set (Istio's oneof); when neither
  /// is written, simple is Unspecified (Envoy's default: LEAST_REQUEST in
  /// Istio >= 1.14, see docs/config.md).
  Simple simple = Simple::Unspecified;
  std::optional<ConsistentHash> consistent_hash;
  std::optional<Duration> warmup_duration;
  SourcePos pos;
};

struct ConnectionPoolSettings {
  struct TcpKeepalive {
    uint32_t probes = 0;               // 0: OS default
    std::optional<Duration> time;      // unset: OS default
    std::optional<Duration> interval;  // unset: OS default
  };
  struct Tcp {
    /// Istio default: 2^32-1 (unlimited).
    uint32_t max_connections = 4294967295u;
    Duration connect_timeout = std::chrono::seconds(10);
    std::optional<TcpKeepalive> tcp_keepalive;
    std::optional<Duration> max_connection_duration;
    std::optional<Duration> idle_timeout;
  };
  struct Http {
    /// Istio/Envoy default: 2^32-1 for the three limits below.
    uint32_t http1_max_pending_requests = 4294967295u;
    uint32_t http2_max_requests = 4294967295u;
    /// 0: unlimited (Istio's default).
    uint32_t max_requests_per_connection = 0;
    uint32_t max_retries = 4294967295u;
    /// Unset: Envoy's default (1h).
    std::optional<Duration> idle_timeout;
    uint32_t max_concurrent_streams = 0;  // 0: unlimited
  };
  std::optional<Tcp> tcp;
  std::optional<Http> http;
  SourcePos pos;
};

/// Istio OutlierDetection with Istio's defaults filled in.
struct OutlierDetection {
  bool split_external_local_origin_errors = false;
  /// Only used with split_external_local_origin_errors; Istio default 5.
  uint32_t consecutive_local_origin_failures = 5;
  /// 0: disabled (Istio's default for gateway errors).
  uint32_t consecutive_gateway_errors = 0;
  /// 0: disabled. Istio default 5.
  uint32_t consecutive_5xx_errors = 5;
  Duration interval = std::chrono::seconds(10);
  Duration base_ejection_time = std::chrono::seconds(30);
  uint32_t max_ejection_percent = 10;
  uint32_t min_health_percent = 0;
  SourcePos pos;
};

/// ClientTLSSettings. meshgate only accepts mode DISABLE for now.
struct ClientTlsSettings {
  enum class Mode { Disable, Simple, Mutual, IstioMutual };
  Mode mode = Mode::Disable;
  SourcePos pos;
};

struct PortTrafficPolicy {
  uint16_t port = 0;
  std::optional<LoadBalancerSettings> load_balancer;
  std::optional<ConnectionPoolSettings> connection_pool;
  std::optional<OutlierDetection> outlier_detection;
  std::optional<ClientTlsSettings> tls;
  SourcePos pos;
};

struct TrafficPolicy {
  std::optional<LoadBalancerSettings> load_balancer;
  std::optional<ConnectionPoolSettings> connection_pool;
  std::optional<OutlierDetection> outlier_detection;
  std::optional<ClientTlsSettings> tls;
  std::vector<PortTrafficPolicy> port_level_settings;
  SourcePos pos;
};

struct Subset {
  std::string name;
  Labels labels;
  std::optional<TrafficPolicy> traffic_policy;
  SourcePos pos;
};

struct DestinationRule {
  ObjectMeta meta;
  std::string host;  // as written
  std::optional<TrafficPolicy> traffic_policy;
  std::vector<Subset> subsets;
  std::vector<std::string> export_to;
  std::optional<WorkloadSelector> workload_selector;

  const Subset* findSubset(std::string_view name) const;
};

/// The policy that applies to one (subset, port) of a DestinationRule, merged as
/// Istio does: top level < top-level portLevelSettings < subset < subset
/// portLevelSettings. Each of the four settings is replaced whole, never merged
/// field by field.
struct EffectiveTrafficPolicy {
  std::optional<LoadBalancerSettings> load_balancer;
  std::optional<ConnectionPoolSettings> connection_pool;
  std::optional<OutlierDetection> outlier_detection;
  std::optional<ClientTlsSettings> tls;
};
EffectiveTrafficPolicy mergeTrafficPolicy(const DestinationRule* rule, std::string_view subset,
                                          uint16_t port);

// -------------------------------------------------------------- VirtualService

struct PortSelector {
  uint16_t number = 0;
};

struct Destination {
  std::string host;  // as written
  std::string subset;
  std::optional<PortSelector> port;
  SourcePos pos;
};

struct HeaderOperations {
  std::vector<std::pair<std::string, std::string>> set;  // in key order
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

struct Headers {
  HeaderOperations request;
  HeaderOperations response;
  bool empty() const { return request.empty() && response.empty(); }
};

struct HttpMatchRequest {
  std::string name;
  std::optional<StringMatch> uri;
  std::optional<StringMatch> scheme;
  std::optional<StringMatch> method;
  std::optional<StringMatch> authority;
  /// Header name (lower-cased) -> match. Istio: an empty StringMatch ({}) means
  /// "present"; stored as a Prefix match on "".
  std::map<std::string, StringMatch> headers;
  std::map<std::string, StringMatch> without_headers;
  std::map<std::string, StringMatch> query_params;
  bool ignore_uri_case = false;
  uint16_t port = 0;  // 0: any
  Labels source_labels;
  std::string source_namespace;
  std::vector<std::string> gateways;
  SourcePos pos;
};

struct HttpRouteDestination {
  Destination destination;
  /// 0..100. A lone destination without a weight gets 100.
  uint32_t weight = 0;
  Headers headers;
  SourcePos pos;
};

struct HttpRedirect {
  enum class DerivePort { Unset, FromProtocolDefault, FromRequestPort };
  std::string uri;
  std::string authority;
  uint16_t port = 0;  // 0: unchanged
  DerivePort derive_port = DerivePort::Unset;
  std::string scheme;
  uint32_t redirect_code = 301;
  SourcePos pos;
};

struct HttpDirectResponse {
  uint32_t status = 0;
  /// body.string, or the decoded body.bytes (base64 in the YAML).
  std::optional<std::string> body;
  SourcePos pos;
};

struct RegexRewrite {
  Regex match;
  std::string rewrite;
};

struct HttpRewrite {
  std::string uri;
  std::string authority;
  std::optional<RegexRewrite> uri_regex_rewrite;
  SourcePos pos;
};

struct HttpRetry {
  /// Istio's default when `retries` is absent is 2 attempts on
  /// "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
  /// `attempts: 0` disables retries.
  uint32_t attempts = 0;
  std::optional<Duration> per_try_timeout;
  /// The retryOn list, split on ','.
  std::vector<std::string> retry_on;
  /// retriable-status-codes given as numbers inside retryOn ("503,reset").
  std::vector<uint32_t> retriable_status_codes;
  std::optional<bool> retry_remote_localities;
  SourcePos pos;
};

struct Percent {
  double value = 100.0;  // 0..100
};

struct HttpFaultInjection {
  struct Delay {
    Duration fixed_delay{0};
    Percent percentage;
    SourcePos pos;
  };
  struct Abort {
    uint32_t http_status = 0;
    Percent percentage;
    SourcePos pos;
  };
  std::optional<Delay> delay;
  std::optional<Abort> abort;
  SourcePos pos;
};

struct HttpMirrorPolicy {
  Destination destination;
  Percent percentage;  // default 100
  SourcePos pos;
};

struct CorsPolicy {
  enum class UnmatchedPreflights { Unspecified, Forward, Ignore };
  std::vector<StringMatch> allow_origins;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  std::optional<Duration> max_age;
  std::optional<bool> allow_credentials;
  UnmatchedPreflights unmatched_preflights = UnmatchedPreflights::Unspecified;
  SourcePos pos;
};

struct HttpRoute {
  std::string name;
  /// Several blocks are OR'ed; empty: match everything.
  std::vector<HttpMatchRequest> match;
  std::vector<HttpRouteDestination> route;
  std::optional<HttpRedirect> redirect;
  std::optional<HttpDirectResponse> direct_response;
  std::optional<HttpRewrite> rewrite;
  /// Unset: no timeout (Istio's default).
  std::optional<Duration> timeout;
  /// Unset: Istio's default retry policy (see HttpRetry).
  std::optional<HttpRetry> retries;
  std::optional<HttpFaultInjection> fault;
  /// `mirror` + `mirrorPercentage` are normalised into one entry here.
  std::vector<HttpMirrorPolicy> mirrors;
  std::optional<CorsPolicy> cors_policy;
  Headers headers;
  SourcePos pos;
};

struct VirtualService {
  ObjectMeta meta;
  std::vector<std::string> hosts;  // as written (lower-cased)
  /// As written; empty means {"mesh"} (meshgate Listeners).
  std::vector<std::string> gateways;
  std::vector<HttpRoute> http;
  std::vector<std::string> export_to;

  /// True when this VirtualService applies to meshgate Listeners ("mesh").
  bool appliesToMesh() const;
  /// True when it names Gateway `ns/name` (or `name` in its own namespace).
  bool appliesToGateway(std::string_view ns, std::string_view name) const;
};

// --------------------------------------------------------------------- Gateway

struct GatewayServer {
  uint16_t port = 0;
  std::string port_name;
  std::string protocol = "HTTP";
  std::vector<std::string> hosts;  // "ns/host" or "host"; the namespace part is kept
  std::string bind;                // empty: 0.0.0.0
  std::string name;
  SourcePos pos;
};

/// Each server becomes one listener on bind:port serving its hosts with the
/// VirtualServices that name this Gateway (docs/config.md, "Gateway").
struct Gateway {
  ObjectMeta meta;
  Labels selector;  // accepted; a single meshgate process is every gateway
  std::vector<GatewayServer> servers;
};

}  // namespace meshgate::config
