// SPDX-License-Identifier: Apache-2.0
// JSON Web Tokens: io.jwt.decode, decode_verify, verify_*, encode_sign(_raw).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/strings.h"
#include "rego/builtins/crypto_util.h"
#include "rego/builtins/encoding_util.h"
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

// The three sections of a compact JWS, viewing the string Value being
// decoded (which outlives the Token).
struct Token {
  std::string_view header, payload, signature;
  Value decoded_header;
};

std::string signingInput(const Token& t) {
  std::string data;
  data.reserve(t.header.size() + 1 + t.payload.size());
  data.append(t.header);
  data += '.';
  data.append(t.payload);
  return data;
}

// Whether `s` holds '=', '\r' or '\n'; eight bytes at a time.
bool hasPadOrLineBreak(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto zeroByte = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, s.data() + i, 8);
    if (zeroByte(v ^ (kOnes * '=')) | zeroByte(v ^ (kOnes * '\r')) | zeroByte(v ^ (kOnes * '\n')))
      return true;
  }
  for (; i < s.size(); ++i) {
    if (s[i] == '=' || s[i] == '\r' || s[i] == '\n') return true;
  }
  return false;
}

bool b64urlDecode(BuiltinContext& c, std::string_view in, std::string* out, const char* what) {
  // Unpadded sections are padded as Go's base64.URLEncoding expects them.
  std::string_view s = in;
  std::string padded;
  B64 alphabet = B64::Url;
  if (s.empty() || s.back() != '=') {
    switch (s.size() % 4) {
      case 0:
        break;
      case 2:
      case 3:
        // Without '=' or line breaks, decoding as unpadded gives exactly what
        // padding and decoding gives, errors included, without the copy.
        if (!hasPadOrLineBreak(s)) {
          alphabet = B64::RawUrl;
          break;
        }
        padded.reserve(s.size() + 2);
        padded.append(s);
        padded.append(4 - s.size() % 4, '=');
        s = padded;
        break;
      default:
        c.builtinError(std::string(what) + "illegal base64url string: " + std::string(in));
        return false;
    }
  }
  std::string err;
  if (!base64Decode(s, alphabet, out, &err)) {
    c.builtinError(std::string(what) + err);
    return false;
  }
  return true;
}

bool splitToken(BuiltinContext& c, const Value& v, Token* t) {
  if (!v.isString()) {
    typeErr(c, 0, v, {"string"});
    return false;
  }
  std::string_view s = v.asString();
  size_t first = s.find('.');
  if (first == std::string_view::npos) {
    c.builtinError("encoded JWT had no period separators");
    return false;
  }
  size_t second = s.find('.', first + 1);
  if (second == std::string_view::npos || s.find('.', second + 1) != std::string_view::npos) {
    size_t sections = 1;
    for (char ch : s)
      sections += ch == '.' ? 1 : 0;
    c.builtinError("encoded JWT must have 3 sections, found " + std::to_string(sections));
    return false;
  }
  t->header = s.substr(0, first);
  t->payload = s.substr(first + 1, second - first - 1);
  t->signature = s.substr(second + 1);
  return true;
}

bool jsonObject(BuiltinContext& c, const std::string& text, Value* out, const char* prefix) {
  auto v = parseJson(text);
  if (!v.ok()) {
    c.builtinError(std::string(prefix) + "invalid JSON: " + v.error().message);
    return false;
  }
  if (!v->isObject()) {
    c.builtinError(std::string(prefix) + "decoded JSON type was not an Object");
    return false;
  }
  *out = *v;
  return true;
}

// Decoded sections, per thread: io.jwt.decode runs per request, and its text is parsed into
// Values at once (a nested token's outer sections are done with when it recurses).
struct Sections {
  std::string header, payload, signature, hex;
};
Sections& sections() {
  thread_local Sections s;
  return s;
}

