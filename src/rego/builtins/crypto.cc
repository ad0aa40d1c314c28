// SPDX-License-Identifier: Apache-2.0
// Crypto: hashes, HMAC, X.509 certificates and requests, private keys.
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "rego/builtins/crypto_util.h"
#include "rego/builtins/encoding_util.h"
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

std::vector<std::string> split(const char* oid);

Value hashFn(BuiltinContext& c, Args a, const char* md) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(hexEncode(digest(md, s)));
}
Value md5(BuiltinContext& c, Args a) {
  return hashFn(c, a, "md5");
}
Value sha1(BuiltinContext& c, Args a) {
  return hashFn(c, a, "sha1");
}
Value sha256(BuiltinContext& c, Args a) {
  return hashFn(c, a, "sha256");
}

Value hmacFn(BuiltinContext& c, Args a, const char* md) {
  std::string_view x, key;
  if (!argString(c, a, 0, &x) || !argString(c, a, 1, &key)) return Value();
  return strValue(hexEncode(hmacDigest(md, key, x)));
}
Value hmacMd5(BuiltinContext& c, Args a) {
  return hmacFn(c, a, "md5");
}
Value hmacSha1(BuiltinContext& c, Args a) {
  return hmacFn(c, a, "sha1");
}
Value hmacSha256(BuiltinContext& c, Args a) {
  return hmacFn(c, a, "sha256");
}
Value hmacSha512(BuiltinContext& c, Args a) {
  return hmacFn(c, a, "sha512");
}

Value hmacEqual(BuiltinContext& c, Args a) {
  std::string_view x, y;
  if (!argString(c, a, 0, &x) || !argString(c, a, 1, &y)) return Value();
  return boolValue(x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0);
}

// ---- X.509 ----

std::string der(X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  return out;
}

Value asn1Time(const ASN1_TIME* t) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  if (ASN1_TIME_to_tm(t, &tm) != 1) return Value::null();
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return strValue(buf);
}

Value stringList(const std::vector<std::string>& v) {
  if (v.empty()) return Value::null();
  std::vector<Value> out;
  for (const auto& s : v)
    out.push_back(strValue(s));
  return Value::array(std::move(out));
}

Value nameValue(X509_NAME* name) {
  std::vector<std::string> country, org, ou, locality, province, street, postal;
  std::string serial, cn;
  std::vector<Value> names;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    std::string value =
        len >= 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(len)) : "";
    OPENSSL_free(utf8);
    int nid = OBJ_obj2nid(obj);
    switch (nid) {
      case NID_countryName:
        country.push_back(value);
        break;
      case NID_organizationName:
        org.push_back(value);
        break;
      case NID_organizationalUnitName:
        ou.push_back(value);
        break;
      case NID_localityName:
        locality.push_back(value);
        break;
      case NID_stateOrProvinceName:
        province.push_back(value);
        break;
      case NID_streetAddress:
        street.push_back(value);
        break;
      case NID_postalCode:
        postal.push_back(value);
        break;
      case NID_serialNumber:
        serial = value;
        break;
      case NID_commonName:
        cn = value;
        break;
      default:
        break;
    }
    char oid[128];
    OBJ_obj2txt(oid, sizeof(oid), obj, 1);
    std::vector<Value> parts;
    for (const auto& p : split(oid))
      parts.push_back(Value::numberFromText(p));
    names.push_back(Value::object({{strValue("Type"), Value::array(std::move(parts))},
                                   {strValue("Value"), strValue(value)}}));
  }
  return Value::object({
      {strValue("Country"), stringList(country)},
      {strValue("Organization"), stringList(org)},
      {strValue("OrganizationalUnit"), stringList(ou)},
      {strValue("Locality"), stringList(locality)},
      {strValue("Province"), stringList(province)},
      {strValue("StreetAddress"), stringList(street)},
      {strValue("PostalCode"), stringList(postal)},
      {strValue("SerialNumber"), strValue(serial)},
      {strValue("CommonName"), strValue(cn)},
      {strValue("Names"), names.empty() ? Value::null() : Value::array(std::move(names))},
      {strValue("ExtraNames"), Value::null()},
  });
}

