// SPDX-License-Identifier: Apache-2.0
// The jwt_authn filter's FilterConfigFactory: for each route, the RequestAuthentication
// policies that apply to its listener's workload, compiled into one immutable FilterConfig
// (rules sorted by issuer, Istio's requirement tree, token locations, metric ids). Rules,
// inline key sets and jwksUri providers are shared through SharedState, so unchanged rules
// keep their caches and keys across reloads. Depends on filter_api and the folder.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "filter_api/registry.h"
#include "filters/jwt_authn/authenticator.h"
#include "metrics/metrics.h"

namespace meshgate::filters::jwt_authn {

/// meshgate settings that Istio's RequestAuthentication has no field for, as annotations on
/// the policy (Go durations). They apply to every rule of the policy.
/// Tolerance for exp/nbf (Envoy's clock_skew_seconds; default 60s).
inline constexpr std::string_view kClockSkewAnnotation = "meshgate.io/jwt-clock-skew";
/// Time between fetches of a jwksUri that succeeded (default 20m, istiod's
/// PILOT_JWT_PUB_KEY_REFRESH_INTERVAL). Failures are retried sooner, with backoff.
inline constexpr std::string_view kRefreshIntervalAnnotation = "meshgate.io/jwks-refresh-interval";

inline constexpr auto kDefaultClockSkew = std::chrono::seconds(60);
inline constexpr auto kDefaultRefreshInterval = std::chrono::minutes(20);

/// Metric series of one listener.
struct FilterMetrics {
  metrics::SeriesId allowed;
  metrics::SeriesId missing;
  metrics::SeriesId cors_bypassed;
  metrics::SeriesId cache_hits;
  metrics::SeriesId cache_misses;
  metrics::SeriesId waits;
  /// By JwtStatus value; invalid for statuses that are not denial reasons.
  std::array<metrics::SeriesId, 256> denied;
};

/// What one route's filter instances share. Immutable.
struct FilterConfig {
  AuthnPolicy policy;
  FilterMetrics metrics;
  /// "ns/name" of every policy that applies, for logs.
  std::string policies;
};

class JwtAuthnConfigFactory final : public filter_api::FilterConfigFactory {
 public:
  std::string_view name() const override { return "jwt_authn"; }
  int order() const override { return filter_api::order::kAuthn; }
  base::Result<std::shared_ptr<const filter_api::FilterFactory>> build(
      const filter_api::ChainSite& site, filter_api::BuildServices& services) const override;

  /// The compiled config for `site`, or null when no rule applies (what build() wraps).
  static base::Result<std::shared_ptr<const FilterConfig>> compile(
      const filter_api::ChainSite& site, filter_api::BuildServices& services);
};

/// Registers the filter type with filter_api (filters::registerBuiltinFilters calls it).
void registerJwtAuthnFilter();

}  // namespace meshgate::filters::jwt_authn
