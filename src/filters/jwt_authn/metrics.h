// SPDX-License-Identifier: Apache-2.0
// Every metric of the JWT authentication filter. Request counters are registered per listener
// when a route's chain is built and updated on the worker's shard; key-set counters belong to
// the JwksProvider of each jwksUri and are updated on the main thread's shard.
// Depends on metrics/ and jwt/status.h.
#pragma once

#include <string>
#include <string_view>

#include "jwt/status.h"
#include "metrics/metrics.h"

namespace meshgate::filters::jwt_authn {

inline constexpr std::string_view kAllowedMetric = "meshgate_jwt_authn_allowed_total";
inline constexpr std::string_view kAllowedHelp =
    "Requests that carried a JWT which verified (RequestAuthentication), by listener.";
inline constexpr std::string_view kMissingMetric = "meshgate_jwt_authn_missing_total";
inline constexpr std::string_view kMissingHelp =
    "Requests without a JWT, passed on with no identity (Istio semantics), by listener.";
inline constexpr std::string_view kDeniedMetric = "meshgate_jwt_authn_denied_total";
inline constexpr std::string_view kDeniedHelp =
    "Requests rejected with 401/403 because of an invalid JWT, by listener and reason "
    "(the JwtStatus name, e.g. JwtExpired).";
inline constexpr std::string_view kCorsBypassMetric =
    "meshgate_jwt_authn_cors_preflight_bypassed_total";
inline constexpr std::string_view kCorsBypassHelp =
    "CORS preflight requests passed without JWT checks, by listener.";
inline constexpr std::string_view kCacheHitMetric = "meshgate_jwt_authn_jwt_cache_hits_total";
inline constexpr std::string_view kCacheHitHelp =
    "Tokens found in the per-worker verification cache (no signature check), by listener.";
inline constexpr std::string_view kCacheMissMetric = "meshgate_jwt_authn_jwt_cache_misses_total";
inline constexpr std::string_view kCacheMissHelp =
    "Tokens verified with a signature check (not in the verification cache), by listener.";
inline constexpr std::string_view kWaitMetric = "meshgate_jwt_authn_jwks_waits_total";
inline constexpr std::string_view kWaitHelp =
    "Requests that waited for the first fetch of a jwksUri, by listener.";
inline constexpr std::string_view kFetchMetric = "meshgate_jwt_authn_jwks_fetches_total";
inline constexpr std::string_view kFetchHelp =
    "Fetches of a jwksUri by result (ok: a usable key set; failed: transport, HTTP status or "
    "unusable content).";
inline constexpr std::string_view kKeysMetric = "meshgate_jwt_authn_jwks_keys";
inline constexpr std::string_view kKeysHelp = "Keys in the key set in use for a jwksUri.";

/// The reasons a request can be denied for (the `reason` label values): every token status
/// except Ok and JwtMissed, a token no key fits, and a key set that could not be fetched.
inline bool isDenialReason(jwt::JwtStatus s) {
  const std::string_view name = jwt::statusName(s);
  if (s == jwt::JwtStatus::Ok || s == jwt::JwtStatus::JwtMissed) return false;
  return name.substr(0, 3) == "Jwt" || s == jwt::JwtStatus::JwksKidAlgMismatch ||
         s == jwt::JwtStatus::JwksFetchFail;
}

}  // namespace meshgate::filters::jwt_authn
