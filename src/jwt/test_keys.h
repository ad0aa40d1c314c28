// SPDX-License-Identifier: Apache-2.0
// Test and benchmark support: private keys (made by the `openssl` command line or the OpenSSL
// API), JOSE signing, JWK export and token assembly. Never linked into meshgate itself.
// Depends on jwt/, testing/ and OpenSSL.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "jwt/jwt.h"

struct evp_pkey_st;

namespace meshgate::jwt {

/// Lets GoogleTest print statuses by name.
inline void PrintTo(JwtStatus status, std::ostream* os) {
  *os << statusName(status);
}

/// A private key for tests.
class TestKey {
 public:
  /// Runs `openssl genpkey` for `spec` ("RSA:2048", "RSA:3072", "EC:P-256", "EC:P-384",
  /// "EC:P-521", "ED25519") and loads the result. Keys are cached per spec for the process, as
  /// RSA generation takes a while. Aborts the test on failure.
  static const TestKey& fromOpensslCli(const std::string& spec);
  /// The same specs, generated through the OpenSSL API (for benchmarks: no subprocess).
  static TestKey generate(const std::string& spec);
  /// Loads a PEM private key.
  static TestKey fromPrivatePem(const std::string& pem);

  TestKey(TestKey&&) noexcept;
  TestKey& operator=(TestKey&&) noexcept;
  ~TestKey();

  /// The JOSE signature of `input` under `alg` (r||s for ECDSA; PSS salt = hash length).
  std::string sign(Algorithm alg, std::string_view input) const;
  /// SubjectPublicKeyInfo PEM of the public half.
  std::string publicPem() const;
  /// PKCS#8 PEM of the private key (to hand to the openssl CLI).
  std::string privatePem() const;
  /// The public JWK as a JSON object text, with `kid`/`alg` members when non-empty.
  std::string jwk(std::string_view kid = "", std::string_view alg = "") const;

 private:
  explicit TestKey(evp_pkey_st* key) : key_(key) {}
  evp_pkey_st* key_ = nullptr;
};

/// `{"keys":[<jwk>, ...]}`.
std::string jwksOf(std::initializer_list<std::string> jwks);
/// base64url(header).base64url(payload).base64url(signature by `key` under `alg`).
std::string makeToken(std::string_view header_json, std::string_view payload_json,
                      const TestKey& key, Algorithm alg);
/// The same with an HMAC secret.
std::string makeHmacToken(std::string_view header_json, std::string_view payload_json,
                          std::string_view secret, Algorithm alg);
/// base64url(header).base64url(payload).base64url(signature) with given raw signature bytes.
std::string assembleToken(std::string_view header_json, std::string_view payload_json,
                          std::string_view signature);
/// A DER ECDSA signature (what `openssl dgst` writes) as JOSE r||s of `half` bytes each.
std::string ecdsaDerToJose(std::string_view der, size_t half);

}  // namespace meshgate::jwt
