// SPDX-License-Identifier: Apache-2.0
// A worker's pool of HTTP/1.1 connections to one endpoint of one cluster:
// reuses idle keep-alive connections (most recently used first), opens new ones
// within the cluster's max-connections breaker, queues requests within the
// pending breaker, and enforces connect and idle timeouts. Loop thread only.
// Depends on upstream/cluster, upstream/upstream_connection, metrics.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "event/event_loop.h"
#include "metrics/metrics.h"
#include "upstream/cluster.h"
#include "upstream/upstream_connection.h"

namespace meshgate::upstream {

class ConnectionPool {
 public:
  ConnectionPool(event::EventLoop& loop, metrics::Shard& metrics, const Cluster& cluster,
                 const Endpoint& endpoint);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// Points the pool at the current generation's cluster and endpoint (settings
  /// may have changed on reload; the key stayed the same).
  void update(const Cluster& cluster, const Endpoint& endpoint);

  /// Asks for a connection for a request with `method`. Either calls
  /// `stream.onPoolReady()` (now, with an idle connection, or later, when one
  /// connects or frees up), or `stream.onPoolFailure()` (now on overflow, later on
  /// connect failure). Until then, cancel() withdraws the request.
  void newStream(UpstreamStreamCallbacks& stream, http::Method method);
  void cancel(UpstreamStreamCallbacks& stream);

  /// Closes idle connections and lets busy ones finish (config removed the pool).
  void drain();
  bool idle() const { return connections_.empty() && pending_.empty(); }
  size_t connectionCount() const { return connections_.size(); }
  size_t idleCount() const { return idle_.size(); }

 private:
  friend class UpstreamConnection;
  struct Pending {
    UpstreamStreamCallbacks* stream;
    http::Method method;
    limits::Permit permit;  // a slot of the pending-requests breaker
  };

  void connect(limits::Permit permit);
  void failOldest(ResetReason reason, int err);
  void onConnected(UpstreamConnection& conn);
  void onConnectFailed(UpstreamConnection& conn, ResetReason reason, int err);
  /// A connection finished an exchange and may be reused.
  void onIdle(UpstreamConnection& conn);
  void onClosed(UpstreamConnection& conn);
  void assign(UpstreamConnection& conn, UpstreamStreamCallbacks& stream, http::Method method);

  event::EventLoop& loop_;
  metrics::Shard& metrics_;
  net::Address address_;
  std::shared_ptr<limits::CircuitBreaker> breaker_;  // outlives generations
  ClusterSettings settings_;
  ClusterMetrics cluster_metrics_;
  std::vector<UpstreamConnection*> connections_;
  std::vector<UpstreamConnection*> idle_;
  std::deque<Pending> pending_;
  size_t connecting_ = 0;
  bool draining_ = false;
};

}  // namespace meshgate::upstream