std::vector<std::string> split(const char* oid) {
  std::vector<std::string> out;
  std::string cur;
  for (const char* p = oid; *p != '\0'; ++p) {
    if (*p == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(*p);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string ipText(const ASN1_OCTET_STRING* ip) {
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  int n = ASN1_STRING_length(ip);
  char buf[64];
  if (n == 4) {
    std::snprintf(buf, sizeof(buf), "%d.%d.%d.%d", d[0], d[1], d[2], d[3]);
    return buf;
  }
  if (n == 16) {
    std::string out;
    for (int i = 0; i < 16; i += 2) {
      if (i > 0) out += ":";
      std::snprintf(buf, sizeof(buf), "%x", (d[i] << 8) | d[i + 1]);
      out += buf;
    }
    return out;
  }
  return "";
}

Value certValue(X509* cert) {
  std::vector<std::string> dns, emails, ips, uris;
  GENERAL_NAMES* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type == GEN_DNS || gn->type == GEN_EMAIL || gn->type == GEN_URI) {
        const unsigned char* d = ASN1_STRING_get0_data(gn->d.ia5);
        std::string s(reinterpret_cast<const char*>(d),
                      static_cast<size_t>(ASN1_STRING_length(gn->d.ia5)));
        if (gn->type == GEN_DNS) dns.push_back(s);
        if (gn->type == GEN_EMAIL) emails.push_back(s);
        if (gn->type == GEN_URI) uris.push_back(s);
      } else if (gn->type == GEN_IPADD) {
        ips.push_back(ipText(gn->d.ip));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  std::string raw = der(cert);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  BIGNUM* sbn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* sdec = BN_bn2dec(sbn);
  Value serial_v = Value::numberFromText(sdec != nullptr ? sdec : "0");
  OPENSSL_free(sdec);
  BN_free(sbn);
  uint32_t ku = X509_get_key_usage(cert);
  // Go's KeyUsage bits are in the order of the ASN.1 bit string.
  int64_t go_ku = 0;
  if (ku != UINT32_MAX) {
    static const uint32_t kBits[] = {KU_DIGITAL_SIGNATURE, KU_NON_REPUDIATION, KU_KEY_ENCIPHERMENT,
                                     KU_DATA_ENCIPHERMENT, KU_KEY_AGREEMENT,   KU_KEY_CERT_SIGN,
                                     KU_CRL_SIGN,          KU_ENCIPHER_ONLY,   KU_DECIPHER_ONLY};
    for (int i = 0; i < 9; ++i) {
      if (ku & kBits[i]) go_ku |= (int64_t{1} << i);
    }
  }
  BASIC_CONSTRAINTS* bc = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr));
  bool bc_valid = bc != nullptr;
  bool is_ca = bc != nullptr && bc->ca != 0;
  BASIC_CONSTRAINTS_free(bc);
  const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(cert);
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(cert);
  auto octets = [](const ASN1_OCTET_STRING* o) -> Value {
    if (o == nullptr) return Value::null();
    return strValue(
        base64Encode(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(o)),
                                      static_cast<size_t>(ASN1_STRING_length(o))),
                     B64::Std));
  };
  std::vector<ObjectEntry> es = {
      {strValue("Raw"), strValue(base64Encode(raw, B64::Std))},
      {strValue("Version"), intValue(X509_get_version(cert) + 1)},
      {strValue("SerialNumber"), serial_v},
      {strValue("Issuer"), nameValue(X509_get_issuer_name(cert))},
      {strValue("Subject"), nameValue(X509_get_subject_name(cert))},
      {strValue("NotBefore"), asn1Time(X509_get0_notBefore(cert))},
      {strValue("NotAfter"), asn1Time(X509_get0_notAfter(cert))},
      {strValue("KeyUsage"), intValue(go_ku)},
      {strValue("BasicConstraintsValid"), boolValue(bc_valid)},
      {strValue("IsCA"), boolValue(is_ca)},
      {strValue("SubjectKeyId"), octets(skid)},
      {strValue("AuthorityKeyId"), octets(akid)},
      {strValue("DNSNames"), stringList(dns)},
      {strValue("EmailAddresses"), stringList(emails)},
      {strValue("IPAddresses"), stringList(ips)},
      {strValue("URIStrings"), stringList(uris)},
  };
  return Value::object(std::move(es));
}