bool decodeHeader(BuiltinContext& c, Token* t, std::string& h) {
  if (!b64urlDecode(c, t->header, &h, "JWT header had invalid encoding: ")) return false;
  if (!jsonObject(c, h, &t->decoded_header, "bad JWT header: ")) return false;
  if (t->decoded_header.field("enc") != nullptr) {
    c.builtinError("JWT is a JWE object, which is not supported");
    return false;
  }
  return true;
}

bool decodeHeader(BuiltinContext& c, Token* t) {
  std::string h;
  return decodeHeader(c, t, h);
}

Value decodeImpl(BuiltinContext& c, const Value& jwt, int depth) {
  Token t;
  Sections& buf = sections();
  if (!splitToken(c, jwt, &t) || !decodeHeader(c, &t, buf.header)) return Value();
  std::string& p = buf.payload;
  if (!b64urlDecode(c, t.payload, &p, "JWT payload had invalid encoding: ")) return Value();
  if (const Value* cty = t.decoded_header.field("cty");
      cty != nullptr && cty->isString() && cty->asString() == "JWT") {
    if (depth > 16) {
      c.builtinError("JWT nesting too deep");
      return Value();
    }
    while (!p.empty() && (p.front() == '"' || p.front() == '\''))
      p.erase(0, 1);
    while (!p.empty() && (p.back() == '"' || p.back() == '\''))
      p.pop_back();
    return decodeImpl(c, strValue(p), depth + 1);
  }
  Value payload;
  if (!jsonObject(c, p, &payload, "")) return Value();
  std::string& sig = buf.signature;
  if (!b64urlDecode(c, t.signature, &sig, "JWT signature had invalid encoding: ")) return Value();
  base::hexEncodeInto(sig, &buf.hex);
  std::vector<Value> parts;
  parts.reserve(3);
  parts.push_back(std::move(t.decoded_header));
  parts.push_back(std::move(payload));
  parts.push_back(strValue(buf.hex));
  return Value::array(std::move(parts));
}

// io.jwt.decode depends on its argument alone, so a worker that sees the same
// bearer token on many requests decodes it once: the evaluator's memo keeps
// the last few results (immutable values, shared by every hit).
Value decode(BuiltinContext& c, Args a) {
  constexpr std::string_view kName = "io.jwt.decode";
  BuiltinMemo* memo = a[0].isString() ? c.memo() : nullptr;
  if (memo != nullptr) {
    if (const Value* hit = memo->find(kName, a[0])) return *hit;
  }
  Value v = decodeImpl(c, a[0], 0);
  // The result is built here, on the heap.
  if (memo != nullptr && v.isDefined() && !c.failed()) memo->putHeapResult(kName, a[0], v);
  return v;
}

Value verifyWithKeys(BuiltinContext& c, Args a, const char* alg) {
  Token t;
  if (!splitToken(c, a[0], &t)) return Value();
  std::string_view key_text;
  if (!argString(c, a, 1, &key_text)) return Value();
  std::string alg_s(alg);
  std::vector<Key> keys;
  if (alg_s.substr(0, 2) == "HS") {
    Key k;
    k.is_secret = true;
    k.secret = std::string(key_text);
    keys.push_back(k);
  } else {
    std::string err;
    if (!keysFromCertOrJwk(key_text, &keys, &err)) {
      c.builtinError(err);
      return Value();
    }
  }
  std::string sig;
  if (!b64urlDecode(c, t.signature, &sig, "")) return Value();
  std::string data = signingInput(t);
  if (alg_s.substr(0, 2) == "HS") return boolValue(jwsVerify(keys[0], alg_s, data, sig));
  if (!decodeHeader(c, &t)) return Value();
  std::string kid, header_alg;
  if (const Value* k = t.decoded_header.field("kid"); k != nullptr && k->isString())
    kid = std::string(k->asString());
  if (const Value* h = t.decoded_header.field("alg"); h != nullptr && h->isString())
    header_alg = std::string(h->asString());
  if (!kid.empty()) {
    for (const auto& k : keys) {
      if (k.kid == kid) return boolValue(jwsVerify(k, alg_s, data, sig));
    }
  }
  for (const auto& k : keys) {
    if (!k.alg.empty() && k.alg != header_alg) continue;
    if (jwsVerify(k, alg_s, data, sig)) return boolValue(true);
  }
  return boolValue(false);
}

