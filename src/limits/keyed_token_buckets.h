// SPDX-License-Identifier: Apache-2.0
// KeyedTokenBuckets: one token bucket per descriptor value (header value, client IP, JWT
// claim, path), in a fixed-size lock-free table shared by every worker. A flood of distinct
// keys evicts idle keys and never grows memory. Pure and clock-driven. Depends on base.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "base/clock.h"
#include "limits/sip_hash.h"
#include "limits/token_bucket.h"

namespace meshgate::limits {

struct KeyedTokenBucketsConfig {
  /// The bucket every key gets.
  TokenBucketConfig bucket;
  /// Keys tracked at once. The table holds the next power of two at or above this (minimum
  /// 16), 16 bytes per slot, allocated once.
  size_t max_keys = 65536;
};

/// Checks the bucket config and that max_keys is between 1 and 2^24 (a 256 MiB table).
base::Status validateKeyedTokenBucketsConfig(const KeyedTokenBucketsConfig& config);

/// Thread-safe and lock-free. Keys are stored as 64-bit SipHash values under a random key, so
/// two keys share a bucket only by a 2^-64 chance that no client can steer.
///
/// A key lives in one of 8 slots starting at its hash. When all 8 hold other keys, the most
/// idle one gives way: a full bucket first (forgetting a full bucket loses nothing), else the
/// one closest to full, which then restarts full (counted in stats().active_evictions: a sign
/// that max_keys is too small for the traffic). Two workers adding the same new key at the
/// same instant can, rarely, give it two slots; the spare one is idle and is reclaimed.
class KeyedTokenBuckets {
 public:
  struct Stats {
    uint64_t inserts = 0;
    /// Keys dropped because their bucket was full: lossless.
    uint64_t idle_evictions = 0;
    /// Keys dropped while their bucket still had tokens missing: that key restarts full.
    uint64_t active_evictions = 0;
  };

  /// `config` must pass validateKeyedTokenBucketsConfig. `hash_key` is for tests; production
  /// callers leave it random.
  KeyedTokenBuckets(const KeyedTokenBucketsConfig& config, base::MonoTime now,
                    SipHashKey hash_key = SipHashKey::random());

  /// TokenBucket::tryAcquire for the bucket of `key`.
  RateLimitDecision tryAcquire(std::string_view key, uint64_t n, base::MonoTime now);
  RateLimitDecision tryAcquire(std::string_view key, uint64_t n, const base::Clock& clock) {
    return tryAcquire(key, n, clock.monotonicNow());
  }

  /// Slots in the table.
  size_t capacity() const { return mask_ + 1; }
  /// Slots holding a key (a scan; for tests and metrics, not the request path).
  size_t trackedKeys() const;
  Stats stats() const;

 private:
  static constexpr size_t kProbe = 8;

  // A slot's hash is 0 while never used and kClaiming while a worker hands it to a new key.
  static constexpr uint64_t kClaiming = ~uint64_t{0};
  struct Slot {
    std::atomic<uint64_t> hash{0};
    std::atomic<int64_t> tat{0};
  };

  Slot& slot(uint64_t hash, size_t i) const { return slots_[(hash + i) & mask_]; }
  // Takes tokens from `s` while it still holds `hash`; nullopt when the key moved away.
  std::optional<RateLimitDecision> acquireIn(Slot& s, uint64_t hash, uint64_t n, int64_t now_units);

  KeyedTokenBucketsConfig config_;
  GcraRate rate_;
  SipHashKey hash_key_;
  size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint64_t> inserts_{0};
  std::atomic<uint64_t> idle_evictions_{0};
  std::atomic<uint64_t> active_evictions_{0};
};

}  // namespace meshgate::limits