// Certificates from PEM, base64-encoded PEM, or base64-encoded DER.
bool parseCerts(BuiltinContext& c, std::string_view input, std::vector<X509*>* out) {
  std::string text(input);
  if (text.rfind("-----BEGIN", 0) != 0) {
    std::string decoded, err;
    if (!base64Decode(text, B64::Std, &decoded, &err)) {
      c.builtinError(err);
      return false;
    }
    text = decoded;
  }
  if (text.rfind("-----BEGIN", 0) == 0) {
    for (const auto& b : pemDecode(text, nullptr)) {
      if (b.type != "CERTIFICATE") continue;
      const unsigned char* p = reinterpret_cast<const unsigned char*>(b.der.data());
      X509* x = d2i_X509(nullptr, &p, static_cast<long>(b.der.size()));
      if (x == nullptr) {
        c.builtinError("x509: malformed certificate");
        return false;
      }
      out->push_back(x);
    }
    return true;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(end - p));
    if (x == nullptr) {
      c.builtinError("x509: malformed certificate");
      return false;
    }
    out->push_back(x);
  }
  return true;
}

Value parseCertificates(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::vector<X509*> certs;
  bool ok = parseCerts(c, s, &certs);
  std::vector<Value> out;
  for (X509* x : certs) {
    if (ok) out.push_back(certValue(x));
    X509_free(x);
  }
  if (!ok) return Value();
  return Value::array(std::move(out));
}

struct VerifyOptions {
  std::string dns_name;
  std::optional<int64_t> now_ns;
  /// Extended key usages (OpenSSL NIDs); empty means any usage.
  std::vector<int> usages;
};

// Whether every certificate that restricts its extended key usage allows `nid`.
bool chainAllows(const std::vector<X509*>& certs, int nid) {
  for (X509* x : certs) {
    auto* eku =
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr));
    if (eku == nullptr) continue;
    bool ok = false;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
      int got = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
      ok = ok || got == nid || got == NID_anyExtendedKeyUsage;
    }
    EXTENDED_KEY_USAGE_free(eku);
    if (!ok) return false;
  }
  return true;
}

// OPA's verifyX509CertificateChain: the first certificate is the root, the
// last the leaf, the rest intermediates.
Value verifyChain(BuiltinContext& c, std::string_view s, const VerifyOptions& opts) {
  Value invalid = Value::array({boolValue(false), Value::emptyArray()});
  std::vector<X509*> certs;
  if (!parseCerts(c, s, &certs)) {
    c.clearError();
    for (X509* x : certs)
      X509_free(x);
    return invalid;
  }
  if (certs.size() < 2) {
    for (X509* x : certs)
      X509_free(x);
    return invalid;
  }
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, certs.front());
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (size_t i = 1; i + 1 < certs.size(); ++i)
    sk_X509_push(chain, certs[i]);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, certs.back(), chain);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  int64_t now = opts.now_ns ? *opts.now_ns : c.nowNs();
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now / 1000000000));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_ANY);
  if (!opts.dns_name.empty()) {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, opts.dns_name.c_str()) != 1) {
      X509_VERIFY_PARAM_set1_host(param, opts.dns_name.c_str(), opts.dns_name.size());
    }
  }
  bool valid = X509_verify_cert(ctx) == 1;
  if (valid && !opts.usages.empty()) {
    bool any = false;
    for (int nid : opts.usages)
      any = any || chainAllows(certs, nid);
    valid = any;
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(chain);
  X509_STORE_free(store);
  Value result = invalid;
  if (valid) {
    // The verified chain, leaf first.
    std::vector<Value> out;
    for (auto it = certs.rbegin(); it != certs.rend(); ++it)
      out.push_back(certValue(*it));
    result = Value::array({boolValue(true), Value::array(std::move(out))});
  }
  for (X509* x : certs)
    X509_free(x);
  return result;
}

Value parseAndVerify(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return verifyChain(c, s, VerifyOptions{});
}

// Go's x509.ExtKeyUsage names as OPA accepts them (-1: no OpenSSL equivalent,
// accepted and treated as unrestricted).
int keyUsageNid(std::string_view name, bool* known) {
  static const std::pair<const char*, int> kUsages[] = {
      {"KeyUsageAny", NID_anyExtendedKeyUsage},
      {"KeyUsageServerAuth", NID_server_auth},
      {"KeyUsageClientAuth", NID_client_auth},
      {"KeyUsageCodeSigning", NID_code_sign},
      {"KeyUsageEmailProtection", NID_email_protect},
      {"KeyUsageIPSECEndSystem", NID_ipsecEndSystem},
      {"KeyUsageIPSECTunnel", NID_ipsecTunnel},
      {"KeyUsageIPSECUser", NID_ipsecUser},
      {"KeyUsageTimeStamping", NID_time_stamp},
      {"KeyUsageOCSPSigning", NID_OCSP_sign},
      {"KeyUsageMicrosoftServerGatedCrypto", NID_ms_sgc},
      {"KeyUsageNetscapeServerGatedCrypto", NID_ns_sgc},
      {"KeyUsageMicrosoftCommercialCodeSigning", NID_ms_code_com},
      {"KeyUsageMicrosoftKernelCodeSigning", -1},
  };
  for (const auto& [n, nid] : kUsages) {
    if (name == n) {
      *known = true;
      return nid;
    }
  }
  *known = false;
  return -1;
}

