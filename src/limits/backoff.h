// SPDX-License-Identifier: Apache-2.0
// ExponentialBackoff with full jitter (Envoy's retry back-off), and a small per-worker random
// source. Pure: the caller supplies randomness and schedules the timer. Depends on std.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/result.h"

namespace meshgate::limits {

/// SplitMix64 (Steele, Lea & Flood, 2014): a fast, well-mixed 64-bit generator. Not
/// cryptographic and not thread-safe; give each worker its own.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  /// Seeded from the OS random source.
  static SplitMix64 fromRandomDevice();
  uint64_t next();
  /// Uniform in [0, bound) (bound > 0), without modulo bias.
  uint64_t below(uint64_t bound);

 private:
  uint64_t state_;
};

struct BackoffConfig {
  /// Envoy's retry_back_off.base_interval default.
  std::chrono::nanoseconds base_interval = std::chrono::milliseconds(25);
  /// Envoy's default is 10 × base_interval; zero here means exactly that.
  std::chrono::nanoseconds max_interval{0};
};

/// base_interval must be positive and max_interval, when set, at least base_interval.
base::Status validateBackoffConfig(const BackoffConfig& config);

/// Full jitter, as Envoy's JitteredExponentialBackOffStrategy: the k-th wait (k = 1, 2, ...)
/// is uniform in [0, min(base × 2^(k-1), max)), so retries of many clients spread out
/// instead of arriving together. One per request (it counts that request's retries).
class ExponentialBackoff {
 public:
  explicit ExponentialBackoff(const BackoffConfig& config);

  /// The next wait, drawing from `random`.
  std::chrono::nanoseconds next(SplitMix64& random);
  /// Starts again from base_interval (e.g. after a success).
  void reset() { interval_ = base_; }
  /// The upper bound of the next wait.
  std::chrono::nanoseconds currentInterval() const { return interval_; }

 private:
  std::chrono::nanoseconds base_;
  std::chrono::nanoseconds max_;
  std::chrono::nanoseconds interval_;
};

}  // namespace meshgate::limits
