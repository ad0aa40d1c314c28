// SPDX-License-Identifier: Apache-2.0
// Key loading (JWK, X.509, PEM → EVP_PKEY) and signature checks. Depends on base, jwt/ and
// OpenSSL 3 (EVP only, no deprecated APIs).
#include "jwt/jwk_set.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <atomic>
#include <cctype>

#include "jwt/base64.h"

namespace meshgate::jwt {

void Jwk::PkeyDeleter::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

Jwk::Jwk(Jwk&&) noexcept = default;
Jwk& Jwk::operator=(Jwk&&) noexcept = default;
Jwk::~Jwk() {
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Jwk::PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM, OSSL_PARAM_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;

// Digests are fetched once: an EVP_MD from EVP_sha256() makes every EVP_DigestVerifyInit
// fetch again through the provider store, which costs a lock and a lookup per token.
const EVP_MD* digest(std::string_view name) {
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static const EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  if (name == "SHA384") return sha384;
  if (name == "SHA512") return sha512;
  return sha256;
}

const EVP_MD* digestFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::RS384:
    case Algorithm::PS384:
    case Algorithm::ES384:
    case Algorithm::HS384:
      return digest("SHA384");
    case Algorithm::RS512:
    case Algorithm::PS512:
    case Algorithm::ES512:
    case Algorithm::HS512:
      return digest("SHA512");
    case Algorithm::EdDSA:
      return nullptr;
    default:
      return digest("SHA256");
  }
}

size_t hashBytes(Algorithm alg) {
  switch (alg) {
    case Algorithm::HS384:
      return 48;
    case Algorithm::HS512:
      return 64;
    default:
      return 32;
  }
}

bool isRsaAlg(Algorithm a) {
  return a == Algorithm::RS256 || a == Algorithm::RS384 || a == Algorithm::RS512 ||
         a == Algorithm::PS256 || a == Algorithm::PS384 || a == Algorithm::PS512;
}
bool isPssAlg(Algorithm a) {
  return a == Algorithm::PS256 || a == Algorithm::PS384 || a == Algorithm::PS512;
}
bool isEcAlg(Algorithm a) {
  return a == Algorithm::ES256 || a == Algorithm::ES384 || a == Algorithm::ES512;
}
bool isHmacAlg(Algorithm a) {
  return a == Algorithm::HS256 || a == Algorithm::HS384 || a == Algorithm::HS512;
}

Curve curveFor(Algorithm a) {
  switch (a) {
    case Algorithm::ES256:
      return Curve::P256;
    case Algorithm::ES384:
      return Curve::P384;
    case Algorithm::ES512:
      return Curve::P521;
    case Algorithm::EdDSA:
      return Curve::Ed25519;
    default:
      return Curve::None;
  }
}

size_t coordinateBytes(Curve c) {
  switch (c) {
    case Curve::P256:
      return 32;
    case Curve::P384:
      return 48;
    case Curve::P521:
      return 66;
    default:
      return 0;
  }
}

const char* groupName(Curve c) {
  switch (c) {
    case Curve::P256:
      return "prime256v1";
    case Curve::P384:
      return "secp384r1";
    case Curve::P521:
      return "secp521r1";
    default:
      return "";
  }
}

// DER INTEGER for an unsigned big-endian magnitude.
void appendDerInteger(std::string& out, std::string_view magnitude) {
  size_t skip = 0;
  while (skip + 1 < magnitude.size() && magnitude[skip] == 0)
    ++skip;
  magnitude.remove_prefix(skip);
  bool pad = !magnitude.empty() && (static_cast<unsigned char>(magnitude[0]) & 0x80);
  size_t len = magnitude.size() + (pad ? 1 : 0);
  out.push_back(0x02);
  out.push_back(static_cast<char>(len));  // at most 67 bytes for P-521
  if (pad) out.push_back(0);
  out.append(magnitude);
}

// JOSE ECDSA signatures are R||S, each the curve's size (RFC 7518 §3.4); OpenSSL wants the
// DER SEQUENCE of two INTEGERs.
std::string ecdsaJoseToDer(std::string_view signature) {
  size_t half = signature.size() / 2;
  std::string body;
  body.reserve(signature.size() + 8);
  appendDerInteger(body, signature.substr(0, half));
  appendDerInteger(body, signature.substr(half));
  std::string der;
  der.reserve(body.size() + 3);
  der.push_back(0x30);
  if (body.size() > 127) {
    der.push_back(static_cast<char>(0x81));
  }
  der.push_back(static_cast<char>(body.size()));
  der += body;
  return der;
}