#define MG_JWT_VERIFY(fn, alg)          \
  Value fn(BuiltinContext& c, Args a) { \
    return verifyWithKeys(c, a, alg);   \
  }
MG_JWT_VERIFY(verifyRs256, "RS256")
MG_JWT_VERIFY(verifyRs384, "RS384")
MG_JWT_VERIFY(verifyRs512, "RS512")
MG_JWT_VERIFY(verifyPs256, "PS256")
MG_JWT_VERIFY(verifyPs384, "PS384")
MG_JWT_VERIFY(verifyPs512, "PS512")
MG_JWT_VERIFY(verifyEs256, "ES256")
MG_JWT_VERIFY(verifyEs384, "ES384")
MG_JWT_VERIFY(verifyEs512, "ES512")
MG_JWT_VERIFY(verifyHs256, "HS256")
MG_JWT_VERIFY(verifyHs384, "HS384")
MG_JWT_VERIFY(verifyHs512, "HS512")
MG_JWT_VERIFY(verifyEdDsa, "EdDSA")
#undef MG_JWT_VERIFY

Value unverified() {
  return Value::array({boolValue(false), Value::emptyObject(), Value::emptyObject()});
}

Value decodeVerify(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 1)) return Value();
  std::string secret, alg, iss, aud;
  std::vector<Key> keys;
  bool has_keys = false;
  long double time = -1;
  for (const auto& e : a[1].entries()) {
    std::string name = e.key.isString() ? std::string(e.key.asString()) : toRegoString(e.key);
    auto str = [&](std::string* out) {
      if (!e.value.isString()) {
        c.builtinError(name + " constraint: must be a string");
        return false;
      }
      *out = std::string(e.value.asString());
      return true;
    };
    if (name == "cert") {
      if (!e.value.isString()) {
        c.builtinError("cert constraint: must be a string");
        return Value();
      }
      std::string err;
      if (!keysFromCertOrJwk(e.value.asString(), &keys, &err)) {
        c.builtinError(err);
        return Value();
      }
      has_keys = true;
    } else if (name == "secret") {
      if (!str(&secret)) return Value();
    } else if (name == "alg") {
      if (!str(&alg)) return Value();
    } else if (name == "iss") {
      if (!str(&iss)) return Value();
    } else if (name == "aud") {
      if (!str(&aud)) return Value();
    } else if (name == "time") {
      if (!e.value.isNumber()) {
        c.builtinError("token time constraint: must be a number");
        return Value();
      }
      time = e.value.toLongDouble();
      if (time < 0) {
        c.builtinError("token time constraint: must not be negative");
        return Value();
      }
    } else {
      c.builtinError("unknown token validation constraint: " + name);
      return Value();
    }
  }
  if (time == -1) time = static_cast<long double>(c.nowNs());
  int nkeys = (has_keys ? 1 : 0) + (secret.empty() ? 0 : 1);
  if (nkeys > 1) {
    c.builtinError("duplicate key constraints");
    return Value();
  }
  if (nkeys < 1) {
    c.builtinError("no key constraint");
    return Value();
  }
  Value jwt = a[0];
  Token t;
  std::string p;
  for (int depth = 0;; ++depth) {
    if (depth > 16) {
      c.builtinError("JWT nesting too deep");
      return Value();
    }
    if (!splitToken(c, jwt, &t) || !decodeHeader(c, &t)) return Value();
    std::string header_alg, kid, cty;
    std::vector<std::string> unknown;
    std::vector<std::string> crit;
    bool has_crit = false;
    for (const auto& e : t.decoded_header.entries()) {
      std::string k(e.key.asString());
      if (k == "alg" || k == "kid" || k == "typ" || k == "cty") {
        if (!e.value.isString()) {
          c.builtinError(k + ": must be a string");
          return Value();
        }
        if (k == "alg") header_alg = std::string(e.value.asString());
        if (k == "kid") kid = std::string(e.value.asString());
        if (k == "cty") cty = std::string(e.value.asString());
      } else if (k == "crit") {
        if (!e.value.isArray()) {
          c.builtinError("crit: must be a list");
          return Value();
        }
        has_crit = true;
        for (const auto& x : e.value.items()) {
          if (x.isString()) crit.emplace_back(x.asString());
        }
        if (crit.empty()) {
          c.builtinError("crit: must be a nonempty list");
          return Value();
        }
      } else {
        unknown.push_back(k);
      }
    }
    (void)has_crit;
    if (header_alg.empty()) return unverified();
    for (const auto& u : unknown) {
      for (const auto& cr : crit) {
        if (u == cr) return unverified();
      }
    }
    if (!alg.empty() && alg != header_alg) return unverified();
    std::string sig;
    if (!b64urlDecode(c, t.signature, &sig, "")) return Value();
    std::string data = signingInput(t);
    bool verified = false;
    if (has_keys) {
      bool done = false;
      if (!kid.empty()) {
        for (const auto& k : keys) {
          if (k.kid == kid) {
            verified = jwsVerify(k, header_alg, data, sig);
            done = true;
            break;
          }
        }
      }
      if (!done) {
        for (const auto& k : keys) {
          if (!k.alg.empty() && k.alg != header_alg) continue;
          if (jwsVerify(k, header_alg, data, sig)) {
            verified = true;
            break;
          }
        }
      }
    } else {
      Key k;
      k.is_secret = true;
      k.secret = secret;
      verified = jwsVerify(k, header_alg, data, sig);
    }
    if (!verified) return unverified();
    if (!b64urlDecode(c, t.payload, &p, "JWT payload had invalid encoding: ")) return Value();
    if (cty.size() == 3 && (cty[0] | 0x20) == 'j' && (cty[1] | 0x20) == 'w' &&
        (cty[2] | 0x20) == 't') {
      jwt = strValue(p);
      continue;
    }
    break;
  }
  Value payload;
  if (!jsonObject(c, p, &payload, "")) return Value();
  if (!iss.empty()) {
    const Value* v = payload.field("iss");
    if (v == nullptr || !v->isString() || v->asString() != iss) return unverified();
  }
  if (const Value* v = payload.field("aud")) {
    bool ok = false;
    if (v->isString()) {
      ok = v->asString() == aud;
    } else if (v->isArray()) {
      for (const auto& x : v->items()) {
        if (x.isString() && x.asString() == aud) ok = true;
      }
    }
    if (!ok) return unverified();
  } else if (!aud.empty()) {
    return unverified();
  }
  long double now_s = time / 1e9L;
  if (const Value* v = payload.field("exp")) {
    if (!v->isNumber()) {
      c.builtinError("exp value must be a number");
      return Value();
    }
    if (!(now_s < v->toLongDouble())) return unverified();
  }
  if (const Value* v = payload.field("nbf")) {
    if (!v->isNumber()) {
      c.builtinError("nbf value must be a number");
      return Value();
    }
    if (now_s < v->toLongDouble()) return unverified();
  }
  return Value::array({boolValue(true), t.decoded_header, payload});
}

