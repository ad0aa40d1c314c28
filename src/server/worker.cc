// SPDX-License-Identifier: Apache-2.0
#include "server/worker.h"

#include <pthread.h>
#include <unistd.h>

#include "base/log.h"
#include "proxy/connection_manager.h"

namespace meshgate::server {

namespace {
constexpr auto kHousekeepingPeriod = std::chrono::milliseconds(100);
}

Worker::Worker(uint32_t id, metrics::Registry& registry, base::Duration busy_poll) : id_(id) {
  loop_.setBusyPoll(busy_poll);
  empty_polls_metric_ = registry.counter(
      "meshgate_worker_empty_polls_total",
      "Busy polls (run --busy-poll) that found no event: the CPU price of busy polling");
  ctx_ = std::make_unique<proxy::WorkerContext>(loop_, registry, id);
}

Worker::~Worker() {
  stop();
  // Connections and listeners die with the loop's deferred deletions; the
  // context (pools, shard) last.
  listeners_.clear();
  housekeeping_timer_.reset();
  ctx_.reset();
}

void Worker::start(std::shared_ptr<const proxy::Snapshot> snapshot,
                   std::vector<ListenerBinding> listeners) {
  thread_ = std::thread(
      [this, snapshot = std::move(snapshot), listeners = std::move(listeners)]() mutable {
        char name[16];
        std::snprintf(name, sizeof name, "mg-worker-%u", id_);
        ::pthread_setname_np(::pthread_self(), name);
        ctx_->setSnapshot(snapshot);
        generation_.store(snapshot->generation, std::memory_order_relaxed);
        applyListeners(std::move(listeners));
        housekeeping_timer_ = std::make_unique<event::Timer>(loop_, [this] { housekeeping(); });
        housekeeping_timer_->arm(kHousekeepingPeriod);
        loop_.run();
        // Shutting down: close what is left on this thread, where it lives.
        ctx_->closeAll();
        for (auto& [id, b] : listeners_)
          b.listener->close();
        loop_.runOnce(std::chrono::milliseconds(0));
        ctx_->flushAccessLog();
      });
}

void Worker::update(std::shared_ptr<const proxy::Snapshot> snapshot,
                    std::vector<ListenerBinding> listeners) {
  loop_.post([this, snapshot = std::move(snapshot), listeners = std::move(listeners)]() mutable {
    ctx_->setSnapshot(snapshot);
    generation_.store(snapshot->generation, std::memory_order_relaxed);
    applyListeners(std::move(listeners));
  });
}

void Worker::applyListeners(std::vector<ListenerBinding> listeners) {
  std::map<int, Bound> next;
  for (ListenerBinding& b : listeners) {
    auto it = listeners_.find(b.socket_id);
    if (it != listeners_.end()) {
      // Same socket: keep accepting on the fd we have, under its (new) name.
      ::close(b.fd);
      it->second.name = b.name;
      next.emplace(b.socket_id, std::move(it->second));
      listeners_.erase(it);
      continue;
    }
    const int socket_id = b.socket_id;
    auto l = std::make_unique<net::Listener>(
        loop_, b.fd, [this, socket_id](int fd) { onAccept(socket_id, fd); });
    auto st = l->start();
    if (!st.ok()) {
      MG_LOG(Error) << "worker " << id_ << ": cannot watch listener " << b.name << ": "
                    << st.error().describe();
      continue;
    }
    next.emplace(socket_id, Bound{b.name, std::move(l)});
  }
  // Listeners no longer configured: stop accepting (their connections live on).
  for (auto& [id, b] : listeners_)
    b.listener->close();
  listeners_ = std::move(next);
}

void Worker::onAccept(int socket_id, int fd) {
  auto it = listeners_.find(socket_id);
  const proxy::ListenerSpec* spec = nullptr;
  if (it != listeners_.end() && ctx_->current()) {
    for (const auto& l : ctx_->current()->snapshot->listeners) {
      if (l->name == it->second.name) spec = l.get();
    }
  }
  if (!spec || ctx_->draining()) {
    ::close(fd);
    return;
  }
  auto* cm = new proxy::ConnectionManager(*ctx_, fd, *spec);
  cm->start();
  connections_.store(ctx_->connectionCount(), std::memory_order_relaxed);
}

void Worker::publishLoopStats() {
  connections_.store(ctx_->connectionCount(), std::memory_order_relaxed);
  const uint64_t polls = loop_.emptyPolls();
  ctx_->metrics().inc(empty_polls_metric_, polls - empty_polls_published_);
  empty_polls_published_ = polls;
}

void Worker::housekeeping() {
  publishLoopStats();
  ctx_->clusters().sweep();
  housekeeping_timer_->arm(kHousekeepingPeriod);
}

void Worker::drain() {
  loop_.post([this] {
    for (auto& [id, b] : listeners_)
      b.listener->close();
    ctx_->startDrain();
    publishLoopStats();
  });
}

void Worker::closeAll() {
  loop_.post([this] {
    ctx_->closeAll();
    publishLoopStats();
  });
}

void Worker::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    loop_.stop();
    thread_.join();
  }
}

}  // namespace meshgate::server
