// SPDX-License-Identifier: Apache-2.0
// Jwt: a JWS in compact serialisation (RFC 7515 §7.1) decoded and structurally checked,
// not yet verified. Knows nothing of HTTP or keys. Depends on base and jwt/{json_value,claims}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwt/claims.h"
#include "jwt/json_value.h"
#include "jwt/status.h"

namespace meshgate::jwt {

/// The JWS algorithms meshgate verifies (RFC 7518 §3.1, RFC 8037 §3.1). `none` is not one of
/// them: an unsecured JWS is rejected at parse time.
enum class Algorithm : uint8_t {
  RS256,
  RS384,
  RS512,
  PS256,
  PS384,
  PS512,
  ES256,
  ES384,
  ES512,
  EdDSA,
  HS256,
  HS384,
  HS512,
};

std::optional<Algorithm> algorithmFromName(std::string_view name);
std::string_view algorithmName(Algorithm alg);

struct JwtParseOptions {
  /// Longer tokens are rejected with JwtTooLarge before any decoding.
  size_t max_token_bytes = 64 * 1024;
  /// Deepest JSON nesting accepted in the header and the payload.
  uint32_t max_json_depth = 32;
};

/// A parsed token. Immutable once built; copies share the decoded JSON.
class Jwt {
 public:
  /// Splits `token` into header.payload.signature, decodes each part (strict base64url, no
  /// padding), parses header and payload JSON, and checks the types of the registered header
  /// parameters and claims. Rejections carry the precise JwtStatus.
  static Outcome<Jwt> parse(std::string_view token, const JwtParseOptions& options = {});

  Algorithm alg() const { return alg_; }
  /// The header's `kid`, empty when absent.
  const std::string& kid() const { return kid_; }
  const JsonValue& header() const { return header_; }
  const Claims& claims() const { return claims_; }

  /// Registered claims (RFC 7519 §4.1); strings are empty and times nullopt when absent.
  const std::string& issuer() const { return issuer_; }
  const std::string& subject() const { return subject_; }
  const std::string& jwtId() const { return jwt_id_; }
  /// `aud` as a list, whether the token carried a string or an array.
  const std::vector<std::string>& audiences() const { return audiences_; }
  /// Istio's request principal, `<iss>/<sub>` (AuthorizationPolicy requestPrincipals and
  /// request.auth.principal).
  std::string principal() const { return issuer_ + "/" + subject_; }
  /// The authorized presenter (`azp`, OpenID Connect), Istio's request.auth.presenter; empty
  /// when absent or not a string.
  std::string_view presenter() const { return claims_.string("azp").value_or(""); }
  /// NumericDate claims in whole seconds since the epoch (fractions are dropped).
  std::optional<int64_t> expiresAt() const { return exp_; }
  std::optional<int64_t> notBefore() const { return nbf_; }
  std::optional<int64_t> issuedAt() const { return iat_; }

  /// The token text as given.
  std::string_view token() const { return token_; }
  /// `header.payload`: the bytes the signature covers.
  std::string_view signingInput() const {
    return std::string_view(token_).substr(0, signing_input_length_);
  }
  /// The payload segment as it appeared in the token (base64url), which Envoy forwards for
  /// `outputPayloadToHeader`.
  std::string_view payloadBase64Url() const {
    return std::string_view(token_).substr(payload_offset_,
                                           signing_input_length_ - payload_offset_);
  }
  /// The decoded signature bytes.
  const std::string& signature() const { return signature_; }

 private:
  Jwt() = default;

  std::string token_;
  size_t payload_offset_ = 0;
  size_t signing_input_length_ = 0;
  Algorithm alg_ = Algorithm::RS256;
  std::string kid_;
  JsonValue header_;
  Claims claims_;
  std::string issuer_;
  std::string subject_;
  std::string jwt_id_;
  std::vector<std::string> audiences_;
  std::optional<int64_t> exp_;
  std::optional<int64_t> nbf_;
  std::optional<int64_t> iat_;
  std::string signature_;
};

}  // namespace meshgate::jwt
