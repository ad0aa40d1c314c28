// SPDX-License-Identifier: Apache-2.0
// Issuer, audience, time and signature checks. Depends on base and jwt/.
#include "jwt/verifier.h"

#include <atomic>
#include <limits>

#include "jwt/verification_cache.h"

namespace meshgate::jwt {
namespace {

std::atomic<uint64_t> g_next_verifier_id{1};

// Envoy compares audiences without an http(s):// scheme and without one trailing '/', so
// "https://api.example.com/" and "api.example.com" are the same audience.
std::string_view sanitizeAudience(std::string_view aud) {
  if (aud.starts_with("http://")) {
    aud.remove_prefix(7);
  } else if (aud.starts_with("https://")) {
    aud.remove_prefix(8);
  }
  if (!aud.empty() && aud.back() == '/') aud.remove_suffix(1);
  return aud;
}

int64_t saturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b) {
    return std::numeric_limits<int64_t>::min();
  }
  return a + b;
}

}  // namespace

JwtVerifier::JwtVerifier(VerifyOptions options)
    : options_(std::move(options)), id_(g_next_verifier_id.fetch_add(1)) {
  for (const std::string& aud : options_.audiences) {
    sanitized_audiences_.emplace_back(sanitizeAudience(aud));
  }
}

JwtStatus JwtVerifier::checkIssuer(const Jwt& jwt) const {
  if (options_.issuer.empty() || jwt.issuer() == options_.issuer) return JwtStatus::Ok;
  return JwtStatus::JwtUnknownIssuer;
}

JwtStatus JwtVerifier::checkTime(const Jwt& jwt, base::SystemTime now) const {
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t skew = options_.clock_skew.count();
  if (jwt.notBefore() && saturatingAdd(now_s, skew) < *jwt.notBefore()) {
    return JwtStatus::JwtNotYetValid;
  }
  // RFC 7519 §4.1.4: the token must not be accepted "on or after" exp.
  if (jwt.expiresAt() && now_s >= saturatingAdd(*jwt.expiresAt(), skew)) {
    return JwtStatus::JwtExpired;
  }
  if ((options_.require_exp || options_.max_lifetime) && !jwt.expiresAt()) {
    return JwtStatus::JwtExpired;
  }
  if (options_.max_lifetime && *jwt.expiresAt() - now_s > options_.max_lifetime->count()) {
    return JwtStatus::JwtExpired;
  }
  if (options_.check_iat && jwt.issuedAt() && *jwt.issuedAt() > saturatingAdd(now_s, skew)) {
    return JwtStatus::JwtIssuedInFuture;
  }
  return JwtStatus::Ok;
}

JwtStatus JwtVerifier::checkAudience(const Jwt& jwt) const {
  if (sanitized_audiences_.empty()) return JwtStatus::Ok;
  for (const std::string& aud : jwt.audiences()) {
    std::string_view a = sanitizeAudience(aud);
    for (const std::string& allowed : sanitized_audiences_) {
      if (a == allowed) return JwtStatus::Ok;
    }
  }
  return JwtStatus::JwtAudienceNotAllowed;
}

JwtStatus JwtVerifier::checkSignature(const Jwt& jwt, const JwkSet& keys) {
  bool candidate = false;
  for (const Jwk& key : keys.keys()) {
    if (!jwt.kid().empty() && !key.kid().empty() && key.kid() != jwt.kid()) continue;
    if (!key.fits(jwt.alg())) continue;
    candidate = true;
    if (key.verify(jwt.alg(), jwt.signingInput(), jwt.signature())) return JwtStatus::Ok;
  }
  return candidate ? JwtStatus::JwtVerificationFail : JwtStatus::JwksKidAlgMismatch;
}

JwtStatus JwtVerifier::verifyParsed(const Jwt& jwt, const JwkSet& keys,
                                    base::SystemTime now) const {
  JwtStatus s = checkIssuer(jwt);
  if (s == JwtStatus::Ok) s = checkTime(jwt, now);
  if (s == JwtStatus::Ok) s = checkAudience(jwt);
  if (s == JwtStatus::Ok) s = checkSignature(jwt, keys);
  return s;
}

VerifyResult JwtVerifier::verify(std::string_view token, const JwkSet& keys, base::SystemTime now,
                                 VerificationCache* cache) const {
  VerifyResult result;
  if (cache) {
    MG_ASSERT(cache->verifierId() == id_, "VerificationCache used with another JwtVerifier");
    if (auto cached = cache->find(token, keys.id())) {
      // Issuer, audience and signature cannot change for the same token, verifier and keys;
      // time can.
      result.status = checkTime(*cached, now);
      if (result.status != JwtStatus::Ok) {
        cache->invalidate(token);
        return result;
      }
      result.jwt = std::move(cached);
      result.from_cache = true;
      return result;
    }
  }
  auto parsed = Jwt::parse(token, options_.parse);
  if (!parsed.ok()) {
    result.status = parsed.status();
    return result;
  }
  auto jwt = std::make_shared<const Jwt>(std::move(parsed).value());
  result.status = verifyParsed(*jwt, keys, now);
  if (result.status != JwtStatus::Ok) return result;
  if (cache) cache->insert(jwt, keys.id());
  result.jwt = std::move(jwt);
  return result;
}

}  // namespace meshgate::jwt
