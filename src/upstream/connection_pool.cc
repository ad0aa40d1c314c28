// SPDX-License-Identifier: Apache-2.0
#include "upstream/connection_pool.h"

#include <algorithm>

#include "base/log.h"
#include "net/socket.h"

namespace meshgate::upstream {

ConnectionPool::ConnectionPool(event::EventLoop& loop, metrics::Shard& metrics,
                               const Cluster& cluster, const Endpoint& endpoint)
    : loop_(loop), metrics_(metrics) {
  update(cluster, endpoint);
}

ConnectionPool::~ConnectionPool() {
  // Normally only idle pools are destroyed; at shutdown close what is left,
  // without calling any stream back and without reconnecting.
  draining_ = true;
  for (size_t i = 0; i < pending_.size(); ++i)
    ClusterCounters::release(counters_->pending_requests);
  pending_.clear();
  std::vector<UpstreamConnection*> conns = connections_;
  for (UpstreamConnection* c : conns)
    c->abort();
}

void ConnectionPool::update(const Cluster& cluster, const Endpoint& endpoint) {
  address_ = endpoint.address;
  counters_ = cluster.sharedCounters();
  settings_ = cluster.settings();
  cluster_metrics_ = cluster.metrics();
}

void ConnectionPool::newStream(UpstreamStreamCallbacks& stream, http::Method method) {
  if (!idle_.empty()) {
    UpstreamConnection* conn = idle_.back();
    idle_.pop_back();
    assign(*conn, Pending{&stream, method});
    return;
  }
  if (!ClusterCounters::tryAcquire(counters_->pending_requests,
                                   settings_.limits.max_pending_requests)) {
    metrics_.inc(cluster_metrics_.requests_pending_overflow);
    stream.onPoolFailure(ResetReason::Overflow, 0);
    return;
  }
  pending_.push_back(Pending{&stream, method});
  if (connecting_ < pending_.size()) {
    if (ClusterCounters::tryAcquire(counters_->connections, settings_.limits.max_connections)) {
      connect();
    } else {
      metrics_.inc(cluster_metrics_.connections_overflow);
      if (connections_.empty()) {
        // No connection of ours will ever free up for this request.
        pending_.pop_back();
        ClusterCounters::release(counters_->pending_requests);
        stream.onPoolFailure(ResetReason::Overflow, 0);
      }
    }
  }
}

void ConnectionPool::cancel(UpstreamStreamCallbacks& stream) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->stream == &stream) {
      pending_.erase(it);
      ClusterCounters::release(counters_->pending_requests);
      return;
    }
  }
}

void ConnectionPool::connect() {
  auto fd = net::connectTcp(address_);
  metrics_.inc(cluster_metrics_.connections_created);
  if (!fd.ok()) {
    ClusterCounters::release(counters_->connections);
    metrics_.inc(cluster_metrics_.connect_failures);
    if (!pending_.empty()) {
      Pending p = pending_.front();
      pending_.pop_front();
      ClusterCounters::release(counters_->pending_requests);
      p.stream->onPoolFailure(ResetReason::ConnectFailure, fd.error().sys_errno);
    }
    return;
  }
  auto* conn = new UpstreamConnection(loop_, *fd, *this);
  connections_.push_back(conn);
  ++connecting_;
  metrics_.add(cluster_metrics_.connections_active, 1);
  if (!conn->connection().start().ok()) {
    conn->connection().close(net::Connection::CloseMode::Abort);
    return;
  }
  conn->timer_.arm(settings_.connect_timeout);
}

void ConnectionPool::onConnected(UpstreamConnection& conn) {
  --connecting_;
  if (!pending_.empty()) {
    Pending p = pending_.front();
    pending_.pop_front();
    ClusterCounters::release(counters_->pending_requests);
    assign(conn, p);
    return;
  }
  onIdle(conn);
}

void ConnectionPool::onConnectFailed(UpstreamConnection&, ResetReason reason, int err) {
  --connecting_;
  metrics_.inc(cluster_metrics_.connect_failures);
  // One failed connect fails the oldest waiting request (Envoy's behaviour); the
  // others keep waiting for connections still in progress.
  if (pending_.size() > connecting_ && !pending_.empty()) {
    Pending p = pending_.front();
    pending_.pop_front();
    ClusterCounters::release(counters_->pending_requests);
    p.stream->onPoolFailure(reason, err);
  }
}

void ConnectionPool::assign(UpstreamConnection& conn, Pending p) {
  conn.attach(p.stream, p.method);
  p.stream->onPoolReady(conn);
}

void ConnectionPool::onIdle(UpstreamConnection& conn) {
  const bool expired = settings_.max_connection_duration &&
                       loop_.now() - conn.created_ >= *settings_.max_connection_duration;
  const bool used_up = settings_.max_requests_per_connection != 0 &&
                       conn.requestsServed() >= settings_.max_requests_per_connection;
  if (draining_ || expired || used_up) {
    conn.connection().close(net::Connection::CloseMode::Abort);
    return;
  }
  if (!pending_.empty()) {
    Pending p = pending_.front();
    pending_.pop_front();
    ClusterCounters::release(counters_->pending_requests);
    assign(conn, p);
    return;
  }
  idle_.push_back(&conn);
  conn.connection().releaseIdleMemory();
  conn.timer_.arm(settings_.idle_timeout);
}

void ConnectionPool::removeIdle(UpstreamConnection& conn) {
  idle_.erase(std::remove(idle_.begin(), idle_.end(), &conn), idle_.end());
}

void ConnectionPool::onClosed(UpstreamConnection& conn) {
  removeIdle(conn);
  connections_.erase(std::remove(connections_.begin(), connections_.end(), &conn),
                     connections_.end());
  ClusterCounters::release(counters_->connections);
  metrics_.add(cluster_metrics_.connections_active, -1);
  loop_.deferDelete(std::unique_ptr<event::DeferredDeletable>(&conn));
  // Requests still waiting need a connection: open one if none is on its way.
  if (!draining_ && pending_.size() > connecting_ &&
      ClusterCounters::tryAcquire(counters_->connections, settings_.limits.max_connections)) {
    connect();
  }
}

void ConnectionPool::drain() {
  draining_ = true;
  std::vector<UpstreamConnection*> idle;
  idle.swap(idle_);
  for (UpstreamConnection* c : idle)
    c->connection().close(net::Connection::CloseMode::Abort);
}

}  // namespace meshgate::upstream
