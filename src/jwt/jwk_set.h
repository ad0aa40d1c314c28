// SPDX-License-Identifier: Apache-2.0
// JwkSet: verification keys loaded once from a JWK Set (RFC 7517), a single JWK, Google's
// kid→X.509 map, or PEM, and turned into OpenSSL keys at load time. Depends on base and
// OpenSSL (only in the .cc: the header forward-declares EVP_PKEY).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwt/jwt.h"
#include "jwt/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace meshgate::jwt {

enum class KeyType : uint8_t { RSA, EC, OKP, Oct };
enum class Curve : uint8_t { None, P256, P384, P521, Ed25519 };

std::string_view keyTypeName(KeyType type);

struct JwksParseOptions {
  /// `oct` keys (HS256/384/512 secrets) are accepted only when set. A key set fetched from an
  /// issuer should never carry a shared secret, and accepting one by default would let
  /// whoever controls the key set mint tokens with a guessable key.
  bool allow_symmetric = false;
  /// RSA moduli below this many bits are refused (RFC 7518 §3.3: "2048 bits or larger MUST").
  int min_rsa_bits = 2048;
  /// Key sets with more keys are refused: without a `kid`, a token is tried against every key
  /// that fits its algorithm, so the count bounds the work a forged token can cause.
  size_t max_keys = 128;
  /// Largest key set text accepted.
  size_t max_bytes = 1024 * 1024;
};

/// One verification key. Immutable after load; its OpenSSL key is only read, so a Jwk may be
/// used from many threads at once.
class Jwk {
 public:
  Jwk(Jwk&&) noexcept;
  Jwk& operator=(Jwk&&) noexcept;
  ~Jwk();

  KeyType type() const { return type_; }
  Curve curve() const { return curve_; }
  /// Empty when the key has no `kid` (such a key matches every token kid, as in Envoy).
  const std::string& kid() const { return kid_; }
  /// The JWK's `alg`, when it named one: the key then verifies only that algorithm.
  const std::optional<Algorithm>& alg() const { return alg_; }
  /// RSA modulus size, EC/OKP curve size, or HMAC secret size, in bits.
  int bits() const { return bits_; }

  /// Whether this key can verify a token signed with `alg`: the key type and curve must fit
  /// the algorithm family, a pinned `alg` must equal it, and an HMAC secret must be at least
  /// as long as the hash (RFC 7518 §3.2). This is what stops algorithm confusion: an RSA key
  /// never verifies HS256, and an EC P-256 key never verifies ES384.
  bool fits(Algorithm alg) const;

  /// Checks `signature` over `signing_input` with this key and `alg` (which must fit).
  /// JOSE ECDSA signatures (r||s) are converted to DER here.
  bool verify(Algorithm alg, std::string_view signing_input, std::string_view signature) const;

  struct PkeyDeleter {
    void operator()(evp_pkey_st* key) const;
  };

 private:
  friend class JwkSetLoader;
  Jwk() = default;

  KeyType type_ = KeyType::RSA;
  Curve curve_ = Curve::None;
  std::string kid_;
  std::optional<Algorithm> alg_;
  int bits_ = 0;
  std::unique_ptr<evp_pkey_st, PkeyDeleter> pkey_;
  std::string secret_;  // Oct keys only
};

/// An immutable set of keys. Build one per fetched or configured key set and share it
/// (shared_ptr<const JwkSet>) between workers; replacing the pointer is key rotation.
class JwkSet {
 public:
  /// Detects the format: a JSON object with `keys` (a JWK Set), a JSON object with `kty` (one
  /// JWK, as Istio's `jwks` validation accepts), a JSON object mapping kids to PEM
  /// certificates (Google's v1 certs format, which Envoy accepts), or text starting with
  /// "-----BEGIN" (PEM: PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE blocks; a meshgate
  /// extension, keys have no kid).
  ///
  /// Keys that fail to load are skipped, as Envoy does; the set fails only when no key
  /// loads, with the first key's error (or JwksNoValidKeys when there was none).
  static Outcome<std::shared_ptr<const JwkSet>> parse(std::string_view text,
                                                      const JwksParseOptions& options = {});

  const std::vector<Jwk>& keys() const { return keys_; }
  /// Unique within the process; caches use it to forget results verified with older keys.
  uint64_t id() const { return id_; }
  /// How many keys were skipped at load, and why the first one was.
  size_t skippedKeys() const { return skipped_; }
  JwtStatus firstSkipReason() const { return first_skip_reason_; }

 private:
  friend class JwkSetLoader;
  JwkSet();

  std::vector<Jwk> keys_;
  uint64_t id_;
  size_t skipped_ = 0;
  JwtStatus first_skip_reason_ = JwtStatus::Ok;
};

}  // namespace meshgate::jwt
