// SPDX-License-Identifier: Apache-2.0
// A cluster: the endpoints behind one (host, subset, port) and the policy for
// reaching them (load balancing, pool limits, timeouts, outlier detection). A
// Cluster is immutable once built and shared by every worker of a config
// generation; the mutable, cross-worker parts (circuit-breaker counters, endpoint
// health) are atomics kept in shared state objects that survive reloads.
// Depends on base, net, metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "limits/circuit_breaker.h"
#include "metrics/metrics.h"
#include "net/address.h"

namespace meshgate::upstream {

using Duration = std::chrono::nanoseconds;

/// Mutable health of one endpoint, shared by every worker (atomics; written
/// rarely: on failures, on recovery, by health checks).
struct EndpointHealth {
  /// Active health checking verdict (true when no health check is configured).
  std::atomic<bool> healthy{true};
  /// Outlier ejection: monotonic nanoseconds until which the endpoint is out; 0 when in.
  std::atomic<int64_t> ejected_until_ns{0};
  /// How many times it was ejected (the next ejection lasts base * (n+1)).
  std::atomic<uint32_t> ejection_count{0};
  std::atomic<uint32_t> consecutive_5xx{0};
  std::atomic<uint32_t> consecutive_gateway_errors{0};
  std::atomic<uint32_t> consecutive_local_failures{0};
  /// Requests in flight to this endpoint (all workers), for LEAST_REQUEST.
  std::atomic<uint32_t> active_requests{0};

  bool ejected(base::MonoTime now) const {
    const int64_t until = ejected_until_ns.load(std::memory_order_relaxed);
    return until != 0 && now.time_since_epoch().count() < until;
  }
  bool available(base::MonoTime now) const {
    return healthy.load(std::memory_order_relaxed) && !ejected(now);
  }
};

struct Endpoint {
  net::Address address;
  std::string address_text;  // "127.0.0.1:8080", for logs and metrics
  uint32_t weight = 1;
  std::map<std::string, std::string> labels;
  std::shared_ptr<EndpointHealth> health;
};

enum class LbPolicy { RoundRobin, LeastRequest, Random, Passthrough, RingHash, Maglev };

/// What consistent hashing hashes (Istio consistentHash).
struct HashPolicy {
  enum class Kind { Header, Cookie, SourceIp, QueryParameter };
  Kind kind = Kind::Header;
  std::string name;  // header (lower-case), cookie or query parameter name
  std::string cookie_path;
  std::optional<Duration> cookie_ttl;  // set: generate the cookie when absent
};

/// Istio OutlierDetection, resolved.
struct OutlierSettings {
  uint32_t consecutive_5xx = 5;  // 0: off
  uint32_t consecutive_gateway_errors = 0;
  uint32_t consecutive_local_origin_failures = 5;
  bool split_external_local_origin_errors = false;
  Duration interval = std::chrono::seconds(10);
  Duration base_ejection_time = std::chrono::seconds(30);
  uint32_t max_ejection_percent = 10;
  uint32_t min_health_percent = 0;
};

struct ClusterSettings {
  LbPolicy lb = LbPolicy::RoundRobin;
  std::optional<HashPolicy> hash;
  uint64_t ring_size = 1024;           // RingHash minimum ring size
  uint64_t maglev_table_size = 65537;  // Maglev (a prime)
  Duration connect_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::hours(1);
  uint32_t max_requests_per_connection = 0;  // 0: unlimited
  std::optional<Duration> max_connection_duration;
  /// Istio connectionPool limits plus the retry budget (see docs/filters.md).
  limits::CircuitBreakerConfig breaker;
  std::optional<OutlierSettings> outlier;
};

/// Metric series of one cluster (registered when the cluster is built).
struct ClusterMetrics {
  metrics::SeriesId connections_active;
  metrics::SeriesId connections_created;
  metrics::SeriesId connect_failures;
  metrics::SeriesId requests_pending_overflow;
  metrics::SeriesId requests_overflow;
  metrics::SeriesId retries_overflow;
  metrics::SeriesId connections_overflow;
  metrics::SeriesId requests_retried;
  metrics::SeriesId outlier_ejections;
  metrics::SeriesId outlier_returns;
  metrics::SeriesId ejected_endpoints;
  metrics::SeriesId retry_budget_exhausted;
};

class Cluster {
 public:
  /// `breaker` may be shared with the previous generation of the same cluster, so
  /// that a reload neither resets nor double-counts what is in flight.
  Cluster(std::string name, std::vector<Endpoint> endpoints, ClusterSettings settings,
          std::shared_ptr<limits::CircuitBreaker> breaker, ClusterMetrics metrics);

  const std::string& name() const { return name_; }
  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  const ClusterSettings& settings() const { return settings_; }
  limits::CircuitBreaker& breaker() const { return *breaker_; }
  const std::shared_ptr<limits::CircuitBreaker>& sharedBreaker() const { return breaker_; }
  const ClusterMetrics& metrics() const { return metrics_; }

  /// Ring-hash entries (hash, endpoint index), sorted by hash; empty unless RingHash.
  const std::vector<std::pair<uint64_t, uint32_t>>& ring() const { return ring_; }
  /// Maglev lookup table (endpoint indexes); empty unless Maglev.
  const std::vector<uint32_t>& maglevTable() const { return maglev_; }

 private:
  void buildRing();
  void buildMaglev();

  std::string name_;
  std::vector<Endpoint> endpoints_;
  ClusterSettings settings_;
  std::shared_ptr<limits::CircuitBreaker> breaker_;
  ClusterMetrics metrics_;
  std::vector<std::pair<uint64_t, uint32_t>> ring_;
  std::vector<uint32_t> maglev_;
};

}  // namespace meshgate::upstream
