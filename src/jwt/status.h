// SPDX-License-Identifier: Apache-2.0
// JwtStatus: why a token or a key set was rejected, named as Envoy's JwtVerify::Status
// (plus a few stricter checks of our own), with the text a 401 body and logs carry.
// Depends on std only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace meshgate::jwt {

// X(name, message). The names follow Envoy's jwt_verify_lib where Envoy has the check; the
// messages are what Envoy puts in the local reply body, so clients see the same text.
#define MG_JWT_STATUS_LIST(X)                                                                   \
  X(Ok, "OK")                                                                                   \
  /* Token errors. */                                                                           \
  X(JwtMissed, "Jwt is missing")                                                                \
  X(JwtNotYetValid, "Jwt not yet valid")                                                        \
  X(JwtExpired, "Jwt is expired")                                                               \
  X(JwtIssuedInFuture, "Jwt issued-at time is in the future")                                   \
  X(JwtTooLarge, "Jwt is larger than the configured limit")                                     \
  X(JwtBadFormat, "Jwt is not in the form of Header.Payload.Signature")                         \
  X(JwtHeaderParseErrorBadBase64, "Jwt header is an invalid Base64url encoded")                 \
  X(JwtHeaderParseErrorBadJson, "Jwt header is an invalid JSON")                                \
  X(JwtHeaderBadAlg, "Jwt header [alg] field is required and must be a string")                 \
  X(JwtHeaderNotImplementedAlg, "Jwt header [alg] is not supported")                            \
  X(JwtHeaderBadKid, "Jwt header [kid] field is not a string")                                  \
  X(JwtHeaderBadCrit, "Jwt header [crit] field is malformed")                                   \
  X(JwtHeaderUnsupportedCrit, "Jwt header [crit] lists an extension that is not supported")     \
  X(JwtPayloadParseErrorBadBase64, "Jwt payload is an invalid Base64url encoded")               \
  X(JwtPayloadParseErrorBadJson, "Jwt payload is an invalid JSON")                              \
  X(JwtPayloadParseErrorIssNotString, "Jwt payload [iss] field is not a string")                \
  X(JwtPayloadParseErrorSubNotString, "Jwt payload [sub] field is not a string")                \
  X(JwtPayloadParseErrorIatNotInteger, "Jwt payload [iat] field is not an integer")             \
  X(JwtPayloadParseErrorIatOutOfRange, "Jwt payload [iat] field is out of range")               \
  X(JwtPayloadParseErrorNbfNotInteger, "Jwt payload [nbf] field is not an integer")             \
  X(JwtPayloadParseErrorNbfOutOfRange, "Jwt payload [nbf] field is out of range")               \
  X(JwtPayloadParseErrorExpNotInteger, "Jwt payload [exp] field is not an integer")             \
  X(JwtPayloadParseErrorExpOutOfRange, "Jwt payload [exp] field is out of range")               \
  X(JwtPayloadParseErrorJtiNotString, "Jwt payload [jti] field is not a string")                \
  X(JwtPayloadParseErrorAudNotString, "Jwt payload [aud] field is not a string or string list") \
  X(JwtSignatureParseErrorBadBase64, "Jwt signature is an invalid Base64url encoded")           \
  X(JwtEd25519SignatureWrongLength, "Jwt ED25519 signature is wrong length")                    \
  X(JwtEcdsaSignatureWrongLength, "Jwt ECDSA signature is wrong length")                        \
  X(JwtUnknownIssuer, "Jwt issuer is not configured")                                           \
  X(JwtAudienceNotAllowed, "Audiences in Jwt are not allowed")                                  \
  X(JwtVerificationFail, "Jwt verification fails")                                              \
  X(JwtMultipleTokens, "Found multiple Jwt tokens")                                             \
  /* Key set errors. */                                                                         \
  X(JwksParseError, "Jwks is an invalid JSON")                                                  \
  X(JwksNoKeys, "Jwks does not have [keys] field")                                              \
  X(JwksBadKeys, "[keys] in Jwks is not an array")                                              \
  X(JwksNoValidKeys, "Jwks doesn't have any valid public key")                                  \
  X(JwksTooManyKeys, "Jwks has more keys than the configured limit")                            \
  X(JwksKidAlgMismatch, "Jwks doesn't have key to match kid or alg from Jwt")                   \
  X(JwksRsaParseError, "Jwks RSA [n] or [e] field is missing or has a parse error")             \
  X(JwksRsaKeyTooSmall, "Jwks RSA key is smaller than the minimum size")                        \
  X(JwksEcCreateKeyFail, "Jwks EC create key fail")                                             \
  X(JwksEcXorYBadBase64, "Jwks EC [x] or [y] field is an invalid Base64.")                      \
  X(JwksEcParseError, "Jwks EC [x] and [y] fields have a parse error.")                         \
  X(JwksOctBadBase64, "Jwks Oct key is an invalid Base64")                                      \
  X(JwksOKPXBadBase64, "Jwks OKP [x] field is an invalid Base64")                               \
  X(JwksOKPXWrongLength, "Jwks OKP [x] field is wrong length")                                  \
  X(JwksFetchFail, "Jwks remote fetch is failed")                                               \
  X(JwksMissingKty, "[kty] is missing in [keys]")                                               \
  X(JwksBadKty, "[kty] is bad in [keys]")                                                       \
  X(JwksNotImplementedKty, "[kty] is not supported in [keys]")                                  \
  X(JwksBadKid, "[kid] is not a string in [keys]")                                              \
  X(JwksBadAlg, "[alg] is not a string in [keys]")                                              \
  X(JwksKeyNotForSignature, "[use] or [key_ops] says the key is not for verifying signatures")  \
  X(JwksRSAKeyBadAlg, "[alg] is not started with [RS] or [PS] for a RSA key")                   \
  X(JwksRSAKeyMissingN, "[n] field is missing for a RSA key")                                   \
  X(JwksRSAKeyBadN, "[n] field is not string for a RSA key")                                    \
  X(JwksRSAKeyMissingE, "[e] field is missing for a RSA key")                                   \
  X(JwksRSAKeyBadE, "[e] field is not string for a RSA key")                                    \
  X(JwksECKeyBadAlg, "[alg] is not started with [ES] for an EC key")                            \
  X(JwksECKeyBadCrv, "[crv] field is not string for an EC key")                                 \
  X(JwksECKeyAlgOrCrvUnsupported, "[crv] or [alg] field is not supported for an EC key")        \
  X(JwksECKeyAlgNotCompatibleWithCrv,                                                           \
    "[crv] field specified is not compatible with [alg] for an EC key")                         \
  X(JwksECKeyMissingX, "[x] field is missing for an EC key")                                    \
  X(JwksECKeyBadX, "[x] field is not string for an EC key")                                     \
  X(JwksECKeyMissingY, "[y] field is missing for an EC key")                                    \
  X(JwksECKeyBadY, "[y] field is not string for an EC key")                                     \
  X(JwksHMACKeyBadAlg, "[alg] does not start with [HS] for an HMAC key")                        \
  X(JwksHMACKeyMissingK, "[k] field is missing for an HMAC key")                                \
  X(JwksHMACKeyBadK, "[k] field is not string for an HMAC key")                                 \
  X(JwksHMACKeyTooShort, "[k] is shorter than the hash output of its [alg] for an HMAC key")    \
  X(JwksHMACKeyNotAllowed, "HMAC keys are not allowed for this issuer")                         \
  X(JwksOKPKeyBadAlg, "[alg] is not [EdDSA] for an OKP key")                                    \
  X(JwksOKPKeyMissingCrv, "[crv] field is missing for an OKP key")                              \
  X(JwksOKPKeyBadCrv, "[crv] field is not string for an OKP key")                               \
  X(JwksOKPKeyCrvUnsupported, "[crv] field is not supported for an OKP key")                    \
  X(JwksOKPKeyMissingX, "[x] field is missing for an OKP key")                                  \
  X(JwksOKPKeyBadX, "[x] field is not string for an OKP key")                                   \
  X(JwksX509ParseError, "X509 parse pubkey fails")                                              \
  X(JwksX509GetPubkeyError, "X509 get pubkey fails")                                            \
  X(JwksPemNotImplementedKty, "PEM public key type is not supported")                           \
  X(JwksPemBadBase64, "PEM public key cannot be parsed")

