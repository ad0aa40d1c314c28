// SPDX-License-Identifier: Apache-2.0
// Helpers for the jwt_authn unit tests: keys made with the openssl command line, tokens for the
// FakeFilterContext's wall clock, and inline RequestAuthentication YAML.
#pragma once

#include <string>

#include "jwt/base64.h"
#include "jwt/test_keys.h"

namespace meshgate::filters::jwt_authn::test {

/// The FakeFilterContext's ManualClock wall time (2023-11-14T22:13:20Z).
inline constexpr int64_t kNow = 1'700'000'000;
inline constexpr const char* kIssuer = "https://issuer.example";

inline const jwt::TestKey& rsaKey() {
  return jwt::TestKey::fromOpensslCli("RSA:2048");
}
inline const jwt::TestKey& otherRsaKey() {
  return jwt::TestKey::fromOpensslCli("RSA:3072");
}
inline const jwt::TestKey& ecKey() {
  return jwt::TestKey::fromOpensslCli("EC:P-256");
}

/// Claims with `iss`, `sub`, `aud` and `exp` = now + 10 min, plus `extra` members.
inline std::string claims(const std::string& iss = kIssuer, const std::string& extra = "",
                          const std::string& aud = "api", int64_t exp_offset = 600) {
  std::string c = R"({"iss":")" + iss + R"(","sub":"alice","aud":")" + aud + R"(","iat":)" +
                  std::to_string(kNow - 10) + R"(,"exp":)" + std::to_string(kNow + exp_offset);
  return c + extra + "}";
}

inline std::string header(const std::string& alg = "RS256", const std::string& kid = "k1") {
  std::string h = R"({"alg":")" + alg + "\"";
  if (!kid.empty()) h += R"(,"kid":")" + kid + "\"";
  return h + R"(,"typ":"JWT"})";
}

/// An RS256 token signed by rsaKey().
inline std::string rs256(const std::string& payload, const std::string& kid = "k1") {
  return jwt::makeToken(header("RS256", kid), payload, rsaKey(), jwt::Algorithm::RS256);
}

/// The JWKS of rsaKey() with kid k1 (and ecKey() as k2).
inline std::string jwks() {
  return jwt::jwksOf({rsaKey().jwk("k1", "RS256"), ecKey().jwk("k2", "ES256")});
}

/// A RequestAuthentication in namespace `ns` with one rule; `rule_extra` is appended to the
/// rule (indented by 4), `meta_extra` to metadata (indented by 2).
inline std::string policy(const std::string& name, const std::string& issuer,
                          const std::string& rule_extra = "", const std::string& meta_extra = "",
                          const std::string& ns = "default", const std::string& spec_extra = "") {
  std::string y =
      "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata:\n"
      "  name: " +
      name + "\n  namespace: " + ns + "\n" + meta_extra + "spec:\n" + spec_extra +
      "  jwtRules:\n  - issuer: \"" + issuer + "\"\n" + rule_extra;
  if (rule_extra.find("jwks") == std::string::npos) {
    y += "    jwks: '" + jwks() + "'\n";
  }
  return y + "---\n";
}

}  // namespace meshgate::filters::jwt_authn::test
