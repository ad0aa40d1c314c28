// SPDX-License-Identifier: Apache-2.0
// The lock-free keyed bucket table. Depends on base.
#include "limits/keyed_token_buckets.h"

#include <limits>

namespace meshgate::limits {
namespace {

size_t tableSize(size_t max_keys) {
  size_t size = 16;
  while (size < max_keys)
    size <<= 1;
  return size;
}

constexpr size_t kMaxKeys = size_t{1} << 24;

}  // namespace

base::Status validateKeyedTokenBucketsConfig(const KeyedTokenBucketsConfig& config) {
  MG_RETURN_IF_ERROR(validateTokenBucketConfig(config.bucket));
  if (config.max_keys == 0 || config.max_keys > kMaxKeys) {
    return base::Error{"max_keys must be between 1 and 16777216"};
  }
  return base::okStatus();
}

KeyedTokenBuckets::KeyedTokenBuckets(const KeyedTokenBucketsConfig& config, base::MonoTime now,
                                     SipHashKey hash_key)
    : config_(config),
      rate_(config.bucket, now),
      hash_key_(hash_key),
      mask_(tableSize(config.max_keys) - 1),
      slots_(new Slot[mask_ + 1]) {
  MG_ASSERT(validateKeyedTokenBucketsConfig(config).ok(), "invalid keyed token bucket config");
}

std::optional<RateLimitDecision> KeyedTokenBuckets::acquireIn(Slot& s, uint64_t hash, uint64_t n,
                                                              int64_t now_units) {
  // The hash is checked before the TAT is read (acquire pairs with the release that
  // published a claimed slot, after its TAT was reset), and again after every lost race, so
  // tokens are only taken from a bucket that belongs to `hash`.
  if (s.hash.load(std::memory_order_acquire) != hash) return std::nullopt;
  int64_t tat = s.tat.load(std::memory_order_relaxed);
  for (;;) {
    GcraRate::Step st = rate_.step(tat, now_units, n);
    if (!st.allowed || st.new_tat == tat) return st.decision;
    if (s.tat.compare_exchange_weak(tat, st.new_tat, std::memory_order_relaxed)) {
      return st.decision;
    }
    if (s.hash.load(std::memory_order_acquire) != hash) return std::nullopt;
  }
}

RateLimitDecision KeyedTokenBuckets::tryAcquire(std::string_view key, uint64_t n,
                                                base::MonoTime now) {
  uint64_t hash = sipHash24(hash_key_, key);
  if (hash == 0 || hash == kClaiming) hash = 1;
  const int64_t now_units = rate_.units(now);

  // Each round either answers or lost a race to another worker that changed the table; a few
  // rounds settle any realistic contention.
  for (int round = 0; round < 4; ++round) {
    Slot* found = nullptr;
    for (size_t i = 0; i < kProbe && !found; ++i) {
      if (slot(hash, i).hash.load(std::memory_order_acquire) == hash) found = &slot(hash, i);
    }
    if (found) {
      if (auto decision = acquireIn(*found, hash, n, now_units)) return *decision;
      continue;
    }

    // Not tracked: take a never-used slot, else the most idle one (smallest TAT).
    Slot* victim = nullptr;
    uint64_t victim_hash = 0;
    int64_t victim_tat = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < kProbe; ++i) {
      Slot& s = slot(hash, i);
      uint64_t h = s.hash.load(std::memory_order_acquire);
      if (h == 0) {
        victim = &s;
        victim_hash = 0;
        break;
      }
      if (h == kClaiming) continue;
      int64_t t = s.tat.load(std::memory_order_relaxed);
      if (t < victim_tat) {
        victim = &s;
        victim_hash = h;
        victim_tat = t;
      }
    }
    if (!victim ||
        !victim->hash.compare_exchange_strong(victim_hash, kClaiming, std::memory_order_acq_rel)) {
      continue;
    }
    if (victim_hash == 0) {
      inserts_.fetch_add(1, std::memory_order_relaxed);
    } else if (rate_.isFull(victim->tat.load(std::memory_order_relaxed), now_units)) {
      inserts_.fetch_add(1, std::memory_order_relaxed);
      idle_evictions_.fetch_add(1, std::memory_order_relaxed);
    } else {
      inserts_.fetch_add(1, std::memory_order_relaxed);
      active_evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    // The new key starts with a full bucket. A worker still taking tokens for the old key can
    // move the TAT until it sees kClaiming; keep resetting until the reset sticks.
    int64_t t = victim->tat.load(std::memory_order_relaxed);
    const int64_t full = rate_.fullTat(now_units);
    while (t > full && !victim->tat.compare_exchange_weak(t, full, std::memory_order_relaxed)) {
    }
    victim->hash.store(hash, std::memory_order_release);
    if (auto decision = acquireIn(*victim, hash, n, now_units)) return *decision;
  }
  // Still racing after every round: answer as a new key's full bucket would, untracked.
  return rate_.step(rate_.fullTat(now_units), now_units, n).decision;
}

size_t KeyedTokenBuckets::trackedKeys() const {
  size_t count = 0;
  for (size_t i = 0; i <= mask_; ++i) {
    uint64_t h = slots_[i].hash.load(std::memory_order_relaxed);
    if (h != 0 && h != kClaiming) ++count;
  }
  return count;
}

KeyedTokenBuckets::Stats KeyedTokenBuckets::stats() const {
  Stats s;
  s.inserts = inserts_.load(std::memory_order_relaxed);
  s.idle_evictions = idle_evictions_.load(std::memory_order_relaxed);
  s.active_evictions = active_evictions_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace meshgate::limits