Value parseAndVerifyWithOptions(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s) || !argObject(c, a, 1)) return Value();
  VerifyOptions opts;
  // Go's default when no key usage is requested: server authentication.
  opts.usages = {NID_server_auth};
  for (const auto& e : a[1].entries()) {
    if (!e.key.isString()) continue;
    std::string_view k = e.key.asString();
    const Value& v = e.value;
    if (k == "DNSName") {
      if (!v.isString()) return c.builtinError("'DNSName' should be a string"), Value();
      opts.dns_name = std::string(v.asString());
    } else if (k == "CurrentTime") {
      if (!v.isNumber()) return c.builtinError("'CurrentTime' should be a number"), Value();
      int64_t ns;
      if (!v.toInt64(&ns))
        return c.builtinError("'CurrentTime' should be a valid int64 number"), Value();
      opts.now_ns = ns;
    } else if (k == "MaxConstraintComparisons") {
      if (!v.isNumber())
        return c.builtinError("'MaxConstraintComparisons' should be a number"), Value();
      int64_t n;
      if (!v.toInt64(&n))
        return c.builtinError("'MaxConstraintComparisons' should be a valid number"), Value();
    } else if (k == "KeyUsages") {
      if (!v.isArray() && !v.isSet())
        return c.builtinError("'KeyUsages' should be an Array or Set"), Value();
      std::vector<int> usages;
      std::string invalid;
      bool any = false;
      for (const auto& u : v.items()) {
        if (!u.isString()) continue;
        bool known;
        int nid = keyUsageNid(u.asString(), &known);
        if (!known) {
          invalid += (invalid.empty() ? "" : " ") + std::string(u.asString());
        } else if (nid == NID_anyExtendedKeyUsage) {
          any = true;
        } else if (nid >= 0) {
          usages.push_back(nid);
        }
      }
      if (!invalid.empty()) {
        return c.builtinError("invalid entries for 'KeyUsages' found: [" + invalid + "]"), Value();
      }
      opts.usages = any ? std::vector<int>{} : usages;
    } else {
      return c.builtinError("invalid key option"), Value();
    }
  }
  return verifyChain(c, s, opts);
}

Value parseCertificateRequest(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string text(s);
  if (text.rfind("-----BEGIN", 0) != 0) {
    std::string decoded, err;
    if (!base64Decode(text, B64::Std, &decoded, &err)) {
      c.builtinError(err);
      return Value();
    }
    text = decoded;
  }
  std::string der_bytes = text;
  if (text.rfind("-----BEGIN", 0) == 0) {
    auto blocks = pemDecode(text, nullptr);
    if (blocks.empty()) {
      c.builtinError("failed to parse a PEM certificate request");
      return Value();
    }
    der_bytes = blocks[0].der;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der_bytes.data());
  X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der_bytes.size()));
  if (req == nullptr) {
    c.builtinError("asn1: structure error: failed to parse certificate request");
    return Value();
  }
  Value v = Value::object({{strValue("Version"), intValue(X509_REQ_get_version(req))},
                           {strValue("Subject"), nameValue(X509_REQ_get_subject_name(req))}});
  X509_REQ_free(req);
  return v;
}

std::string bnB64(const BIGNUM* b) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(bytes.data()));
  return base64Encode(bytes, B64::RawUrl);
}

