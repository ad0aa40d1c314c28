// SPDX-License-Identifier: Apache-2.0
// Test keys and token minting. Depends on jwt/, testing/ and OpenSSL.
#include "jwt/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "base/file.h"
#include "jwt/base64.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate::jwt {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("test key: " + what);
}

const EVP_MD* mdFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::RS384:
    case Algorithm::PS384:
    case Algorithm::ES384:
    case Algorithm::HS384:
      return EVP_sha384();
    case Algorithm::RS512:
    case Algorithm::PS512:
    case Algorithm::ES512:
    case Algorithm::HS512:
      return EVP_sha512();
    case Algorithm::EdDSA:
      return nullptr;
    default:
      return EVP_sha256();
  }
}

std::string bnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) fail(std::string("no param ") + name);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace

TestKey::TestKey(TestKey&& other) noexcept : key_(other.key_) {
  other.key_ = nullptr;
}
TestKey& TestKey::operator=(TestKey&& other) noexcept {
  std::swap(key_, other.key_);
  return *this;
}
TestKey::~TestKey() {
  EVP_PKEY_free(key_);
}

TestKey TestKey::fromPrivatePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) fail("cannot read private PEM");
  return TestKey(key);
}

const TestKey& TestKey::fromOpensslCli(const std::string& spec) {
  static std::mutex mu;
  static std::map<std::string, TestKey> keys;
  std::map<std::string, TestKey>* cache = &keys;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(spec);
  if (it != cache->end()) return it->second;
  testing::TempDir dir;
  std::string out = dir.file("key.pem");
  std::vector<std::string> argv = {"openssl", "genpkey", "-out", out};
  auto colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  std::string param = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "RSA") {
    argv.insert(argv.end(), {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + param});
  } else if (kind == "EC") {
    argv.insert(argv.end(), {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + param});
  } else if (kind == "ED25519") {
    argv.insert(argv.end(), {"-algorithm", "ED25519"});
  } else {
    fail("unknown spec " + spec);
  }
  auto r = testing::runCommand(argv);
  if (r.exit_code != 0) fail("openssl genpkey " + spec + ": " + r.err);
  auto pem = base::readFile(out);
  if (!pem.ok()) fail(pem.error().describe());
  return cache->emplace(spec, fromPrivatePem(*pem)).first->second;
}

TestKey TestKey::generate(const std::string& spec) {
  EVP_PKEY* key = nullptr;
  if (spec.starts_with("RSA:")) {
    key =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoi(spec.substr(4))));
  } else if (spec.starts_with("EC:")) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.substr(3).c_str());
  } else if (spec == "ED25519") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  if (!key) fail("cannot generate " + spec);
  return TestKey(key);
}

std::string TestKey::sign(Algorithm alg, std::string_view input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = mdFor(alg);
  if (EVP_DigestSignInit(ctx, &pctx, md, nullptr, key_) != 1) fail("sign init");
  if (alg == Algorithm::PS256 || alg == Algorithm::PS384 || alg == Algorithm::PS512) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx, nullptr, &len, in, input.size()) != 1) fail("sign size");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) !=
      1) {
    fail("sign");
  }
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg == Algorithm::ES256) return ecdsaDerToJose(sig, 32);
  if (alg == Algorithm::ES384) return ecdsaDerToJose(sig, 48);
  if (alg == Algorithm::ES512) return ecdsaDerToJose(sig, 66);
  return sig;
}

std::string TestKey::publicPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_);
  return bioText(bio);
}

std::string TestKey::privatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key_, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(bio);
}

std::string TestKey::jwk(std::string_view kid, std::string_view alg) const {
  std::string out = "{";
  switch (EVP_PKEY_get_base_id(key_)) {
    case EVP_PKEY_RSA:
      out += "\"kty\":\"RSA\",\"n\":\"" + base64UrlEncode(bnParam(key_, OSSL_PKEY_PARAM_RSA_N)) +
             "\",\"e\":\"" + base64UrlEncode(bnParam(key_, OSSL_PKEY_PARAM_RSA_E)) + "\"";
      break;
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t group_len = 0;
      EVP_PKEY_get_utf8_string_param(key_, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_len);
      std::string g(group, group_len);
      std::string crv = g == "prime256v1" ? "P-256" : g == "secp384r1" ? "P-384" : "P-521";
      size_t size = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 66;
      auto pad = [&](std::string v) { return std::string(size - v.size(), '\0') + v; };
      out += "\"kty\":\"EC\",\"crv\":\"" + crv + "\",\"x\":\"" +
             base64UrlEncode(pad(bnParam(key_, OSSL_PKEY_PARAM_EC_PUB_X))) + "\",\"y\":\"" +
             base64UrlEncode(pad(bnParam(key_, OSSL_PKEY_PARAM_EC_PUB_Y))) + "\"";
      break;
    }
    case EVP_PKEY_ED25519: {
      unsigned char raw[32];
      size_t len = sizeof raw;
      EVP_PKEY_get_raw_public_key(key_, raw, &len);
      out += "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" +
             base64UrlEncode(std::string_view(reinterpret_cast<char*>(raw), len)) + "\"";
      break;
    }
    default:
      fail("unsupported key type");
  }
  if (!kid.empty()) out += ",\"kid\":\"" + std::string(kid) + "\"";
  if (!alg.empty()) out += ",\"alg\":\"" + std::string(alg) + "\"";
  return out + "}";
}

std::string jwksOf(std::initializer_list<std::string> jwks) {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const std::string& j : jwks) {
    if (!first) out += ",";
    first = false;
    out += j;
  }
  return out + "]}";
}

std::string assembleToken(std::string_view header_json, std::string_view payload_json,
                          std::string_view signature) {
  return base64UrlEncode(header_json) + "." + base64UrlEncode(payload_json) + "." +
         base64UrlEncode(signature);
}

std::string makeToken(std::string_view header_json, std::string_view payload_json,
                      const TestKey& key, Algorithm alg) {
  std::string input = base64UrlEncode(header_json) + "." + base64UrlEncode(payload_json);
  return input + "." + base64UrlEncode(key.sign(alg, input));
}

std::string makeHmacToken(std::string_view header_json, std::string_view payload_json,
                          std::string_view secret, Algorithm alg) {
  std::string input = base64UrlEncode(header_json) + "." + base64UrlEncode(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(mdFor(alg), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), len));
}

std::string ecdsaDerToJose(std::string_view der, size_t half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) fail("bad DER ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(2 * half, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(half));
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + half, static_cast<int>(half));
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace meshgate::jwt
