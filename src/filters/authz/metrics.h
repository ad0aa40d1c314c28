// SPDX-License-Identifier: Apache-2.0
// The authorization filter's metrics (every series is registered per route
// when a config generation is built). Depends on std only.
#pragma once

#include <string_view>

namespace meshgate::filters::authz::metric {

/// {listener, route}
inline constexpr std::string_view kAllowed = "meshgate_authz_allowed_total";
inline constexpr std::string_view kAllowedHelp =
    "Requests the authorization filter let through (no policy denied them).";

/// {listener, route, action, policy}: action is CUSTOM, DENY or ALLOW; policy is
/// the "ns/name" that denied, or "" for ALLOW when no ALLOW policy matched.
inline constexpr std::string_view kDenied = "meshgate_authz_denied_total";
inline constexpr std::string_view kDeniedHelp =
    "Requests denied by authorization, by the action and policy that denied them.";

/// {listener, route, policy}
inline constexpr std::string_view kAudited = "meshgate_authz_audited_total";
inline constexpr std::string_view kAuditedHelp = "Requests matched by an AUDIT policy.";

/// {listener, route, provider, result}: result is allowed, denied or error.
inline constexpr std::string_view kCustomChecks = "meshgate_authz_custom_checks_total";
inline constexpr std::string_view kCustomChecksHelp =
    "Decisions asked of CUSTOM providers, by provider and result.";

/// {listener, route, provider, reason}: reason is no_authorizer or error.
inline constexpr std::string_view kCustomErrors = "meshgate_authz_custom_errors_total";
inline constexpr std::string_view kCustomErrorsHelp =
    "CUSTOM provider failures: no authorizer for the provider, or an error while deciding "
    "(the request is denied unless the PolicyProvider sets failOpen).";

/// {listener, route, action, result}: action is CUSTOM, DENY or ALLOW; result is
/// allowed or denied (what the dry-run policies would have done).
inline constexpr std::string_view kDryRun = "meshgate_authz_dry_run_total";
inline constexpr std::string_view kDryRunHelp =
    "Results of istio.io/dry-run policies, which are evaluated and never enforced.";

}  // namespace meshgate::filters::authz::metric
