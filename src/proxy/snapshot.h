// SPDX-License-Identifier: Apache-2.0
// Snapshot: everything the data plane runs for one config generation — listeners
// with their route tables, and clusters with their endpoints — compiled once from a
// validated ConfigSet off the request path, then shared read-only by every worker.
// Depends on config, metrics, upstream, proxy/route_table.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/line_sink.h"
#include "base/result.h"
#include "config/config_set.h"
#include "filter_api/registry.h"
#include "http/path.h"
#include "metrics/metrics.h"
#include "net/address.h"
#include "proxy/route_table.h"
#include "upstream/cluster.h"

namespace meshgate::proxy {

using AccessLogSink = base::LineSink;

/// One listening address and what it serves.
struct ListenerSpec {
  /// "<namespace>/<name>" for Listeners, "gateway/<ns>/<name>/<port>" for Gateway servers.
  std::string name;
  net::Address address;
  /// The Listener's settings (for Gateway servers, defaults with the server's bind/port).
  config::Listener settings;
  http::PathNormalizationOptions path_options;
  /// "ns/name" of the Gateway for gateway listeners, empty for mesh listeners.
  std::string gateway;
  std::unique_ptr<RouteTable> routes;
  std::shared_ptr<AccessLogSink> access_log;  // null when off
  metrics::SeriesId downstream_connections_total;
  metrics::SeriesId downstream_connections_active;
  metrics::SeriesId downstream_requests_rejected;  // malformed, limits (4xx before routing)
  /// requests_total rows for requests that matched no route (404) [status class].
  std::array<metrics::SeriesId, 5> unrouted_requests;
};

bool sameBreakerConfig(const limits::CircuitBreakerConfig& a,
                       const limits::CircuitBreakerConfig& b);

/// Resolves a DNS name to IP addresses (blocking; called off the request path).
using Resolver = std::function<base::Result<std::vector<std::string>>(const std::string& host)>;
/// getaddrinfo-based resolver.
base::Result<std::vector<std::string>> systemResolve(const std::string& host);

/// State that must survive a reload: circuit breakers per cluster name and
/// endpoint health per (cluster, address), so a reload does not reset them.
class SharedUpstreamState {
 public:
  std::shared_ptr<limits::CircuitBreaker> breaker(const std::string& cluster,
                                                  const limits::CircuitBreakerConfig& config);
  std::shared_ptr<upstream::EndpointHealth> health(const std::string& cluster,
                                                   const std::string& address);
  /// Drops entries no live cluster references (called after each build).
  void prune();

 private:
  struct BreakerSlot {
    std::shared_ptr<limits::CircuitBreaker> breaker;
    limits::CircuitBreakerConfig config;
  };
  std::map<std::string, BreakerSlot> breakers_;
  std::map<std::string, std::shared_ptr<upstream::EndpointHealth>> health_;
};

struct Snapshot {
  std::shared_ptr<const config::ConfigSet> config;
  std::string version;  // config::versionHash
  uint64_t generation = 0;
  std::vector<std::unique_ptr<ListenerSpec>> listeners;
  std::vector<std::unique_ptr<upstream::Cluster>> clusters;

  const upstream::Cluster* findCluster(std::string_view name) const;
};

struct BuildContext {
  metrics::Registry* registry = nullptr;
  SharedUpstreamState* shared = nullptr;
  Resolver resolver = systemResolve;
  /// Access log sinks are shared by path across generations.
  std::function<std::shared_ptr<AccessLogSink>(const config::AccessLog&)> access_log_for;
  /// Services for building each route's filter chain (null: no filters).
  filter_api::BuildServices* filter_services = nullptr;
  uint64_t generation = 0;
};

/// Compiles `config`. Fails only for problems the loader cannot see (a DNS name
/// that does not resolve, an address that is not an IP).
base::Result<std::shared_ptr<const Snapshot>> buildSnapshot(
    std::shared_ptr<const config::ConfigSet> config, BuildContext& ctx);

}  // namespace meshgate::proxy