bool digestVerify(EVP_PKEY* pkey, const EVP_MD* md, bool pss, std::string_view signing_input,
                  std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ok = EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey) == 1;
  if (ok && pss) {
    // RFC 7518 §3.5: MGF1 with the same hash, and a salt as long as the hash.
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  if (ok) {
    ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
  }
  // A failed verification leaves errors on the thread's queue; don't let them leak into an
  // unrelated caller's ERR_get_error().
  if (!ok) ERR_clear_error();
  return ok;
}

bool hmacVerify(std::string_view secret, const EVP_MD* md, std::string_view signing_input,
                std::string_view signature) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(md, secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
           &mac_len) == nullptr) {
    ERR_clear_error();
    return false;
  }
  return mac_len == signature.size() && CRYPTO_memcmp(mac, signature.data(), mac_len) == 0;
}

std::atomic<uint64_t> g_next_set_id{1};

}  // namespace

std::string_view keyTypeName(KeyType type) {
  switch (type) {
    case KeyType::RSA:
      return "RSA";
    case KeyType::EC:
      return "EC";
    case KeyType::OKP:
      return "OKP";
    case KeyType::Oct:
      return "oct";
  }
  return "?";
}

bool Jwk::fits(Algorithm alg) const {
  if (alg_ && *alg_ != alg) return false;
  switch (type_) {
    case KeyType::RSA:
      return isRsaAlg(alg);
    case KeyType::EC:
      return isEcAlg(alg) && curve_ == curveFor(alg);
    case KeyType::OKP:
      return alg == Algorithm::EdDSA && curve_ == Curve::Ed25519;
    case KeyType::Oct:
      return isHmacAlg(alg) && secret_.size() >= hashBytes(alg);
  }
  return false;
}

bool Jwk::verify(Algorithm alg, std::string_view signing_input, std::string_view signature) const {
  MG_ASSERT(fits(alg), "Jwk::verify with an algorithm the key does not fit");
  switch (type_) {
    case KeyType::RSA:
      return digestVerify(pkey_.get(), digestFor(alg), isPssAlg(alg), signing_input, signature);
    case KeyType::EC:
      if (signature.size() != 2 * coordinateBytes(curve_)) return false;
      return digestVerify(pkey_.get(), digestFor(alg), false, signing_input,
                          ecdsaJoseToDer(signature));
    case KeyType::OKP:
      if (signature.size() != 64) return false;
      return digestVerify(pkey_.get(), nullptr, false, signing_input, signature);
    case KeyType::Oct:
      return hmacVerify(secret_, digestFor(alg), signing_input, signature);
  }
  return false;
}

// Builds keys. A friend of Jwk and JwkSet so that both stay immutable to everyone else.
class JwkSetLoader {
 public:
  explicit JwkSetLoader(const JwksParseOptions& options) : options_(options) {}

  Outcome<std::shared_ptr<const JwkSet>> load(std::string_view text) {
    if (text.size() > options_.max_bytes) return JwtStatus::JwksParseError;
    std::string_view trimmed = text;
    while (!trimmed.empty() && isspace(static_cast<unsigned char>(trimmed.front()))) {
      trimmed.remove_prefix(1);
    }
    std::shared_ptr<JwkSet> set(new JwkSet());
    JwtStatus status =
        trimmed.starts_with("-----BEGIN") ? loadPem(trimmed, "", *set) : loadJson(text, *set);
    if (status != JwtStatus::Ok) return status;
    if (set->keys_.empty()) {
      return set->first_skip_reason_ != JwtStatus::Ok ? set->first_skip_reason_
                                                      : JwtStatus::JwksNoValidKeys;
    }
    return std::shared_ptr<const JwkSet>(std::move(set));
  }

 private:
  static void skip(JwkSet& set, JwtStatus why) {
    if (set.skipped_++ == 0) set.first_skip_reason_ = why;
  }

