// SPDX-License-Identifier: Apache-2.0
// JWS compact parsing and registered-claim type checks. Depends on base and jwt/.
#include "jwt/jwt.h"

#include <cmath>

#include "jwt/base64.h"

namespace meshgate::jwt {
namespace {

struct AlgName {
  Algorithm alg;
  std::string_view name;
};

constexpr AlgName kAlgorithms[] = {
    {Algorithm::RS256, "RS256"}, {Algorithm::RS384, "RS384"}, {Algorithm::RS512, "RS512"},
    {Algorithm::PS256, "PS256"}, {Algorithm::PS384, "PS384"}, {Algorithm::PS512, "PS512"},
    {Algorithm::ES256, "ES256"}, {Algorithm::ES384, "ES384"}, {Algorithm::ES512, "ES512"},
    {Algorithm::EdDSA, "EdDSA"}, {Algorithm::HS256, "HS256"}, {Algorithm::HS384, "HS384"},
    {Algorithm::HS512, "HS512"},
};

// Header parameters registered by RFC 7515 §4.1; RFC 7515 §4.1.11 forbids listing them in
// `crit`.
constexpr std::string_view kRegisteredHeaderParams[] = {
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"};

JwtStatus checkCrit(const JsonValue& header) {
  auto crit = header.find("crit");
  if (!crit) return JwtStatus::Ok;
  if (!crit->isArray() || crit->size() == 0) return JwtStatus::JwtHeaderBadCrit;
  for (size_t i = 0; i < crit->size(); ++i) {
    JsonValue name = crit->at(i);
    if (!name.isString() || name.asString().empty()) return JwtStatus::JwtHeaderBadCrit;
    for (std::string_view registered : kRegisteredHeaderParams) {
      if (name.asString() == registered) return JwtStatus::JwtHeaderBadCrit;
    }
    for (size_t j = 0; j < i; ++j) {
      if (crit->at(j).asString() == name.asString()) return JwtStatus::JwtHeaderBadCrit;
    }
    // A listed extension must be present in the header (RFC 7515 §4.1.11).
    if (!header.find(name.asString())) return JwtStatus::JwtHeaderBadCrit;
  }
  // We implement no JWS extension (not even RFC 7797 `b64`), so a well-formed `crit` always
  // names something we must not ignore.
  return JwtStatus::JwtHeaderUnsupportedCrit;
}

// A NumericDate (RFC 7519 §2): any JSON number of seconds, fractions allowed. Like Envoy we
// keep whole seconds and refuse negative or unrepresentable values.
JwtStatus readTime(const Claims& claims, std::string_view name, JwtStatus not_integer,
                   JwtStatus out_of_range, std::optional<int64_t>& out) {
  auto v = claims.find(name);
  if (!v) return JwtStatus::Ok;
  switch (v->type()) {
    case JsonValue::Type::Int:
      if (*v->asInt64() < 0) return out_of_range;
      out = *v->asInt64();
      return JwtStatus::Ok;
    case JsonValue::Type::Uint:
      return out_of_range;
    case JsonValue::Type::Double: {
      double d = *v->asDouble();
      // 2^63 is the first double past INT64_MAX.
      if (!std::isfinite(d) || d < 0 || d >= 9223372036854775808.0) return out_of_range;
      out = static_cast<int64_t>(std::floor(d));
      return JwtStatus::Ok;
    }
    default:
      return not_integer;
  }
}

JwtStatus readString(const Claims& claims, std::string_view name, JwtStatus wrong_type,
                     std::string& out) {
  auto v = claims.find(name);
  if (!v) return JwtStatus::Ok;
  if (!v->isString()) return wrong_type;
  out = std::string(v->asString());
  return JwtStatus::Ok;
}

JwtStatus readAudiences(const Claims& claims, std::vector<std::string>& out) {
  auto v = claims.find("aud");
  if (!v) return JwtStatus::Ok;
  if (v->isString()) {
    out.emplace_back(v->asString());
    return JwtStatus::Ok;
  }
  if (!v->isArray()) return JwtStatus::JwtPayloadParseErrorAudNotString;
  for (size_t i = 0; i < v->size(); ++i) {
    JsonValue a = v->at(i);
    if (!a.isString()) return JwtStatus::JwtPayloadParseErrorAudNotString;
    out.emplace_back(a.asString());
  }
  return JwtStatus::Ok;
}

// The fixed signature length of algorithms whose signatures have one (0: key-dependent).
size_t fixedSignatureLength(Algorithm alg) {
  switch (alg) {
    case Algorithm::ES256:
      return 64;
    case Algorithm::ES384:
      return 96;
    case Algorithm::ES512:
      return 132;
    case Algorithm::EdDSA:
      return 64;
    default:
      return 0;
  }
}

}  // namespace

std::optional<Algorithm> algorithmFromName(std::string_view name) {
  for (const AlgName& a : kAlgorithms) {
    if (a.name == name) return a.alg;
  }
  return std::nullopt;
}

std::string_view algorithmName(Algorithm alg) {
  for (const AlgName& a : kAlgorithms) {
    if (a.alg == alg) return a.name;
  }
  return "?";
}

Outcome<Jwt> Jwt::parse(std::string_view token, const JwtParseOptions& options) {
  if (token.size() > options.max_token_bytes) return JwtStatus::JwtTooLarge;
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return JwtStatus::JwtBadFormat;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return JwtStatus::JwtBadFormat;
  // A fourth segment means JWE (five segments) or garbage.
  if (token.find('.', dot2 + 1) != std::string_view::npos) return JwtStatus::JwtBadFormat;
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signature_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty()) return JwtStatus::JwtBadFormat;

