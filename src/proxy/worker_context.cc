// SPDX-License-Identifier: Apache-2.0
#include "proxy/worker_context.h"

#include <algorithm>

#include "base/assert.h"
#include "proxy/connection_manager.h"

namespace meshgate::proxy {

WorkerContext::WorkerContext(event::EventLoop& loop, metrics::Registry& registry,
                             uint32_t worker_id)
    : loop_(loop),
      shard_(registry),
      clusters_(loop, shard_, 0x5eed0000u + worker_id * 7919u),
      date_(loop.clock()),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(worker_id) << 32)),
      worker_id_(worker_id) {}

WorkerContext::~WorkerContext() {
  access_log_.flush();
}

void WorkerContext::setSnapshot(std::shared_ptr<const Snapshot> snapshot) {
  auto g = std::make_unique<Generation>();
  g->snapshot = std::move(snapshot);
  Generation* previous = current_;
  current_ = g.get();
  generations_.push_back(std::move(g));
  std::vector<const upstream::Cluster*> clusters;
  for (const auto& c : current_->snapshot->clusters)
    clusters.push_back(c.get());
  clusters_.onGeneration(clusters);
  if (previous && previous->refs == 0) freeGeneration(previous);
}

void WorkerContext::release(Generation* g) {
  MG_ASSERT(g->refs > 0, "generation released more often than acquired");
  if (--g->refs == 0 && g != current_) freeGeneration(g);
}

void WorkerContext::freeGeneration(Generation* g) {
  std::vector<const upstream::Cluster*> clusters;
  for (const auto& c : g->snapshot->clusters)
    clusters.push_back(c.get());
  clusters_.onGenerationReleased(clusters);
  // Free on the next iteration: callers up the stack may still read from it.
  auto it = std::find_if(generations_.begin(), generations_.end(),
                         [g](const std::unique_ptr<Generation>& p) { return p.get() == g; });
  MG_ASSERT(it != generations_.end(), "unknown generation");
  struct Holder : event::DeferredDeletable {
    std::unique_ptr<Generation> g;
  };
  auto holder = std::make_unique<Holder>();
  holder->g = std::move(*it);
  generations_.erase(it);
  loop_.deferDelete(std::move(holder));
}

void WorkerContext::removeConnection(ConnectionManager* c) {
  auto it = std::find(connections_.begin(), connections_.end(), c);
  if (it != connections_.end()) {
    *it = connections_.back();
    connections_.pop_back();
  }
}

void WorkerContext::startDrain() {
  draining_ = true;
  std::vector<ConnectionManager*> conns = connections_;
  for (ConnectionManager* c : conns)
    c->drain();
  clusters_.drainAll();
}

void WorkerContext::closeAll() {
  std::vector<ConnectionManager*> conns = connections_;
  for (ConnectionManager* c : conns)
    c->abort();
}

void WorkerContext::scheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  loop_.defer([this] {
    flush_scheduled_ = false;
    access_log_.flush();
  });
}

void WorkerContext::newRequestId(char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng_();
  uint64_t b = rng_();
  // Version 4 (random) and variant 10xx, as RFC 9562 §5.4 specifies.
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  int pos = 0;
  for (int i = 0; i < 16; ++i) {
    const uint64_t word = i < 8 ? a : b;
    const int shift = (7 - (i % 8)) * 8;
    const unsigned byte = static_cast<unsigned>((word >> shift) & 0xFF);
    if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
    out[pos++] = kHex[byte >> 4];
    out[pos++] = kHex[byte & 15];
  }
}

}  // namespace meshgate::proxy
