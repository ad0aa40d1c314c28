// SPDX-License-Identifier: Apache-2.0
// The token buckets of one RateLimitPolicy: a single bucket, or one per descriptor value.
// Shared by every worker (lock-free, see limits/) and kept across config reloads while the
// policy's limit and descriptors stay the same. Depends on config, limits.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "config/meshgate_kinds.h"
#include "limits/keyed_token_buckets.h"
#include "limits/token_bucket.h"

namespace meshgate::filters::rate_limit {

/// Keys a keyed policy tracks at once (16 bytes each: 1 MiB per policy). Past this, idle
/// keys are forgotten first (see limits::KeyedTokenBuckets).
inline constexpr size_t kMaxKeysPerPolicy = 65536;

/// The bucket shape of a RateLimit: `burst` tokens, refilled at requestsPerUnit per unit.
limits::TokenBucketConfig bucketConfigFor(const config::RateLimit& limit);

/// True when some descriptor varies per request (anything but genericKey): the policy then
/// needs one bucket per descriptor value.
bool isKeyed(const config::RateLimitPolicy& policy);

/// The SharedState key of a policy's buckets. It names the policy and spells out its limit
/// and descriptors, so a reload that keeps them finds the same buckets (no fresh burst) and
/// one that changes them gets new, full ones.
std::string bucketStateKey(const config::RateLimitPolicy& policy);

/// Thread-safe: tryAcquire may be called from every worker at once.
class PolicyBuckets {
 public:
  /// `config` must pass limits::validateTokenBucketConfig.
  PolicyBuckets(const limits::TokenBucketConfig& config, bool keyed, base::MonoTime now);

  /// Takes one token from the bucket of `key` (ignored for a single bucket).
  limits::RateLimitDecision tryAcquire(std::string_view key, base::MonoTime now) {
    return keyed_ ? keyed_->tryAcquire(key, 1, now) : single_->tryAcquire(1, now);
  }
  bool keyed() const { return keyed_ != nullptr; }
  /// The keyed table, or null for a single bucket (stats, tests).
  const limits::KeyedTokenBuckets* keyedTable() const { return keyed_.get(); }

 private:
  std::unique_ptr<limits::TokenBucket> single_;
  std::unique_ptr<limits::KeyedTokenBuckets> keyed_;
};

}  // namespace meshgate::filters::rate_limit