Value encodeSignCommon(BuiltinContext& c, const std::string& header, const std::string& payload,
                       const std::string& jwk) {
  Key key;
  std::string err;
  auto jv = parseJson(jwk);
  if (!jv.ok() || !jv->isObject()) {
    c.builtinError("failed to parse JWK: invalid JSON");
    return Value();
  }
  if (const Value* keys = jv->field("keys")) {
    if (!keys->isArray() || keys->items().empty()) {
      c.builtinError("no keys found in JWK set");
      return Value();
    }
  }
  if (!keyFromJwkText(jwk, &key, &err)) {
    c.builtinError(err);
    return Value();
  }
  auto hv = parseJson(header);
  std::string alg;
  // jwsbb's lazy header scanner: empty input and malformed objects fail to
  // parse; anything else simply has no "alg".
  size_t first = header.find_first_not_of(" \t\r\n");
  if (!hv.ok() && (first == std::string::npos || header[first] == '{')) {
    std::string what = first == std::string::npos ? "cannot parse JSON: cannot parse empty string"
                                                  : "cannot parse JSON";
    c.builtinError("missing or invalid 'alg' header: " + what);
    return Value();
  }
  const Value* a = hv.ok() && hv->isObject() ? hv->field("alg") : nullptr;
  if (a == nullptr) {
    c.builtinError("missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
    return Value();
  }
  if (!a->isString()) {
    c.builtinError("missing or invalid 'alg' header: jwsbb: header \"alg\" is not a string");
    return Value();
  }
  alg = std::string(a->asString());
  if (!isJwsAlgorithm(alg)) {
    c.builtinError("unknown JWS algorithm: " + alg);
    return Value();
  }
  const Value* typ = hv->isObject() ? hv->field("typ") : nullptr;
  bool typ_jwt = typ == nullptr || !typ->isString() || typ->asString() == "JWT";
  if (typ_jwt && !parseJson(payload).ok()) {
    c.builtinError("type is JWT but payload is not JSON");
    return Value();
  }
  std::string signing =
      base64Encode(header, B64::RawUrl) + "." + base64Encode(payload, B64::RawUrl);
  std::string sig;
  if (!jwsSign(key, alg, signing, &sig, &err)) {
    c.builtinError(err);
    return Value();
  }
  return strValue(signing + "." + base64Encode(sig, B64::RawUrl));
}

Value encodeSign(BuiltinContext& c, Args a) {
  JsonOptions o;
  o.escape_html = true;
  return encodeSignCommon(c, toJson(a[0], o), toJson(a[1], o), toJson(a[2], o));
}

Value encodeSignRaw(BuiltinContext& c, Args a) {
  std::string_view h, p, k;
  if (!argString(c, a, 2, &k) || !argString(c, a, 0, &h) || !argString(c, a, 1, &p)) return Value();
  return encodeSignCommon(c, std::string(h), std::string(p), std::string(k));
}

}  // namespace

