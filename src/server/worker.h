// SPDX-License-Identifier: Apache-2.0
// A worker thread: one event loop, one metrics shard, its own SO_REUSEPORT
// listening sockets, and the connections they accept. The main thread talks to
// it only through post(): new snapshots, listener changes, drain and stop.
// Depends on proxy, net, event.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "event/event_loop.h"
#include "metrics/metrics.h"
#include "net/listener.h"
#include "proxy/snapshot.h"
#include "proxy/worker_context.h"

namespace meshgate::server {

/// One listening socket handed to a worker: `fd` is the worker's own duplicate
/// (the worker closes it); `socket_id` identifies the underlying socket across
/// reloads so an unchanged listener keeps accepting without a gap.
struct ListenerBinding {
  std::string name;
  int socket_id = -1;
  int fd = -1;
};

class Worker {
 public:
  /// `busy_poll`: the loop's busy-poll window (event::EventLoop::setBusyPoll).
  Worker(uint32_t id, metrics::Registry& registry, base::Duration busy_poll = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Starts the thread with the first snapshot and listeners.
  void start(std::shared_ptr<const proxy::Snapshot> snapshot,
             std::vector<ListenerBinding> listeners);
  /// Installs a new snapshot and listener set (thread-safe; applied on the worker).
  void update(std::shared_ptr<const proxy::Snapshot> snapshot,
              std::vector<ListenerBinding> listeners);
  /// Stops accepting and drains connections gracefully (thread-safe).
  void drain();
  /// Closes every remaining connection (thread-safe).
  void closeAll();
  /// Stops the loop and joins the thread.
  void stop();

  /// Open downstream connections, as last published by the worker.
  size_t connections() const { return connections_.load(std::memory_order_relaxed); }
  /// The generation the worker has installed (for tests and reload bookkeeping).
  uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }

 private:
  void applyListeners(std::vector<ListenerBinding> listeners);
  void onAccept(int socket_id, int fd);
  void housekeeping();
  /// The connection count for other threads, and the loop's empty polls since
  /// the last call into meshgate_worker_empty_polls_total. Loop thread.
  void publishLoopStats();

  struct Bound {
    std::string name;
    std::unique_ptr<net::Listener> listener;
  };

  uint32_t id_;
  event::EventLoop loop_;
  std::unique_ptr<proxy::WorkerContext> ctx_;
  std::map<int, Bound> listeners_;  // by socket_id
  std::thread thread_;
  std::unique_ptr<event::Timer> housekeeping_timer_;
  metrics::SeriesId empty_polls_metric_;
  uint64_t empty_polls_published_ = 0;
  std::atomic<size_t> connections_{0};
  std::atomic<uint64_t> generation_{0};
  bool stopped_ = false;
};

}  // namespace meshgate::server
