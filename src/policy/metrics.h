// SPDX-License-Identifier: Apache-2.0
// The policy engine's metrics in the proxy (series are registered when a
// config generation is built). Depends on std only.
#pragma once

#include <string_view>

namespace meshgate::policy::metric {

/// {provider, result}: result is allow, deny or error.
inline constexpr std::string_view kDecisions = "meshgate_policy_decisions_total";
inline constexpr std::string_view kDecisionsHelp =
    "Policy decisions of PolicyProviders, by result (error: evaluation failed or the result "
    "was malformed; denied unless failOpen).";

/// {provider}
inline constexpr std::string_view kEvalDuration = "meshgate_policy_eval_duration_seconds";
inline constexpr std::string_view kEvalDurationHelp =
    "Time to build the input and evaluate the decision path, per decision.";

/// {bundle, result}: bundle is the directory; result is success or failure. Counts
/// compilations, not reloads that found the bundle unchanged (those reuse the
/// compiled bundle, also when several providers share it).
inline constexpr std::string_view kBundleLoads = "meshgate_policy_bundle_loads_total";
inline constexpr std::string_view kBundleLoadsHelp =
    "Bundle compilations by result (a failure rejects the config generation).";

/// {provider, revision}: 1 for the revision of the provider's bundle in the most
/// recently built config generation.
inline constexpr std::string_view kBundleInfo = "meshgate_policy_bundle_info";
inline constexpr std::string_view kBundleInfoHelp =
    "The bundle revision (manifest revision, else a content hash) compiled for a provider.";

}  // namespace meshgate::policy::metric
