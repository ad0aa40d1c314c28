// SPDX-License-Identifier: Apache-2.0
// CircuitBreaker: the counters behind Istio's DestinationRule connectionPool (Envoy's
// circuit_breakers thresholds) for one upstream cluster: connections, pending requests,
// requests and retries, each an exact cross-worker cap. Depends on limits/.
#pragma once

#include <cstdint>
#include <optional>

#include "limits/concurrency_limit.h"
#include "limits/retry_budget.h"

namespace meshgate::limits {

/// Istio's defaults: every threshold 2^32-1, i.e. open in practice (Envoy's own defaults are
/// 1024/1024/1024/3, which Istio overrides).
struct CircuitBreakerConfig {
  static constexpr uint64_t kUnlimited = 4294967295u;
  /// tcp.maxConnections
  uint64_t max_connections = kUnlimited;
  /// http.http1MaxPendingRequests: requests waiting for a connection.
  uint64_t max_pending_requests = kUnlimited;
  /// http.http2MaxRequests: requests in flight.
  uint64_t max_requests = kUnlimited;
  /// http.maxRetries: retries in flight; ignored when retry_budget is set (as in Envoy).
  uint64_t max_retries = kUnlimited;
  std::optional<RetryBudgetConfig> retry_budget;
};

/// Shared by every worker (one per cluster and config generation); all methods are
/// thread-safe and lock-free. A refused Permit is the "overflow" Envoy counts in
/// upstream_rq_pending_overflow, upstream_cx_overflow, upstream_rq_retry_overflow.
class CircuitBreaker {
 public:
  explicit CircuitBreaker(const CircuitBreakerConfig& config);

  Permit tryOpenConnection() { return connections_.tryAcquire(); }
  Permit tryQueueRequest() { return pending_.tryAcquire(); }
  Permit tryStartRequest() { return requests_.tryAcquire(); }
  /// Checks the retry budget when configured, else max_retries.
  Permit tryStartRetry();

  const ConcurrencyLimit& connections() const { return connections_; }
  const ConcurrencyLimit& pendingRequests() const { return pending_; }
  const ConcurrencyLimit& requests() const { return requests_; }
  /// Retries in flight.
  uint64_t retries() const;

 private:
  ConcurrencyLimit connections_;
  ConcurrencyLimit pending_;
  ConcurrencyLimit requests_;
  ConcurrencyLimit retries_;
  std::optional<RetryBudget> budget_;
};

}  // namespace meshgate::limits
