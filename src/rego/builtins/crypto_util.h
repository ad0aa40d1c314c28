// SPDX-License-Identifier: Apache-2.0
// OpenSSL-backed helpers for the crypto and JWT builtins: digests, HMAC,
// keys from PEM and JWK, and JWS signing and verification.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rego/value/value.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace meshgate::rego {

/// "md5", "sha1", "sha256", "sha384", "sha512". Empty on an unknown name.
std::string digest(std::string_view md, std::string_view data);
std::string hmacDigest(std::string_view md, std::string_view key, std::string_view data);

struct Key {
  std::shared_ptr<EVP_PKEY> pkey;  // asymmetric keys
  std::string secret;              // "oct" keys
  bool is_secret = false;
  std::string alg;  // from a JWK, when present
  std::string kid;
};

/// Keys from a PEM certificate, a PEM public key, a JWK or a JWK set, as OPA's
/// getKeysFromCertOrJWK. On error returns false and sets *error (OPA's text).
bool keysFromCertOrJwk(std::string_view text, std::vector<Key>* out, std::string* error);
/// A key from a JWK object (public or private).
bool keyFromJwk(const Value& jwk, Key* out, std::string* error);
/// The first key of a JWK or JWK set in JSON text.
bool keyFromJwkText(std::string_view text, Key* out, std::string* error);

bool isJwsAlgorithm(std::string_view alg);
/// Verifies a JWS signature over `data` (header.payload).
bool jwsVerify(const Key& key, std::string_view alg, std::string_view data, std::string_view sig);
/// Signs `data`; false (with *error) when the key does not fit the algorithm.
bool jwsSign(const Key& key, std::string_view alg, std::string_view data, std::string* sig,
             std::string* error);

/// PEM blocks in `text`: (type, DER bytes). `rest` receives trailing non-PEM text.
struct PemBlock {
  std::string type;
  std::string der;
};
std::vector<PemBlock> pemDecode(std::string_view text, std::string* rest);

}  // namespace meshgate::rego
