// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/crypto_util.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "rego/builtins/encoding_util.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

const EVP_MD* mdByName(std::string_view md) {
  if (md == "md5") return EVP_md5();
  if (md == "sha1") return EVP_sha1();
  if (md == "sha256") return EVP_sha256();
  if (md == "sha384") return EVP_sha384();
  if (md == "sha512") return EVP_sha512();
  return nullptr;
}

std::shared_ptr<EVP_PKEY> wrap(EVP_PKEY* p) {
  return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free);
}

bool b64url(const Value& jwk, const char* field, std::string* out) {
  const Value* v = jwk.field(field);
  if (v == nullptr || !v->isString()) return false;
  std::string s(v->asString());
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  std::string err;
  return base64Decode(s, B64::RawUrl, out, &err);
}

BIGNUM* bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

bool rsaFromJwk(const Value& jwk, Key* out, std::string* error) {
  std::string n, e;
  if (!b64url(jwk, "n", &n) || !b64url(jwk, "e", &e)) {
    *error = "failed to parse RSA key: missing n or e";
    return false;
  }
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<BIGNUM*> bns;
  auto push = [&](const char* name, const std::string& bytes) {
    BIGNUM* b = bn(bytes);
    bns.push_back(b);
    OSSL_PARAM_BLD_push_BN(bld, name, b);
  };
  push(OSSL_PKEY_PARAM_RSA_N, n);
  push(OSSL_PKEY_PARAM_RSA_E, e);
  std::string d, p, q, dp, dq, qi;
  bool priv = b64url(jwk, "d", &d);
  if (priv) {
    push(OSSL_PKEY_PARAM_RSA_D, d);
    if (b64url(jwk, "p", &p) && b64url(jwk, "q", &q)) {
      push(OSSL_PKEY_PARAM_RSA_FACTOR1, p);
      push(OSSL_PKEY_PARAM_RSA_FACTOR2, q);
      if (b64url(jwk, "dp", &dp) && b64url(jwk, "dq", &dq) && b64url(jwk, "qi", &qi)) {
        push(OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
        push(OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
        push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi);
      }
    }
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok =
      ctx != nullptr && EVP_PKEY_fromdata_init(ctx) > 0 &&
      EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (BIGNUM* b : bns)
    BN_free(b);
  if (!ok) {
    *error = "failed to build RSA key";
    return false;
  }
  out->pkey = wrap(pkey);
  return true;
}

bool ecFromJwk(const Value& jwk, Key* out, std::string* error) {
  const Value* crv = jwk.field("crv");
  if (crv == nullptr || !crv->isString()) {
    *error = "failed to parse EC key: missing crv";
    return false;
  }
  std::string_view c = crv->asString();
  const char* group =
      c == "P-256" ? "P-256" : (c == "P-384" ? "P-384" : (c == "P-521" ? "P-521" : nullptr));
  size_t size = c == "P-256" ? 32 : (c == "P-384" ? 48 : 66);
  if (group == nullptr) {
    *error = "unsupported elliptic curve " + std::string(c);
    return false;
  }
  std::string x, y, d;
  if (!b64url(jwk, "x", &x) || !b64url(jwk, "y", &y)) {
    *error = "failed to parse EC key: missing x or y";
    return false;
  }
  auto padTo = [&](std::string s) {
    while (s.size() < size)
      s.insert(s.begin(), '\0');
    return s;
  };
  std::string point = std::string(1, '\x04') + padTo(x) + padTo(y);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  BIGNUM* priv = nullptr;
  bool has_priv = b64url(jwk, "d", &d);
  if (has_priv) {
    priv = bn(d);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok =
      ctx != nullptr && EVP_PKEY_fromdata_init(ctx) > 0 &&
      EVP_PKEY_fromdata(ctx, &pkey, has_priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(priv);
  if (!ok) {
    *error = "failed to build EC key";
    return false;
  }
  out->pkey = wrap(pkey);
  return true;
}

bool okpFromJwk(const Value& jwk, Key* out, std::string* error) {
  const Value* crv = jwk.field("crv");
  if (crv == nullptr || !crv->isString() || crv->asString() != "Ed25519") {
    *error = "unsupported OKP curve";
    return false;
  }
  std::string x, d;
  EVP_PKEY* pkey = nullptr;
  if (b64url(jwk, "d", &d)) {
    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                        reinterpret_cast<const unsigned char*>(d.data()), d.size());
  } else if (b64url(jwk, "x", &x)) {
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(x.data()), x.size());
  }
  if (pkey == nullptr) {
    *error = "failed to build Ed25519 key";
    return false;
  }
  out->pkey = wrap(pkey);
  return true;
}

std::string ecdsaDerToRaw(const std::string& der, size_t size) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return "";
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(size * 2, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(&out[0]), static_cast<int>(size));
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(&out[size]), static_cast<int>(size));
  ECDSA_SIG_free(sig);
  return out;
}

