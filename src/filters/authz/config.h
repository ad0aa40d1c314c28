// SPDX-License-Identifier: Apache-2.0
// The authz filter's FilterConfigFactory: for each route of a config generation
// it selects the AuthorizationPolicies that apply to the route's workload,
// compiles them into a PolicyEngine, binds CUSTOM providers to their
// authorizers and registers the metrics. The result is immutable and shared by
// every worker. Depends on filter_api and filters/authz.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/meshgate_kinds.h"
#include "filter_api/registry.h"
#include "filters/authz/custom_authorizer.h"
#include "filters/authz/engine.h"
#include "metrics/metrics.h"

namespace meshgate::filters::authz {

/// A CUSTOM provider as one route uses it.
struct ProviderBinding {
  config::PolicyProvider provider;
  /// Null when no factory is registered for the provider: its CUSTOM policies
  /// deny what they select (fail closed).
  std::shared_ptr<const CustomAuthorizer> authorizer;
  metrics::SeriesId checks_allowed, checks_denied, checks_error;
  metrics::SeriesId errors_no_authorizer, errors_eval;
};

/// Everything one route's authz filters need; immutable after build.
class AuthzConfig {
 public:
  std::string listener;
  std::string route;
  std::unique_ptr<PolicyEngine> engine;
  /// The listener's caseInsensitiveMatching: paths are matched lower-cased.
  bool case_insensitive_paths = false;
  /// Parallel to engine->customGroups().
  std::vector<ProviderBinding> providers;

  metrics::SeriesId allowed;
  metrics::SeriesId denied_no_allow;
  /// Parallel to engine->policies(): denied (DENY, CUSTOM) and audited (AUDIT).
  std::vector<metrics::SeriesId> denied_by_policy;
  std::vector<metrics::SeriesId> audited_by_policy;
  /// [action: 0 CUSTOM, 1 DENY, 2 ALLOW][result: 0 allowed, 1 denied].
  std::array<std::array<metrics::SeriesId, 2>, 3> dry_run{};

  /// The index of `policy` in engine->policies().
  size_t indexOf(const CompiledPolicy* policy) const {
    return static_cast<size_t>(policy - engine->policies().data());
  }

  /// Rate limit for the "no authorizer" log line (monotonic ns of the last one).
  mutable std::atomic<int64_t> last_no_authorizer_log{INT64_MIN};
};

/// Builds an AuthzConfig for `site`; null when no AuthorizationPolicy applies.
base::Result<std::shared_ptr<const AuthzConfig>> buildAuthzConfig(
    const filter_api::ChainSite& site, filter_api::BuildServices& services);

class AuthzConfigFactory final : public filter_api::FilterConfigFactory {
 public:
  std::string_view name() const override { return "authz"; }
  int order() const override { return filter_api::order::kAuthz; }
  base::Result<std::shared_ptr<const filter_api::FilterFactory>> build(
      const filter_api::ChainSite& site, filter_api::BuildServices& services) const override;
};

/// Registers the authz filter with filter_api (filters::registerBuiltinFilters).
void registerAuthzFilter();

}  // namespace meshgate::filters::authz