  void add(JwkSet& set, Outcome<Jwk> key) {
    if (key.ok()) {
      set.keys_.push_back(std::move(key).value());
    } else {
      skip(set, key.status());
    }
  }

  JwtStatus loadJson(std::string_view text, JwkSet& set) {
    JsonParseOptions json_options;
    json_options.max_bytes = options_.max_bytes;
    json_options.max_depth = 8;
    auto root = JsonValue::parse(text, json_options);
    if (!root.ok() || !root->isObject()) return JwtStatus::JwksParseError;
    if (auto keys = root->find("keys")) {
      if (!keys->isArray()) return JwtStatus::JwksBadKeys;
      if (keys->size() > options_.max_keys) return JwtStatus::JwksTooManyKeys;
      for (size_t i = 0; i < keys->size(); ++i) {
        JsonValue jwk = keys->at(i);
        if (!jwk.isObject()) {
          skip(set, JwtStatus::JwksBadKeys);
          continue;
        }
        add(set, loadJwk(jwk));
      }
      return JwtStatus::Ok;
    }
    if (root->find("kty")) {
      add(set, loadJwk(*root));
      return JwtStatus::Ok;
    }
    if (isX509Map(*root)) {
      if (root->size() > options_.max_keys) return JwtStatus::JwksTooManyKeys;
      for (size_t i = 0; i < root->size(); ++i) {
        JwtStatus s = loadPem(root->at(i).asString(), root->keyAt(i), set);
        if (s != JwtStatus::Ok) skip(set, s);
      }
      return JwtStatus::Ok;
    }
    return JwtStatus::JwksNoKeys;
  }

  static bool isX509Map(const JsonValue& root) {
    if (root.size() == 0) return false;
    for (size_t i = 0; i < root.size(); ++i) {
      JsonValue v = root.at(i);
      if (root.keyAt(i).empty() || !v.isString() ||
          !v.asString().starts_with("-----BEGIN CERTIFICATE-----")) {
        return false;
      }
    }
    return true;
  }

  Outcome<Jwk> loadJwk(const JsonValue& jwk) {
    Jwk key;
    auto kty = jwk.find("kty");
    if (!kty) return JwtStatus::JwksMissingKty;
    if (!kty->isString()) return JwtStatus::JwksBadKty;
    if (auto kid = jwk.find("kid")) {
      if (!kid->isString()) return JwtStatus::JwksBadKid;
      key.kid_ = std::string(kid->asString());
    }
    std::optional<std::string_view> alg_name;
    if (auto alg = jwk.find("alg")) {
      if (!alg->isString()) return JwtStatus::JwksBadAlg;
      alg_name = alg->asString();
    }
    if (JwtStatus s = checkUse(jwk); s != JwtStatus::Ok) return s;

    std::string_view type = kty->asString();
    JwtStatus s;
    if (type == "RSA") {
      s = loadRsaJwk(jwk, alg_name, key);
    } else if (type == "EC") {
      s = loadEcJwk(jwk, alg_name, key);
    } else if (type == "OKP") {
      s = loadOkpJwk(jwk, alg_name, key);
    } else if (type == "oct") {
      s = loadOctJwk(jwk, alg_name, key);
    } else {
      s = JwtStatus::JwksNotImplementedKty;
    }
    if (s != JwtStatus::Ok) return s;
    return key;
  }

  // RFC 7517 §4.2/§4.3: a key marked for encryption, or whose operations exclude "verify",
  // must not verify signatures.
  static JwtStatus checkUse(const JsonValue& jwk) {
    if (auto use = jwk.find("use")) {
      if (!use->isString() || use->asString() != "sig") return JwtStatus::JwksKeyNotForSignature;
    }
    if (auto ops = jwk.find("key_ops")) {
      if (!ops->isArray()) return JwtStatus::JwksKeyNotForSignature;
      for (size_t i = 0; i < ops->size(); ++i) {
        if (ops->at(i).isString() && ops->at(i).asString() == "verify") return JwtStatus::Ok;
      }
      return JwtStatus::JwksKeyNotForSignature;
    }
    return JwtStatus::Ok;
  }

