// SPDX-License-Identifier: Apache-2.0
// GCRA arithmetic and the lock-free shared bucket. Depends on base.
#include "limits/token_bucket.h"

#include <limits>
#include <string>

namespace meshgate::limits {
namespace {

// Units are 2^-shift ns with shift <= kMaxShift, so a bucket's clock (2^63 units) runs for
// 2^61 ns, 73 years, and never wraps. Within that, the shift grows until a token's interval
// has kMinIntervalUnits, which keeps the round-up of the interval below 2^-14 of the rate up
// to 400 000 tokens/s and below 0.025% up to 10^6 tokens/s.
constexpr int kMaxShift = 2;
constexpr unsigned __int128 kMinIntervalUnits = 1u << 14;
constexpr unsigned __int128 kMaxTauUnits = uint64_t{1} << 61;
constexpr int64_t kMaxElapsedNs = (int64_t{1} << 61) - 1;

struct Scale {
  int shift;
  uint64_t interval;
};

// The smallest shift whose interval has kMinIntervalUnits, and that interval rounded up.
Scale scaleFor(const TokenBucketConfig& c) {
  auto fill_ns = static_cast<unsigned __int128>(c.fill_interval.count());
  for (int shift = 0;; ++shift) {
    unsigned __int128 scaled = fill_ns << shift;
    unsigned __int128 interval = (scaled + c.tokens_per_fill - 1) / c.tokens_per_fill;
    if (interval >= kMinIntervalUnits || shift == kMaxShift) {
      return Scale{shift, static_cast<uint64_t>(interval)};
    }
  }
}

uint64_t ceilSeconds(std::chrono::nanoseconds d) {
  if (d.count() <= 0) return 0;
  return static_cast<uint64_t>((d.count() + 999'999'999) / 1'000'000'000);
}

}  // namespace

base::Status validateTokenBucketConfig(const TokenBucketConfig& c) {
  if (c.max_tokens == 0) return base::Error{"max_tokens must be at least 1"};
  if (c.tokens_per_fill == 0) return base::Error{"tokens_per_fill must be at least 1"};
  if (c.fill_interval.count() <= 0) return base::Error{"fill_interval must be positive"};
  // At most one token per nanosecond: 10^9 per second is far beyond any one process.
  if (c.tokens_per_fill > static_cast<uint64_t>(c.fill_interval.count())) {
    return base::Error{"rate above 1e9 tokens per second"};
  }
  Scale s = scaleFor(c);
  if (static_cast<unsigned __int128>(s.interval) * c.max_tokens >= kMaxTauUnits) {
    return base::Error{"max_tokens takes too long to refill at this rate"};
  }
  return base::okStatus();
}

uint64_t RateLimitDecision::resetSeconds() const {
  return ceilSeconds(reset);
}

uint64_t RateLimitDecision::retryAfterSeconds() const {
  if (allowed) return 0;
  uint64_t s = ceilSeconds(retry_after);
  return s == 0 ? 1 : s;
}

GcraRate::GcraRate(const TokenBucketConfig& config, base::MonoTime epoch)
    : epoch_(epoch), max_tokens_(config.max_tokens) {
  MG_ASSERT(validateTokenBucketConfig(config).ok(), "invalid token bucket config");
  Scale s = scaleFor(config);
  shift_ = s.shift;
  interval_ = static_cast<int64_t>(s.interval);
  tau_ = interval_ * static_cast<int64_t>(max_tokens_);
}

int64_t GcraRate::units(base::MonoTime now) const {
  int64_t ns = (now - epoch_).count();
  // A worker may read the clock just before the bucket was made; that is time zero.
  if (ns < 0) ns = 0;
  if (ns > kMaxElapsedNs) ns = kMaxElapsedNs;
  return ns << shift_;
}

bool GcraRate::isFull(int64_t tat, int64_t now_units) const {
  return tat <= now_units;
}

std::chrono::nanoseconds GcraRate::toDurationCeil(int64_t units) const {
  int64_t ns = (units >> shift_) + ((units & ((int64_t{1} << shift_) - 1)) ? 1 : 0);
  return std::chrono::nanoseconds(ns);
}

GcraRate::Step GcraRate::step(int64_t tat, int64_t now_units, uint64_t n) const {
  // How far the TAT is ahead of now: 0 for a full bucket, tau_ for an empty one. A worker
  // whose clock reading is older than the one that last moved the TAT can see more than
  // tau_: that is an empty bucket (treating it as full would give tokens back).
  int64_t diff = tat - now_units;
  if (diff < 0) diff = 0;
  if (diff > tau_) diff = tau_;
  Step st{false, tat, {}};
  st.decision.limit = max_tokens_;
  if (n > max_tokens_) {
    st.decision.remaining = static_cast<uint64_t>((tau_ - diff) / interval_);
    st.decision.reset = toDurationCeil(diff);
    st.decision.retry_after = toDurationCeil(tau_);
    return st;
  }
  // n <= max_tokens_, so this is at most 2 * tau_ < 2^62.
  int64_t after = diff + static_cast<int64_t>(n) * interval_;
  if (after <= tau_) {
    st.allowed = true;
    st.new_tat = n == 0 ? tat : now_units + after;
    st.decision.allowed = true;
    st.decision.remaining = static_cast<uint64_t>((tau_ - after) / interval_);
    st.decision.reset = toDurationCeil(after);
    return st;
  }
  st.decision.remaining = static_cast<uint64_t>((tau_ - diff) / interval_);
  st.decision.reset = toDurationCeil(diff);
  st.decision.retry_after = toDurationCeil(after - tau_);
  return st;
}

TokenBucket::TokenBucket(const TokenBucketConfig& config, base::MonoTime now)
    : config_(config), rate_(config, now), tat_(rate_.fullTat(rate_.units(now))) {}

RateLimitDecision TokenBucket::tryAcquire(uint64_t n, base::MonoTime now) {
  const int64_t now_units = rate_.units(now);
  int64_t tat = tat_.load(std::memory_order_relaxed);
  // Lock-free: a failed exchange means another worker took tokens, so the loop only repeats
  // while others make progress. Relaxed order suffices: the TAT is the only shared state.
  for (;;) {
    GcraRate::Step st = rate_.step(tat, now_units, n);
    if (!st.allowed || st.new_tat == tat) return st.decision;
    if (tat_.compare_exchange_weak(tat, st.new_tat, std::memory_order_relaxed)) {
      return st.decision;
    }
  }
}

uint64_t TokenBucket::available(base::MonoTime now) const {
  return rate_.step(tat_.load(std::memory_order_relaxed), rate_.units(now), 0).decision.remaining;
}

}  // namespace meshgate::limits
