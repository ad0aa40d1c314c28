// SPDX-License-Identifier: Apache-2.0
// What a worker gives the connections it runs: its loop, metrics shard, upstream
// pools, access-log buffer, random numbers, and the config generation in force.
// Generations are reference-counted per worker without atomics: a request holds
// the generation it started on until it ends, so in-flight requests finish on
// their config while new ones use the new one. Loop thread only.
// Depends on proxy/snapshot, upstream, metrics, event.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "event/event_loop.h"
#include "http/message.h"
#include "metrics/metrics.h"
#include "proxy/access_log.h"
#include "proxy/snapshot.h"
#include "upstream/cluster_manager.h"

namespace meshgate::proxy {

class ConnectionManager;

/// One config generation as seen by one worker.
struct Generation {
  std::shared_ptr<const Snapshot> snapshot;
  uint32_t refs = 0;
};

class WorkerContext {
 public:
  WorkerContext(event::EventLoop& loop, metrics::Registry& registry, uint32_t worker_id);
  ~WorkerContext();
  WorkerContext(const WorkerContext&) = delete;
  WorkerContext& operator=(const WorkerContext&) = delete;

  event::EventLoop& loop() { return loop_; }
  metrics::Shard& metrics() { return shard_; }
  upstream::ClusterManager& clusters() { return clusters_; }
  AccessLogBuffer& accessLog() { return access_log_; }
  http::DateCache& date() { return date_; }
  std::mt19937_64& rng() { return rng_; }
  uint32_t id() const { return worker_id_; }

  /// The generation new requests use. Never null once setSnapshot() was called.
  Generation* current() { return current_; }
  void acquire(Generation* g) { ++g->refs; }
  /// Drops a reference; frees the generation when it is no longer current and unused.
  void release(Generation* g);
  /// Installs a new snapshot (loop thread).
  void setSnapshot(std::shared_ptr<const Snapshot> snapshot);

  /// Connections register so that drain and shutdown can reach them.
  void addConnection(ConnectionManager* c) { connections_.push_back(c); }
  void removeConnection(ConnectionManager* c);
  size_t connectionCount() const { return connections_.size(); }
  /// Starts a graceful drain: idle connections close now, busy ones after their
  /// current response (with Connection: close).
  void startDrain();
  bool draining() const { return draining_; }
  /// Closes every connection now.
  void closeAll();

  /// Writes the access log buffer; called once per loop iteration by the worker.
  void flushAccessLog() { access_log_.flush(); }
  /// Schedules flushAccessLog() at the end of the current iteration.
  void scheduleFlush();

  /// Fills a random UUIDv4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") into `out` (36 bytes).
  void newRequestId(char* out);

 private:
  void freeGeneration(Generation* g);

  event::EventLoop& loop_;
  metrics::Shard shard_;
  upstream::ClusterManager clusters_;
  AccessLogBuffer access_log_;
  http::DateCache date_;
  std::mt19937_64 rng_;
  uint32_t worker_id_;
  Generation* current_ = nullptr;
  std::vector<std::unique_ptr<Generation>> generations_;
  std::vector<ConnectionManager*> connections_;
  bool draining_ = false;
  bool flush_scheduled_ = false;
};

}  // namespace meshgate::proxy