void registerJwt(BuiltinRegistry& r) {
  r.add("io.jwt.decode", 1, decode);
  r.add("io.jwt.decode_verify", 2, decodeVerify);
  r.add("io.jwt.verify_rs256", 2, verifyRs256);
  r.add("io.jwt.verify_rs384", 2, verifyRs384);
  r.add("io.jwt.verify_rs512", 2, verifyRs512);
  r.add("io.jwt.verify_ps256", 2, verifyPs256);
  r.add("io.jwt.verify_ps384", 2, verifyPs384);
  r.add("io.jwt.verify_ps512", 2, verifyPs512);
  r.add("io.jwt.verify_es256", 2, verifyEs256);
  r.add("io.jwt.verify_es384", 2, verifyEs384);
  r.add("io.jwt.verify_es512", 2, verifyEs512);
  r.add("io.jwt.verify_hs256", 2, verifyHs256);
  r.add("io.jwt.verify_hs384", 2, verifyHs384);
  r.add("io.jwt.verify_hs512", 2, verifyHs512);
  r.add("io.jwt.verify_eddsa", 2, verifyEdDsa);
  r.add("io.jwt.encode_sign", 3, encodeSign, kNondeterministic);
  r.add("io.jwt.encode_sign_raw", 3, encodeSignRaw, kNondeterministic);
}

}  // namespace meshgate::rego
