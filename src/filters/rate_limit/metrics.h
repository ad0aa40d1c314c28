// SPDX-License-Identifier: Apache-2.0
// The rate limit filter's metrics, one series of each per RateLimitPolicy. Registered at
// build time; the request path only increments its worker's shard. Depends on metrics.
#pragma once

#include <string>

#include "metrics/metrics.h"

namespace meshgate::filters::rate_limit {

inline constexpr const char* kAllowedTotal = "meshgate_ratelimit_allowed_total";
inline constexpr const char* kLimitedTotal = "meshgate_ratelimit_limited_total";
inline constexpr const char* kShadowLimitedTotal = "meshgate_ratelimit_shadow_limited_total";
inline constexpr const char* kDescriptorMissingTotal =
    "meshgate_ratelimit_descriptor_missing_total";

struct PolicyMetrics {
  /// Requests the policy let through (in shadow mode too).
  metrics::SeriesId allowed;
  /// Requests answered 429 by the policy.
  metrics::SeriesId limited;
  /// Requests a shadow-mode policy would have answered 429.
  metrics::SeriesId shadow_limited;
  /// Requests the policy targets that lacked one of its descriptor values (a header, a
  /// JWT claim), which the policy therefore did not count.
  metrics::SeriesId descriptor_missing;

  /// Registers (or finds) the series of policy `policy` ("namespace/name").
  static PolicyMetrics registerFor(metrics::Registry& registry, const std::string& policy) {
    const metrics::Labels labels = {{"policy", policy}};
    PolicyMetrics m;
    m.allowed = registry.counter(kAllowedTotal, "Requests allowed by a RateLimitPolicy.", labels);
    m.limited =
        registry.counter(kLimitedTotal, "Requests rejected with 429 by a RateLimitPolicy.", labels);
    m.shadow_limited = registry.counter(
        kShadowLimitedTotal,
        "Requests a RateLimitPolicy in shadow mode would have rejected (they were let through).",
        labels);
    m.descriptor_missing = registry.counter(
        kDescriptorMissingTotal,
        "Requests a RateLimitPolicy did not count because a descriptor value was missing.", labels);
    return m;
  }
};

}  // namespace meshgate::filters::rate_limit
