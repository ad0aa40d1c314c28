// SPDX-License-Identifier: Apache-2.0
// The rate limit filter's configuration: which RateLimitPolicies apply to a route (decided
// once per config generation), compiled into an immutable per-route config, and the
// FilterConfigFactory that registers the filter. Depends on filter_api, config, limits.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/meshgate_kinds.h"
#include "filter_api/registry.h"
#include "filters/rate_limit/metrics.h"
#include "filters/rate_limit/policy_buckets.h"

namespace meshgate::filters::rate_limit {

/// A descriptor whose value comes from the request (genericKey values are constant and only
/// name the bucket set, so they are not compiled).
struct CompiledDescriptor {
  config::RateLimitDescriptor::Kind kind = config::RateLimitDescriptor::Kind::Header;
  /// Header: the lower-cased name.
  std::string header;
  /// JwtClaim: the claim path, "a.b" split at dots (nested claims, as Istio).
  std::vector<std::string> claim_path;
  /// JwtClaim written with dots: the whole name, tried as one top-level claim when the
  /// nested path finds nothing (claims such as "https://example.com/roles").
  std::vector<std::string> claim_literal;
};

/// A hosts/path target, checked for each request of a route it may select.
struct RequestMatch {
  /// Istio host patterns, qualified with the policy's namespace; empty: any host (or every
  /// host the route serves is covered, so there is nothing to check).
  std::vector<std::string> hosts;
  std::optional<config::StringMatch> path;
};

/// One RateLimitPolicy as it applies to one route.
struct CompiledPolicy {
  std::string name;  // "namespace/name"
  std::shared_ptr<PolicyBuckets> buckets;
  std::vector<CompiledDescriptor> descriptors;
  /// A target selects every request of the route; otherwise `matches` decide (any of them).
  bool every_request = false;
  std::vector<RequestMatch> matches;
  bool shadow_mode = false;
  bool response_headers = true;
  /// Tokens per second, for ordering (most restrictive first).
  double rate = 0;
  uint64_t burst = 0;
  PolicyMetrics metrics;
};

/// The policies of one route for one config generation. Immutable; shared by every worker.
class RouteRateLimits {
 public:
  /// `policies`: enforced ones first, most restrictive (lowest rate) first, then the
  /// shadow-mode ones.
  explicit RouteRateLimits(std::vector<CompiledPolicy> policies);
  const std::vector<CompiledPolicy>& policies() const { return policies_; }

 private:
  std::vector<CompiledPolicy> policies_;
};

/// Which policies of `site.config` apply to the route of `site`, compiled; null when none
/// does. Bucket objects come from `services.shared` (kept across generations). Errors name
/// the policy (a limit the bucket arithmetic cannot hold).
base::Result<std::shared_ptr<const RouteRateLimits>> compileRouteRateLimits(
    const filter_api::ChainSite& site, filter_api::BuildServices& services);

/// Whether a RateLimitPolicy target selects the route of `site`, for every request
/// (nullopt: not at all; a RequestMatch with empty hosts and no path: every request).
std::optional<RequestMatch> targetSelects(const config::RateLimitTarget& target,
                                          const config::RateLimitPolicy& policy,
                                          const filter_api::ChainSite& site);

class RateLimitConfigFactory final : public filter_api::FilterConfigFactory {
 public:
  std::string_view name() const override { return "rate_limit"; }
  int order() const override { return filter_api::order::kRateLimit; }
  base::Result<std::shared_ptr<const filter_api::FilterFactory>> build(
      const filter_api::ChainSite& site, filter_api::BuildServices& services) const override;
};

/// Registers the filter type with filter_api (idempotent).
void registerRateLimitFilter();

}  // namespace meshgate::filters::rate_limit