Value rsaJwk(EVP_PKEY* pk) {
  std::vector<ObjectEntry> es = {{strValue("kty"), strValue("RSA")}};
  const char* names[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                         OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                         OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                         OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  const char* keys[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
  for (int i = 0; i < 8; ++i) {
    BIGNUM* b = nullptr;
    if (EVP_PKEY_get_bn_param(pk, names[i], &b) == 1) {
      es.push_back({strValue(keys[i]), strValue(bnB64(b))});
      BN_free(b);
    }
  }
  return Value::object(std::move(es));
}

Value parseRsaPrivateKey(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string text(s);
  if (text.rfind("-----BEGIN", 0) != 0) {
    std::string decoded, err;
    if (!base64Decode(text, B64::Std, &decoded, &err)) {
      c.builtinError(err);
      return Value();
    }
    text = decoded;
  }
  auto blocks = pemDecode(text, nullptr);
  if (blocks.empty()) {
    c.builtinError("failed to parse PEM block containing the key");
    return Value();
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blocks[0].der.data());
  EVP_PKEY* pk = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(blocks[0].der.size()));
  if (pk == nullptr || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
    EVP_PKEY_free(pk);
    c.builtinError("x509: failed to parse private key");
    return Value();
  }
  Value v = rsaJwk(pk);
  EVP_PKEY_free(pk);
  return v;
}

Value parsePrivateKeys(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  if (s.empty()) return Value::null();
  std::string text(s);
  if (text.rfind("-----BEGIN", 0) != 0) {
    std::string decoded, err;
    if (!base64Decode(text, B64::Std, &decoded, &err)) {
      c.builtinError(err);
      return Value();
    }
    text = decoded;
  }
  std::vector<Value> out;
  for (const auto& b : pemDecode(text, nullptr)) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(b.der.data());
    EVP_PKEY* pk = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(b.der.size()));
    if (pk == nullptr) continue;
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) out.push_back(rsaJwk(pk));
    EVP_PKEY_free(pk);
  }
  return Value::array(std::move(out));
}

Value parseKeypair(BuiltinContext& c, Args a) {
  std::string_view cert_s, key_s;
  if (!argString(c, a, 0, &cert_s) || !argString(c, a, 1, &key_s)) return Value();
  auto pemText = [&](std::string_view in) {
    std::string t(in);
    if (t.rfind("-----BEGIN", 0) != 0) {
      std::string d, err;
      if (base64Decode(t, B64::Std, &d, &err)) t = d;
    }
    return t;
  };
  std::string ct = pemText(cert_s), kt = pemText(key_s);
  auto cblocks = pemDecode(ct, nullptr);
  auto kblocks = pemDecode(kt, nullptr);
  if (cblocks.empty() || kblocks.empty()) {
    c.builtinError("tls: failed to find any PEM data in certificate input");
    return Value();
  }
  const unsigned char* kp = reinterpret_cast<const unsigned char*>(kblocks[0].der.data());
  EVP_PKEY* pk = d2i_AutoPrivateKey(nullptr, &kp, static_cast<long>(kblocks[0].der.size()));
  const unsigned char* cp = reinterpret_cast<const unsigned char*>(cblocks[0].der.data());
  X509* x = d2i_X509(nullptr, &cp, static_cast<long>(cblocks[0].der.size()));
  bool match = pk != nullptr && x != nullptr && X509_check_private_key(x, pk) == 1;
  X509_free(x);
  EVP_PKEY_free(pk);
  if (!match) {
    c.builtinError("tls: private key does not match public key");
    return Value();
  }
  std::vector<Value> chain;
  for (const auto& b : cblocks) {
    if (b.type == "CERTIFICATE") chain.push_back(strValue(base64Encode(b.der, B64::Std)));
  }
  return Value::object({{strValue("Certificate"), Value::array(std::move(chain))}});
}

}  // namespace

void registerCrypto(BuiltinRegistry& r) {
  r.add("crypto.md5", 1, md5);
  r.add("crypto.sha1", 1, sha1);
  r.add("crypto.sha256", 1, sha256);
  r.add("crypto.hmac.md5", 2, hmacMd5);
  r.add("crypto.hmac.sha1", 2, hmacSha1);
  r.add("crypto.hmac.sha256", 2, hmacSha256);
  r.add("crypto.hmac.sha512", 2, hmacSha512);
  r.add("crypto.hmac.equal", 2, hmacEqual);
  r.add("crypto.x509.parse_certificates", 1, parseCertificates);
  r.add("crypto.x509.parse_and_verify_certificates", 1, parseAndVerify);
  r.add("crypto.x509.parse_and_verify_certificates_with_options", 2, parseAndVerifyWithOptions);
  r.add("crypto.x509.parse_certificate_request", 1, parseCertificateRequest);
  r.add("crypto.x509.parse_rsa_private_key", 1, parseRsaPrivateKey);
  r.add("crypto.x509.parse_keypair", 2, parseKeypair);
  r.add("crypto.parse_private_keys", 1, parsePrivateKeys);
}

}  // namespace meshgate::rego
