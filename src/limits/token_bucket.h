// SPDX-License-Identifier: Apache-2.0
// TokenBucket: a process-wide rate limit shared by every worker without a lock (GCRA on one
// atomic word), plus the numbers the x-ratelimit-* and Retry-After headers need.
// Pure and clock-driven: no I/O, no threads. Depends on base.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "base/clock.h"
#include "base/result.h"

namespace meshgate::limits {

/// A bucket of `max_tokens` that gains `tokens_per_fill` every `fill_interval`, continuously
/// (a token every fill_interval / tokens_per_fill), the shape of Envoy's local rate limit.
struct TokenBucketConfig {
  uint64_t max_tokens = 1;
  uint64_t tokens_per_fill = 1;
  std::chrono::nanoseconds fill_interval = std::chrono::seconds(1);
};

/// Checks that a config is usable: every field positive, at most 10^9 tokens per second, and a
/// whole bucket refilled within the arithmetic's range (decades).
base::Status validateTokenBucketConfig(const TokenBucketConfig& config);

/// The answer to one request for tokens.
struct RateLimitDecision {
  bool allowed = false;
  /// The bucket size: x-ratelimit-limit.
  uint64_t limit = 0;
  /// Whole tokens left after this request: x-ratelimit-remaining.
  uint64_t remaining = 0;
  /// Time until the bucket is full again: x-ratelimit-reset.
  std::chrono::nanoseconds reset{0};
  /// When denied, time until the same request would be allowed (Retry-After); zero when
  /// allowed. A request for more than the bucket size can never be allowed: it gets the time
  /// to fill the bucket.
  std::chrono::nanoseconds retry_after{0};

  /// `reset` in whole seconds, rounded up (header values are integer seconds).
  uint64_t resetSeconds() const;
  /// `retry_after` in whole seconds, rounded up, at least 1 when denied.
  uint64_t retryAfterSeconds() const;
};

/// The fixed arithmetic of a bucket config. GCRA (the "generic cell rate algorithm", ITU-T
/// I.371) keeps one number per bucket, the theoretical arrival time (TAT): the time at which
/// the bucket would be full again. Taking n tokens moves it n intervals later; a request is
/// allowed when that does not put it more than a whole bucket (tau) past now. Times are
/// integers in units of 1, 1/2 or 1/4 ns from the bucket's epoch (73 years of range); a
/// token's interval is rounded up to a whole unit, so the rate is never exceeded and is exact
/// to 2^-14 up to 400 000 tokens/s (0.025% at 10^6/s).
class GcraRate {
 public:
  /// `config` must be valid. `epoch` is time zero for the bucket's arithmetic.
  GcraRate(const TokenBucketConfig& config, base::MonoTime epoch);

  /// Time since the epoch in bucket units (0 before the epoch).
  int64_t units(base::MonoTime now) const;

  struct Step {
    bool allowed;
    int64_t new_tat;  // equal to the old TAT when nothing changes
    RateLimitDecision decision;
  };
  /// What taking `n` tokens at `now_units` does to a bucket whose TAT is `tat`. Pure.
  Step step(int64_t tat, int64_t now_units, uint64_t n) const;

  /// The TAT of a full bucket at `now_units`.
  int64_t fullTat(int64_t now_units) const { return now_units; }
  /// Whether a bucket with this TAT is full at `now_units` (forgetting it loses nothing).
  bool isFull(int64_t tat, int64_t now_units) const;
  uint64_t maxTokens() const { return max_tokens_; }

 private:
  std::chrono::nanoseconds toDurationCeil(int64_t units) const;

  base::MonoTime epoch_;
  uint64_t max_tokens_;
  int shift_;
  int64_t interval_;  // units per token
  int64_t tau_;       // units to refill the whole bucket
};

/// One bucket shared by every worker of the process: tryAcquire is a compare-and-swap loop on
/// a single atomic word, so the limit holds exactly for the process however many threads
/// call it, and no thread ever blocks. A bucket starts full.
class TokenBucket {
 public:
  /// `config` must pass validateTokenBucketConfig.
  TokenBucket(const TokenBucketConfig& config, base::MonoTime now);
  TokenBucket(const TokenBucketConfig& config, const base::Clock& clock)
      : TokenBucket(config, clock.monotonicNow()) {}

  /// Takes `n` tokens if the bucket holds them; denial takes nothing. n = 0 only reports.
  /// `now` must come from one monotonic clock; calls may race with any `now` order.
  RateLimitDecision tryAcquire(uint64_t n, base::MonoTime now);
  RateLimitDecision tryAcquire(uint64_t n, const base::Clock& clock) {
    return tryAcquire(n, clock.monotonicNow());
  }

  /// Whole tokens available at `now`.
  uint64_t available(base::MonoTime now) const;
  const TokenBucketConfig& config() const { return config_; }

 private:
  TokenBucketConfig config_;
  GcraRate rate_;
  // Alone on its cache line: every worker writes it.
  alignas(64) std::atomic<int64_t> tat_;
};

}  // namespace meshgate::limits