std::string ecdsaRawToDer(std::string_view raw) {
  size_t n = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + n),
                        static_cast<int>(raw.size() - n), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

const char* algDigest(std::string_view alg) {
  std::string_view bits = alg.size() >= 3 ? alg.substr(alg.size() - 3) : "";
  if (bits == "256") return "sha256";
  if (bits == "384") return "sha384";
  if (bits == "512") return "sha512";
  return nullptr;
}

}  // namespace

std::string digest(std::string_view md, std::string_view data) {
  const EVP_MD* m = mdByName(md);
  if (m == nullptr) return "";
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, m, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmacDigest(std::string_view md, std::string_view key, std::string_view data) {
  const EVP_MD* m = mdByName(md);
  if (m == nullptr) return "";
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(m, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::vector<PemBlock> pemDecode(std::string_view text, std::string* rest) {
  std::vector<PemBlock> out;
  size_t pos = 0;
  while (true) {
    size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) break;
    size_t type_end = text.find("-----", begin + 11);
    if (type_end == std::string_view::npos) break;
    std::string type(text.substr(begin + 11, type_end - begin - 11));
    std::string end_marker = "-----END " + type + "-----";
    size_t end = text.find(end_marker, type_end + 5);
    if (end == std::string_view::npos) break;
    std::string_view body = text.substr(type_end + 5, end - type_end - 5);
    std::string clean;
    bool headers = body.find(':') != std::string_view::npos;
    if (headers) {
      size_t blank = body.find("\n\n");
      if (blank != std::string_view::npos) body = body.substr(blank + 2);
    }
    for (char ch : body) {
      if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') clean.push_back(ch);
    }
    std::string der, err;
    if (!base64Decode(clean, B64::Std, &der, &err)) break;
    out.push_back(PemBlock{type, der});
    pos = end + end_marker.size();
  }
  if (rest != nullptr) {
    std::string_view r = text.substr(pos);
    size_t i = 0;
    while (i < r.size() && (r[i] == '\n' || r[i] == '\r' || r[i] == ' ' || r[i] == '\t'))
      ++i;
    *rest = std::string(r.substr(i));
  }
  return out;
}

bool keyFromJwk(const Value& jwk, Key* out, std::string* error) {
  const Value* kty = jwk.field("kty");
  if (kty == nullptr || !kty->isString()) {
    *error = "invalid JWK: missing kty";
    return false;
  }
  if (const Value* alg = jwk.field("alg"); alg != nullptr && alg->isString())
    out->alg = std::string(alg->asString());
  if (const Value* kid = jwk.field("kid"); kid != nullptr && kid->isString())
    out->kid = std::string(kid->asString());
  std::string_view t = kty->asString();
  if (t == "RSA") return rsaFromJwk(jwk, out, error);
  if (t == "EC") return ecFromJwk(jwk, out, error);
  if (t == "OKP") return okpFromJwk(jwk, out, error);
  if (t == "oct") {
    if (!b64url(jwk, "k", &out->secret)) {
      *error = "invalid JWK: missing k";
      return false;
    }
    out->is_secret = true;
    return true;
  }
  *error = "invalid key type from JSON (" + std::string(t) + ")";
  return false;
}

bool keyFromJwkText(std::string_view text, Key* out, std::string* error) {
  auto v = parseJson(text);
  if (!v.ok() || !v->isObject()) {
    *error = "failed to parse JWK";
    return false;
  }
  if (const Value* keys = v->field("keys")) {
    if (!keys->isArray() || keys->items().empty()) {
      *error = "no keys found in JWK set";
      return false;
    }
    return keyFromJwk(keys->items()[0], out, error);
  }
  return keyFromJwk(*v, out, error);
}

bool keysFromCertOrJwk(std::string_view text, std::vector<Key>* out, std::string* error) {
  std::string rest;
  std::vector<PemBlock> blocks = pemDecode(text, &rest);
  if (!blocks.empty()) {
    if (blocks.size() > 1 || !rest.empty()) {
      *error = "extra data after a PEM certificate block";
      return false;
    }
    const PemBlock& b = blocks[0];
    const unsigned char* p = reinterpret_cast<const unsigned char*>(b.der.data());
    if (b.type == "CERTIFICATE") {
      X509* cert = d2i_X509(nullptr, &p, static_cast<long>(b.der.size()));
      if (cert == nullptr) {
        *error = "failed to parse a PEM certificate: x509: malformed certificate";
        return false;
      }
      Key k;
      k.pkey = wrap(X509_get_pubkey(cert));
      X509_free(cert);
      if (!k.pkey) {
        *error = "failed to parse a PEM certificate";
        return false;
      }
      out->push_back(std::move(k));
      return true;
    }
    if (b.type == "PUBLIC KEY") {
      EVP_PKEY* pk = d2i_PUBKEY(nullptr, &p, static_cast<long>(b.der.size()));
      if (pk == nullptr) {
        *error = "failed to parse a PEM public key";
        return false;
      }
      Key k;
      k.pkey = wrap(pk);
      out->push_back(std::move(k));
      return true;
    }
    *error = "failed to extract a Key from the PEM certificate";
    return false;
  }
  auto v = parseJson(text);
  if (!v.ok() || !v->isObject()) {
    *error = "failed to parse a JWK key (set): invalid JSON";
    return false;
  }
  std::vector<Value> jwks;
  if (const Value* keys = v->field("keys")) {
    jwks = keys->items();
  } else {
    jwks.push_back(*v);
  }
  for (const auto& j : jwks) {
    Key k;
    std::string err;
    if (!keyFromJwk(j, &k, &err)) {
      *error = "failed to parse a JWK key (set): " + err;
      return false;
    }
    if (!k.alg.empty() && !isJwsAlgorithm(k.alg)) continue;
    out->push_back(std::move(k));
  }
  return true;
}

bool isJwsAlgorithm(std::string_view alg) {
  static const char* kAlgs[] = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                                "ES384", "ES512", "HS256", "HS384", "HS512", "EdDSA"};
  for (const char* a : kAlgs) {
    if (alg == a) return true;
  }
  return false;
}

bool jwsVerify(const Key& key, std::string_view alg, std::string_view data, std::string_view sig) {
  if (alg.substr(0, 2) == "HS") {
    if (!key.is_secret) return false;
    const char* md = algDigest(alg);
    if (md == nullptr) return false;
    std::string mac = hmacDigest(md, key.secret, data);
    return mac.size() == sig.size() && CRYPTO_memcmp(mac.data(), sig.data(), mac.size()) == 0;
  }
  if (!key.pkey) return false;
  EVP_PKEY* pk = key.pkey.get();
  int type = EVP_PKEY_get_base_id(pk);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = false;
  if (alg == "EdDSA") {
    if (type == EVP_PKEY_ED25519 && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk) > 0) {
      ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    }
  } else {
    const char* mdname = algDigest(alg);
    const EVP_MD* md = mdname != nullptr ? mdByName(mdname) : nullptr;
    std::string der;
    std::string_view s = sig;
    bool rsa = alg[0] == 'R' || alg[0] == 'P';
    if (md != nullptr &&
        ((rsa && type == EVP_PKEY_RSA) || (alg[0] == 'E' && type == EVP_PKEY_EC))) {
      if (alg[0] == 'E') {
        der = ecdsaRawToDer(sig);
        s = der;
      }
      if (EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, pk) > 0) {
        if (alg[0] == 'P') {
          EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
          EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO);
        }
        ok =
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
      }
    }
  }
  EVP_MD_CTX_free(ctx);
  return ok;
}

