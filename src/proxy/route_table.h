// SPDX-License-Identifier: Apache-2.0
// A listener's routing table, compiled from the VirtualServices it serves: virtual
// hosts looked up by authority (exact, then longest wildcard suffix, then "*"),
// each with its routes in order, first match wins (Istio semantics). Immutable
// and shared by every worker of a generation. Depends on config, http, upstream.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/networking.h"
#include "filter_api/filter.h"
#include "http/header_map.h"
#include "metrics/metrics.h"
#include "upstream/cluster.h"

namespace meshgate::proxy {

/// The request attributes a route can match on.
struct RouteRequest {
  std::string_view method;
  /// The normalized path, without the query.
  std::string_view path;
  /// The raw query string, without '?'.
  std::string_view query;
  /// The Host header (or absolute-form authority) as received.
  std::string_view authority;
  std::string_view scheme = "http";
  uint16_t port = 0;  // the listener port
  const http::HeaderMap* headers = nullptr;
  /// The Gateway this request arrived through ("ns/name"), or empty for mesh listeners.
  std::string_view gateway;
};

/// One destination of a route, with its share of the weight.
struct WeightedDestination {
  const upstream::Cluster* cluster = nullptr;  // owned by the Snapshot
  std::string host;                            // the destination host, qualified
  uint32_t weight = 0;
  const config::Headers* headers = nullptr;  // per-destination header operations
};

/// A route's retry policy, compiled from VirtualService `retries` (or Istio's
/// default when the route has none).
struct RetryPolicy {
  enum On : uint32_t {
    k5xx = 1u << 0,           // any 5xx, resets, connect failures, per-try timeouts
    kGatewayError = 1u << 1,  // 502, 503, 504
    kReset = 1u << 2,         // disconnect/reset/read timeout before the response
    kConnectFailure = 1u << 3,
    kRefusedStream = 1u << 4,  // HTTP/2 only: never happens on HTTP/1.1 upstreams
    kRetriable4xx = 1u << 5,   // 409
    kRetriableStatusCodes = 1u << 6,
    kRetriableHeaders = 1u << 7,  // response headers named by x-envoy-retriable-header-names
  };
  uint32_t num_retries = 0;
  uint32_t on = 0;
  std::vector<uint16_t> retriable_status_codes;
  std::optional<std::chrono::nanoseconds> per_try_timeout;
  /// POST/PATCH/... are retried only when the VirtualService opts in
  /// (annotation meshgate.io/retry-non-idempotent: "true").
  bool retry_non_idempotent = false;
  std::chrono::nanoseconds backoff_base = std::chrono::milliseconds(25);
};

/// Per-route metric series: requests by (destination index or local reply) and
/// status class, and a latency histogram.
struct RouteMetrics {
  /// [destination][class]; the extra last row is for local replies (no cluster).
  std::vector<std::array<metrics::SeriesId, 5>> requests;
  metrics::HistogramId latency;
  metrics::SeriesId mirrors_sent;
  metrics::SeriesId mirrors_dropped;
};

struct RouteEntry {
  /// "<namespace>/<virtual service>/<route name or index>".
  std::string name;
  const config::VirtualService* virtual_service = nullptr;
  const config::HttpRoute* route = nullptr;  // kept alive by the Snapshot's ConfigSet
  std::vector<WeightedDestination> destinations;
  uint32_t total_weight = 0;
  std::vector<const config::HttpMirrorPolicy*> mirrors;
  std::vector<const upstream::Cluster*> mirror_clusters;
  /// The route's filter chain in order (authn, authz, rate limit, fault, ...).
  std::vector<std::shared_ptr<const filter_api::FilterFactory>> filters;
  RetryPolicy retry;
  RouteMetrics metrics;

  /// True when any match block (OR) matches; no blocks match everything.
  bool matches(const RouteRequest& req) const;
  /// Picks a destination by weight with `random` in [0, total_weight).
  const WeightedDestination* pickDestination(uint64_t random) const;
};

struct VirtualHost {
  std::string name;
  std::vector<std::string> domains;
  std::vector<RouteEntry> routes;
};

/// Hash for heterogeneous (string_view) lookups in unordered containers.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class RouteTable {
 public:
  /// Adds `vh`, served for each of its domains (qualified, lower-case; "*" and
  /// "*.suffix" wildcards allowed). A domain already taken keeps its first owner.
  void addVirtualHost(std::unique_ptr<VirtualHost> vh);
  /// Sets the namespace used to qualify short Host headers ("reviews").
  void setNamespace(std::string ns) { namespace_ = std::move(ns); }

  /// The virtual host for an authority (port ignored, case-insensitive), or null.
  const VirtualHost* findVirtualHost(std::string_view authority) const;
  /// The first matching route of the request's virtual host, or null (404).
  const RouteEntry* match(const RouteRequest& req) const;

  const std::vector<std::unique_ptr<VirtualHost>>& virtualHosts() const { return hosts_; }

 private:
  std::vector<std::unique_ptr<VirtualHost>> hosts_;
  std::unordered_map<std::string, const VirtualHost*, StringViewHash, std::equal_to<>> exact_;
  std::vector<std::pair<std::string, const VirtualHost*>>
      suffixes_;  // ".example.com", longest first
  const VirtualHost* catch_all_ = nullptr;
  std::string namespace_ = "default";
};

/// Strips the port from an authority ("a:80" -> "a", "[::1]:80" -> "[::1]").
std::string_view hostWithoutPort(std::string_view authority);

}  // namespace meshgate::proxy