enum class JwtStatus : uint8_t {
#define MG_JWT_STATUS_ENUM(name, message) name,
  MG_JWT_STATUS_LIST(MG_JWT_STATUS_ENUM)
#undef MG_JWT_STATUS_ENUM
};

/// A value, or the JwtStatus that explains why there is none.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(JwtStatus status) : status_(status) {  // NOLINT: implicit by design
    MG_ASSERT(status != JwtStatus::Ok, "an Ok Outcome needs a value");
  }
  Outcome(T value) : status_(JwtStatus::Ok), value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_ == JwtStatus::Ok; }
  JwtStatus status() const { return status_; }
  T& value() & {
    MG_ASSERT(ok(), "Outcome::value() on an error");
    return *value_;
  }
  const T& value() const& {
    MG_ASSERT(ok(), "Outcome::value() on an error");
    return *value_;
  }
  T&& value() && {
    MG_ASSERT(ok(), "Outcome::value() on an error");
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  JwtStatus status_;
  std::optional<T> value_;
};

/// The enumerator's name, e.g. "JwtExpired" (for logs, metrics labels, response details).
std::string_view statusName(JwtStatus status);
/// Envoy's human-readable text, e.g. "Jwt is expired" (the 401/403 body).
std::string_view statusMessage(JwtStatus status);

/// The response status a filter sends for a failed check: 403 when the token is valid but
/// not for this audience (as Envoy does), 401 otherwise. Ok maps to 200.
int httpStatusFor(JwtStatus status);

/// The WWW-Authenticate value for a rejected request, as Envoy's jwt_authn writes it:
/// `Bearer realm="<realm>"`, plus `, error="invalid_token"` unless the token was missing
/// (RFC 6750 §3.1). `realm` is the request URI; quotes and backslashes are escaped and it is
/// cut to 256 bytes, like Envoy's.
std::string bearerChallenge(std::string_view realm, JwtStatus status);

}  // namespace meshgate::jwt