  // Reads a required base64url string member. `missing`/`bad_type` are the statuses for an
  // absent or non-string member, `bad_base64` for undecodable text.
  static JwtStatus member(const JsonValue& jwk, std::string_view name, JwtStatus missing,
                          JwtStatus bad_type, JwtStatus bad_base64, std::string& out) {
    auto v = jwk.find(name);
    if (!v) return missing;
    if (!v->isString()) return bad_type;
    auto decoded = base64UrlDecode(v->asString(), Base64UrlPadding::Optional);
    if (!decoded || decoded->empty()) return bad_base64;
    out = std::move(*decoded);
    return JwtStatus::Ok;
  }

  JwtStatus loadRsaJwk(const JsonValue& jwk, std::optional<std::string_view> alg_name, Jwk& key) {
    if (alg_name) {
      auto alg = algorithmFromName(*alg_name);
      if (!alg || !isRsaAlg(*alg)) return JwtStatus::JwksRSAKeyBadAlg;
      key.alg_ = alg;
    }
    std::string n, e;
    JwtStatus s = member(jwk, "n", JwtStatus::JwksRSAKeyMissingN, JwtStatus::JwksRSAKeyBadN,
                         JwtStatus::JwksRsaParseError, n);
    if (s != JwtStatus::Ok) return s;
    s = member(jwk, "e", JwtStatus::JwksRSAKeyMissingE, JwtStatus::JwksRSAKeyBadE,
               JwtStatus::JwksRsaParseError, e);
    if (s != JwtStatus::Ok) return s;
    BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                         static_cast<int>(n.size()), nullptr));
    BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                         static_cast<int>(e.size()), nullptr));
    if (!bn_n || !bn_e) return JwtStatus::JwksRsaParseError;
    if (s = checkRsaNumbers(bn_n.get(), bn_e.get()); s != JwtStatus::Ok) return s;

    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
      return JwtStatus::JwksRsaParseError;
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyPtr pkey = fromData("RSA", params.get());
    if (!pkey) return JwtStatus::JwksRsaParseError;
    key.type_ = KeyType::RSA;
    key.bits_ = EVP_PKEY_get_bits(pkey.get());
    key.pkey_ = std::move(pkey);
    return JwtStatus::Ok;
  }

  JwtStatus checkRsaNumbers(const BIGNUM* n, const BIGNUM* e) const {
    // Envoy refuses exponents other than 3 and 65537 ("non-standard key; reject it early").
    if (!BN_is_word(e, 3) && !BN_is_word(e, 65537)) return JwtStatus::JwksRsaParseError;
    int bits = BN_num_bits(n);
    if (bits < options_.min_rsa_bits) return JwtStatus::JwksRsaKeyTooSmall;
    if (bits > 16384 || !BN_is_odd(n)) return JwtStatus::JwksRsaParseError;
    return JwtStatus::Ok;
  }

  static PkeyPtr fromData(const char* type, OSSL_PARAM* params) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || !params || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      ERR_clear_error();
      return nullptr;
    }
    return PkeyPtr(raw);
  }

  // EC points must be on the curve and of the right order. (RSA public keys get the cheap
  // checks in checkRsaNumbers instead: OpenSSL's RSA public check runs SP 800-56B tests that
  // cost milliseconds per key and add nothing to signature verification.)
  static bool ecPublicCheck(EVP_PKEY* pkey) {
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
      ERR_clear_error();
      return false;
    }
    return true;
  }

  JwtStatus loadEcJwk(const JsonValue& jwk, std::optional<std::string_view> alg_name, Jwk& key) {
    std::optional<Algorithm> alg;
    if (alg_name) {
      alg = algorithmFromName(*alg_name);
      if (!alg || !isEcAlg(*alg)) return JwtStatus::JwksECKeyBadAlg;
    }
    Curve curve = Curve::None;
    if (auto crv = jwk.find("crv")) {
      if (!crv->isString()) return JwtStatus::JwksECKeyBadCrv;
      std::string_view c = crv->asString();
      if (c == "P-256") {
        curve = Curve::P256;
      } else if (c == "P-384") {
        curve = Curve::P384;
      } else if (c == "P-521") {
        curve = Curve::P521;
      } else {
        return JwtStatus::JwksECKeyAlgOrCrvUnsupported;
      }
      if (alg && curveFor(*alg) != curve) return JwtStatus::JwksECKeyAlgNotCompatibleWithCrv;
    } else {
      // RFC 7518 makes crv required; Envoy infers it from alg, or assumes P-256.
      curve = alg ? curveFor(*alg) : Curve::P256;
    }
    std::string x, y;
    JwtStatus s = member(jwk, "x", JwtStatus::JwksECKeyMissingX, JwtStatus::JwksECKeyBadX,
                         JwtStatus::JwksEcXorYBadBase64, x);
    if (s != JwtStatus::Ok) return s;
    s = member(jwk, "y", JwtStatus::JwksECKeyMissingY, JwtStatus::JwksECKeyBadY,
               JwtStatus::JwksEcXorYBadBase64, y);
    if (s != JwtStatus::Ok) return s;
    size_t size = coordinateBytes(curve);
    // RFC 7518 §6.2.1.2 wants full-length coordinates; a few publishers drop leading zero
    // bytes, which is harmless to accept. Longer is never valid.
    if (x.size() > size || y.size() > size) return JwtStatus::JwksEcParseError;
    std::string point(1, '\x04');
    point.append(size - x.size(), '\0').append(x);
    point.append(size - y.size(), '\0').append(y);

    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         const_cast<char*>(groupName(curve)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end(),
    };
    PkeyPtr pkey = fromData("EC", params);
    if (!pkey || !ecPublicCheck(pkey.get())) return JwtStatus::JwksEcParseError;
    key.type_ = KeyType::EC;
    key.curve_ = curve;
    key.alg_ = alg;
    key.bits_ = EVP_PKEY_get_bits(pkey.get());
    key.pkey_ = std::move(pkey);
    return JwtStatus::Ok;
  }

  static JwtStatus loadOkpJwk(const JsonValue& jwk, std::optional<std::string_view> alg_name,
                              Jwk& key) {
    if (alg_name) {
      if (*alg_name != "EdDSA") return JwtStatus::JwksOKPKeyBadAlg;
      key.alg_ = Algorithm::EdDSA;
    }
    auto crv = jwk.find("crv");
    if (!crv) return JwtStatus::JwksOKPKeyMissingCrv;
    if (!crv->isString()) return JwtStatus::JwksOKPKeyBadCrv;
    if (crv->asString() != "Ed25519") return JwtStatus::JwksOKPKeyCrvUnsupported;
    std::string x;
    JwtStatus s = member(jwk, "x", JwtStatus::JwksOKPKeyMissingX, JwtStatus::JwksOKPKeyBadX,
                         JwtStatus::JwksOKPXBadBase64, x);
    if (s != JwtStatus::Ok) return s;
    if (x.size() != 32) return JwtStatus::JwksOKPXWrongLength;
    PkeyPtr pkey(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
    if (!pkey) {
      ERR_clear_error();
      return JwtStatus::JwksOKPXWrongLength;
    }
    key.type_ = KeyType::OKP;
    key.curve_ = Curve::Ed25519;
    key.bits_ = 256;
    key.pkey_ = std::move(pkey);
    return JwtStatus::Ok;
  }

  JwtStatus loadOctJwk(const JsonValue& jwk, std::optional<std::string_view> alg_name,
                       Jwk& key) const {
    if (alg_name) {
      auto alg = algorithmFromName(*alg_name);
      if (!alg || !isHmacAlg(*alg)) return JwtStatus::JwksHMACKeyBadAlg;
      key.alg_ = alg;
    }
    if (!options_.allow_symmetric) return JwtStatus::JwksHMACKeyNotAllowed;
    std::string k;
    JwtStatus s = member(jwk, "k", JwtStatus::JwksHMACKeyMissingK, JwtStatus::JwksHMACKeyBadK,
                         JwtStatus::JwksOctBadBase64, k);
    if (s != JwtStatus::Ok) return s;
    if (k.size() < hashBytes(key.alg_.value_or(Algorithm::HS256))) {
      OPENSSL_cleanse(k.data(), k.size());
      return JwtStatus::JwksHMACKeyTooShort;
    }
    key.type_ = KeyType::Oct;
    key.bits_ = static_cast<int>(k.size() * 8);
    key.secret_ = std::move(k);
    return JwtStatus::Ok;
  }

  // One or more PEM blocks; each becomes a key with `kid`.
  JwtStatus loadPem(std::string_view text, std::string_view kid, JwkSet& set) {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) return JwtStatus::JwksPemBadBase64;
    size_t blocks = 0;
    for (;;) {
      char* name = nullptr;
      char* header = nullptr;
      unsigned char* data = nullptr;
      long len = 0;
      if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
        ERR_clear_error();
        break;
      }
      ++blocks;
      if (set.keys_.size() + set.skipped_ >= options_.max_keys) {
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        return JwtStatus::JwksTooManyKeys;
      }
      Outcome<Jwk> key = pemBlockToKey(name, data, len);
      OPENSSL_free(name);
      OPENSSL_free(header);
      OPENSSL_free(data);
      if (key.ok()) key->kid_ = std::string(kid);
      add(set, std::move(key));
    }
    return blocks == 0 ? JwtStatus::JwksPemBadBase64 : JwtStatus::Ok;
  }

  Outcome<Jwk> pemBlockToKey(std::string_view name, const unsigned char* data, long len) {
    const unsigned char* p = data;
    PkeyPtr pkey;
    if (name == "PUBLIC KEY") {
      pkey.reset(d2i_PUBKEY(nullptr, &p, len));
    } else if (name == "RSA PUBLIC KEY") {
      pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
    } else if (name == "CERTIFICATE") {
      X509Ptr cert(d2i_X509(nullptr, &p, len));
      if (!cert) {
        ERR_clear_error();
        return JwtStatus::JwksX509ParseError;
      }
      pkey.reset(X509_get_pubkey(cert.get()));
      if (!pkey) {
        ERR_clear_error();
        return JwtStatus::JwksX509GetPubkeyError;
      }
    } else {
      return JwtStatus::JwksPemNotImplementedKty;
    }
    if (!pkey || p != data + len) {
      ERR_clear_error();
      return JwtStatus::JwksPemBadBase64;
    }
    return fromPkey(std::move(pkey));
  }

  Outcome<Jwk> fromPkey(PkeyPtr pkey) {
    Jwk key;
    switch (EVP_PKEY_get_base_id(pkey.get())) {
      case EVP_PKEY_RSA: {
        BIGNUM* n = nullptr;
        BIGNUM* e = nullptr;
        EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e);
        BnPtr bn_n(n), bn_e(e);
        if (!n || !e) {
          ERR_clear_error();
          return JwtStatus::JwksRsaParseError;
        }
        if (JwtStatus s = checkRsaNumbers(n, e); s != JwtStatus::Ok) return s;
        key.type_ = KeyType::RSA;
        break;
      }
      case EVP_PKEY_EC: {
        char group[64] = {};
        size_t group_len = 0;
        if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof group, &group_len) != 1) {
          ERR_clear_error();
          return JwtStatus::JwksECKeyAlgOrCrvUnsupported;
        }
        std::string_view g(group, group_len);
        if (g == "prime256v1" || g == "P-256") {
          key.curve_ = Curve::P256;
        } else if (g == "secp384r1" || g == "P-384") {
          key.curve_ = Curve::P384;
        } else if (g == "secp521r1" || g == "P-521") {
          key.curve_ = Curve::P521;
        } else {
          return JwtStatus::JwksECKeyAlgOrCrvUnsupported;
        }
        if (!ecPublicCheck(pkey.get())) return JwtStatus::JwksEcParseError;
        key.type_ = KeyType::EC;
        break;
      }
      case EVP_PKEY_ED25519:
        key.type_ = KeyType::OKP;
        key.curve_ = Curve::Ed25519;
        break;
      default:
        return JwtStatus::JwksPemNotImplementedKty;
    }
    key.bits_ = EVP_PKEY_get_bits(pkey.get());
    key.pkey_ = std::move(pkey);
    return key;
  }

  const JwksParseOptions& options_;
};

JwkSet::JwkSet() : id_(g_next_set_id.fetch_add(1, std::memory_order_relaxed)) {}

Outcome<std::shared_ptr<const JwkSet>> JwkSet::parse(std::string_view text,
                                                     const JwksParseOptions& options) {
  return JwkSetLoader(options).load(text);
}

}  // namespace meshgate::jwt
