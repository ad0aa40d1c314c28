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
  pending_.clear();
  std::vector<UpstreamConnection*> conns = connections_;
  for (UpstreamConnection* c : conns)
    c->abort();
}

void ConnectionPool::update(const Cluster& cluster, const Endpoint& endpoint) {
  address_ = endpoint.address;
  breaker_ = cluster.sharedBreaker();
  settings_ = cluster.settings();
  cluster_metrics_ = cluster.metrics();
}

void ConnectionPool::newStream(UpstreamStreamCallbacks& stream, http::Method method) {
  if (!idle_.empty()) {
    UpstreamConnection* conn = idle_.back();
    idle_.pop_back();
    assign(*conn, stream, method);
    return;
  }
  limits::Permit pending = breaker_->tryQueueRequest();
  if (!pending) {
    metrics_.inc(cluster_metrics_.requests_pending_overflow);
    stream.onPoolFailure(ResetReason::Overflow, 0);
    return;
  }
  pending_.push_back(Pending{&stream, method, std::move(pending)});
  if (connecting_ >= pending_.size()) return;
  limits::Permit connection = breaker_->tryOpenConnection();
  if (connection) {
    connect(std::move(connection));
    return;
  }
  metrics_.inc(cluster_metrics_.connections_overflow);
  if (connections_.empty()) {
    // No connection of ours will ever free up for this request.
    pending_.pop_back();
    stream.onPoolFailure(ResetReason::Overflow, 0);
  }
}

void ConnectionPool::cancel(UpstreamStreamCallbacks& stream) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->stream == &stream) {
      pending_.erase(it);
      return;
    }
  }
}

void ConnectionPool::connect(limits::Permit permit) {
  auto fd = net::connectTcp(address_);
  metrics_.inc(cluster_metrics_.connections_created);
  if (!fd.ok()) {
    metrics_.inc(cluster_metrics_.connect_failures);
    failOldest(ResetReason::ConnectFailure, fd.error().sys_errno);
    return;
  }
  auto* conn = new UpstreamConnection(loop_, *fd, *this);
  conn->permit_ = std::move(permit);
  connections_.push_back(conn);
  ++connecting_;
  metrics_.add(cluster_metrics_.connections_active, 1);
  if (!conn->connection().start().ok()) {
    conn->connection().close(net::Connection::CloseMode::Abort);
    return;
  }
  conn->timer_.arm(settings_.connect_timeout);
}

void ConnectionPool::failOldest(ResetReason reason, int err) {
  if (pending_.empty()) return;
  UpstreamStreamCallbacks* stream = pending_.front().stream;
  pending_.pop_front();
  stream->onPoolFailure(reason, err);
}

void ConnectionPool::onConnected(UpstreamConnection& conn) {
  --connecting_;
  if (!pending_.empty()) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    assign(conn, *p.stream, p.method);
    return;
  }
  onIdle(conn);
}

void ConnectionPool::onConnectFailed(UpstreamConnection&, ResetReason reason, int err) {
  --connecting_;
  metrics_.inc(cluster_metrics_.connect_failures);
  // One failed connect fails the oldest waiting request (Envoy's behaviour); the
  // others keep waiting for connections still in progress.
  if (pending_.size() > connecting_) failOldest(reason, err);
}

void ConnectionPool::assign(UpstreamConnection& conn, UpstreamStreamCallbacks& stream,
                            http::Method method) {
  conn.attach(&stream, method);
  stream.onPoolReady(conn);
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
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    assign(conn, *p.stream, p.method);
    return;
  }
  idle_.push_back(&conn);
  // Keep the buffers while the connection is reused back to back (no allocation
  // per request); give them back once it has been idle for a moment.
  constexpr std::chrono::nanoseconds kIdleMemoryDelay = std::chrono::seconds(2);
  if (settings_.idle_timeout > kIdleMemoryDelay) {
    conn.idle_memory_pending_ = true;
    conn.idle_rest_ = settings_.idle_timeout - kIdleMemoryDelay;
    conn.timer_.arm(kIdleMemoryDelay);
  } else {
    conn.idle_memory_pending_ = false;
    conn.timer_.arm(settings_.idle_timeout);
  }
}

void ConnectionPool::onClosed(UpstreamConnection& conn) {
  idle_.erase(std::remove(idle_.begin(), idle_.end(), &conn), idle_.end());
  connections_.erase(std::remove(connections_.begin(), connections_.end(), &conn),
                     connections_.end());
  conn.permit_.release();
  metrics_.add(cluster_metrics_.connections_active, -1);
  loop_.deferDelete(std::unique_ptr<event::DeferredDeletable>(&conn));
  // Requests still waiting need a connection: open one if none is on its way.
  if (!draining_ && pending_.size() > connecting_) {
    limits::Permit permit = breaker_->tryOpenConnection();
    if (permit) connect(std::move(permit));
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
