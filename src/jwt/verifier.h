// SPDX-License-Identifier: Apache-2.0
// JwtVerifier: the checks of one JWT rule (issuer, audiences, time claims, signature) with
// Envoy/Istio semantics, and an optional per-worker cache of verified tokens.
// Depends on base and jwt/; knows nothing of HTTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "jwt/jwk_set.h"
#include "jwt/jwt.h"
#include "jwt/status.h"

namespace meshgate::jwt {

class VerificationCache;

struct VerifyOptions {
  /// The token's `iss` must equal this. Empty accepts any issuer (Istio allows a rule with
  /// only a jwksUri).
  std::string issuer;
  /// The token's `aud` must contain one of these. Empty accepts any audience, or none: this
  /// is Istio's behaviour ("the service name will be accepted if audiences is empty" reaches
  /// Envoy as an empty list). Compared as Envoy does, ignoring an http:// or https:// prefix
  /// and one trailing '/'.
  std::vector<std::string> audiences;
  /// Tolerance for exp/nbf/iat (Envoy's clock_skew_seconds, default 60).
  std::chrono::seconds clock_skew{60};
  /// Reject tokens whose `iat` is later than now + skew.
  bool check_iat = false;
  /// Reject tokens without `exp` (Envoy's require_expiration).
  bool require_exp = false;
  /// Reject tokens that expire more than this after now, or never (Envoy's max_lifetime).
  std::optional<std::chrono::seconds> max_lifetime;
  JwtParseOptions parse;
};

/// The outcome of a verification. `jwt` is set only when `status` is Ok; it is immutable and
/// may be kept (and shared) for the rest of the request.
struct VerifyResult {
  JwtStatus status = JwtStatus::JwtVerificationFail;
  std::shared_ptr<const Jwt> jwt;
  /// True when the answer came from the cache, without a signature check.
  bool from_cache = false;
};

/// One rule's checks. Immutable after construction: build one per config generation and share
/// it between workers.
class JwtVerifier {
 public:
  explicit JwtVerifier(VerifyOptions options);

  const VerifyOptions& options() const { return options_; }
  /// Unique within the process; a VerificationCache is bound to one verifier.
  uint64_t id() const { return id_; }

  /// Parses `token` and runs every check in Envoy's order: issuer, time, audience, then the
  /// signature (cheap rejections first, so a flood of expired or foreign tokens costs no
  /// public-key operation). With a cache (which must have been made for this verifier), a
  /// token verified before against the same key set skips parsing and the signature, but its
  /// time claims are checked again at `now`, so an expired token is never served.
  VerifyResult verify(std::string_view token, const JwkSet& keys, base::SystemTime now,
                      VerificationCache* cache = nullptr) const;
  /// The same, reading the wall time from `clock` (time claims are wall-clock seconds).
  VerifyResult verify(std::string_view token, const JwkSet& keys, const base::Clock& clock,
                      VerificationCache* cache = nullptr) const {
    return verify(token, keys, clock.systemNow(), cache);
  }

  /// The same checks on an already parsed token (no cache).
  JwtStatus verifyParsed(const Jwt& jwt, const JwkSet& keys, base::SystemTime now) const;

  JwtStatus checkIssuer(const Jwt& jwt) const;
  JwtStatus checkTime(const Jwt& jwt, base::SystemTime now) const;
  JwtStatus checkAudience(const Jwt& jwt) const;
  /// Picks keys as Envoy does: when both the token and a key have a `kid` they must be equal,
  /// otherwise the key is a candidate; candidates that cannot verify the token's algorithm
  /// (type, curve, pinned `alg`, secret length) are passed over. JwksKidAlgMismatch when no
  /// key was a candidate, JwtVerificationFail when every candidate refused the signature.
  static JwtStatus checkSignature(const Jwt& jwt, const JwkSet& keys);

 private:
  VerifyOptions options_;
  std::vector<std::string> sanitized_audiences_;
  uint64_t id_;
};

}  // namespace meshgate::jwt