bool jwsSign(const Key& key, std::string_view alg, std::string_view data, std::string* sig,
             std::string* error) {
  if (alg.substr(0, 2) == "HS") {
    if (!key.is_secret) {
      *error = "invalid key for " + std::string(alg);
      return false;
    }
    *sig = hmacDigest(algDigest(alg), key.secret, data);
    return true;
  }
  if (!key.pkey) {
    *error = "invalid key for " + std::string(alg);
    return false;
  }
  EVP_PKEY* pk = key.pkey.get();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = nullptr;
  if (alg != "EdDSA") {
    const char* mdname = algDigest(alg);
    md = mdname != nullptr ? mdByName(mdname) : nullptr;
  }
  bool ok = EVP_DigestSignInit(ctx, &pctx, md, nullptr, pk) > 0;
  if (ok && alg[0] == 'P') {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  if (ok)
    ok = EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                        data.size()) > 0;
  std::string out(len, '\0');
  if (ok) {
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(&out[0]), &len,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) > 0;
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    *error = "failed to sign with " + std::string(alg);
    return false;
  }
  out.resize(len);
  if (alg[0] == 'E' && alg != "EdDSA") {
    size_t size = alg == "ES256" ? 32 : (alg == "ES384" ? 48 : 66);
    out = ecdsaDerToRaw(out, size);
  }
  *sig = out;
  return true;
}

}  // namespace meshgate::rego