  JsonParseOptions json_options;
  json_options.max_depth = options.max_json_depth;
  json_options.max_bytes = options.max_token_bytes;

  Jwt jwt;
  auto header_text = base64UrlDecode(header_b64);
  if (!header_text) return JwtStatus::JwtHeaderParseErrorBadBase64;
  auto header = JsonValue::parse(*header_text, json_options);
  if (!header.ok() || !header->isObject()) return JwtStatus::JwtHeaderParseErrorBadJson;
  jwt.header_ = std::move(header).value();

  auto alg = jwt.header_.find("alg");
  if (!alg || !alg->isString()) return JwtStatus::JwtHeaderBadAlg;
  auto known = algorithmFromName(alg->asString());
  if (!known) return JwtStatus::JwtHeaderNotImplementedAlg;
  jwt.alg_ = *known;
  if (auto kid = jwt.header_.find("kid")) {
    if (!kid->isString()) return JwtStatus::JwtHeaderBadKid;
    jwt.kid_ = std::string(kid->asString());
  }
  if (JwtStatus crit = checkCrit(jwt.header_); crit != JwtStatus::Ok) return crit;

  auto payload_text = base64UrlDecode(payload_b64);
  if (!payload_text) return JwtStatus::JwtPayloadParseErrorBadBase64;
  auto payload = JsonValue::parse(*payload_text, json_options);
  if (!payload.ok() || !payload->isObject()) return JwtStatus::JwtPayloadParseErrorBadJson;
  jwt.claims_ = Claims(std::move(payload).value());

  const Claims& c = jwt.claims_;
  JwtStatus s = readString(c, "iss", JwtStatus::JwtPayloadParseErrorIssNotString, jwt.issuer_);
  if (s == JwtStatus::Ok) {
    s = readString(c, "sub", JwtStatus::JwtPayloadParseErrorSubNotString, jwt.subject_);
  }
  if (s == JwtStatus::Ok) {
    s = readTime(c, "iat", JwtStatus::JwtPayloadParseErrorIatNotInteger,
                 JwtStatus::JwtPayloadParseErrorIatOutOfRange, jwt.iat_);
  }
  if (s == JwtStatus::Ok) {
    s = readTime(c, "nbf", JwtStatus::JwtPayloadParseErrorNbfNotInteger,
                 JwtStatus::JwtPayloadParseErrorNbfOutOfRange, jwt.nbf_);
  }
  if (s == JwtStatus::Ok) {
    s = readTime(c, "exp", JwtStatus::JwtPayloadParseErrorExpNotInteger,
                 JwtStatus::JwtPayloadParseErrorExpOutOfRange, jwt.exp_);
  }
  if (s == JwtStatus::Ok) {
    s = readString(c, "jti", JwtStatus::JwtPayloadParseErrorJtiNotString, jwt.jwt_id_);
  }
  if (s == JwtStatus::Ok) s = readAudiences(c, jwt.audiences_);
  if (s != JwtStatus::Ok) return s;

  // Every supported algorithm signs: an empty signature is an unsecured JWS in disguise.
  if (signature_b64.empty()) return JwtStatus::JwtBadFormat;
  auto signature = base64UrlDecode(signature_b64);
  if (!signature) return JwtStatus::JwtSignatureParseErrorBadBase64;
  if (size_t want = fixedSignatureLength(jwt.alg_); want != 0 && signature->size() != want) {
    return jwt.alg_ == Algorithm::EdDSA ? JwtStatus::JwtEd25519SignatureWrongLength
                                        : JwtStatus::JwtEcdsaSignatureWrongLength;
  }
  jwt.signature_ = std::move(*signature);
  jwt.token_ = std::string(token);
  jwt.payload_offset_ = dot1 + 1;
  jwt.signing_input_length_ = dot2;
  return jwt;
}

}  // namespace meshgate::jwt
