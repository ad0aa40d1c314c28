// SPDX-License-Identifier: Apache-2.0
// Jittered exponential back-off. Depends on base.
#include "limits/backoff.h"

#include <random>

namespace meshgate::limits {

SplitMix64 SplitMix64::fromRandomDevice() {
  std::random_device rd;
  return SplitMix64((uint64_t{rd()} << 32) ^ rd());
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t bound) {
  // Lemire's multiply-shift with rejection of the biased low region.
  uint64_t x = next();
  unsigned __int128 m = static_cast<unsigned __int128>(x) * bound;
  auto low = static_cast<uint64_t>(m);
  if (low < bound) {
    uint64_t threshold = -bound % bound;
    while (low < threshold) {
      x = next();
      m = static_cast<unsigned __int128>(x) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

base::Status validateBackoffConfig(const BackoffConfig& config) {
  if (config.base_interval.count() <= 0) return base::Error{"base_interval must be positive"};
  if (config.max_interval.count() != 0 && config.max_interval < config.base_interval) {
    return base::Error{"max_interval must not be less than base_interval"};
  }
  return base::okStatus();
}

ExponentialBackoff::ExponentialBackoff(const BackoffConfig& config)
    : base_(config.base_interval),
      max_(config.max_interval.count() != 0 ? config.max_interval : 10 * config.base_interval),
      interval_(base_) {
  MG_ASSERT(validateBackoffConfig(config).ok(), "invalid back-off config");
}

std::chrono::nanoseconds ExponentialBackoff::next(SplitMix64& random) {
  const std::chrono::nanoseconds bound = interval_;
  // Double until the cap; doubling past half of max would overshoot (or overflow).
  interval_ = interval_ < max_ / 2 ? interval_ * 2 : max_;
  return std::chrono::nanoseconds(
      static_cast<int64_t>(random.below(static_cast<uint64_t>(bound.count()))));
}

}  // namespace meshgate::limits
