// SPDX-License-Identifier: Apache-2.0
// semver.*, uuid.*, rand.intn, opa.runtime, trace.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "rego/builtins/encoding_util.h"
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/syntax/ast_json.h"
#include "rego/syntax/parser.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

// ---- semver ----

struct SemVer {
  int64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;
};

bool numeric(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

bool identChars(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
  }
  return true;
}

bool parseSemVer(std::string_view s, SemVer* v) {
  size_t plus = s.find('+');
  if (plus != std::string_view::npos) {
    std::string_view build = s.substr(plus + 1);
    size_t start = 0;
    while (true) {
      size_t dot = build.find('.', start);
      if (!identChars(build.substr(
              start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
        return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    s = s.substr(0, plus);
  }
  size_t dash = s.find('-');
  std::string_view core = s.substr(0, dash);
  if (dash != std::string_view::npos) {
    std::string_view pre = s.substr(dash + 1);
    size_t start = 0;
    while (true) {
      size_t dot = pre.find('.', start);
      std::string_view id =
          pre.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (!identChars(id)) return false;
      if (numeric(id) && id.size() > 1 && id[0] == '0') return false;
      v->pre.emplace_back(id);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  int64_t* parts[3] = {&v->major, &v->minor, &v->patch};
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    size_t dot = core.find('.', start);
    if ((i < 2) == (dot == std::string_view::npos)) return false;
    std::string_view p =
        core.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!numeric(p) || (p.size() > 1 && p[0] == '0') || p.size() > 18) return false;
    *parts[i] = std::stoll(std::string(p));
    start = dot + 1;
  }
  return true;
}

int compareSemVer(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.pre.empty() && b.pre.empty()) return 0;
  if (a.pre.empty()) return 1;
  if (b.pre.empty()) return -1;
  for (size_t i = 0; i < a.pre.size() && i < b.pre.size(); ++i) {
    const auto& x = a.pre[i];
    const auto& y = b.pre[i];
    bool nx = numeric(x), ny = numeric(y);
    if (nx && ny) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (nx != ny) {
      return nx ? -1 : 1;
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.pre.size() != b.pre.size()) return a.pre.size() < b.pre.size() ? -1 : 1;
  return 0;
}

Value semverCompare(BuiltinContext& c, Args a) {
  std::string_view x, y;
  if (!argString(c, a, 0, &x) || !argString(c, a, 1, &y)) return Value();
  SemVer vx, vy;
  if (!parseSemVer(x, &vx)) {
    c.builtinError("operand 1: string \"" + std::string(x) + "\" is not a valid SemVer");
    return Value();
  }
  if (!parseSemVer(y, &vy)) {
    c.builtinError("operand 2: string \"" + std::string(y) + "\" is not a valid SemVer");
    return Value();
  }
  return intValue(compareSemVer(vx, vy));
}

Value semverIsValid(BuiltinContext&, Args a) {
  if (!a[0].isString()) return boolValue(false);
  SemVer v;
  return boolValue(parseSemVer(a[0].asString(), &v));
}

// ---- uuid ----

bool parseUuid(std::string_view s, unsigned char out[16]) {
  std::string hex;
  if (s.size() == 36 + 9 && (s.substr(0, 9) == "urn:uuid:" || s.substr(0, 9) == "URN:UUID:"))
    s.remove_prefix(9);
  if (s.size() == 38) {
    if (s.front() != '{' || s.back() != '}') return false;
    s = s.substr(1, 36);
  }
  if (s.size() == 36) {
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) continue;
      hex.push_back(s[i]);
    }
  } else if (s.size() == 32) {
    hex = std::string(s);
  } else {
    return false;
  }
  std::string bytes, err;
  if (!hexDecode(hex, &bytes, &err) || bytes.size() != 16) return false;
  std::memcpy(out, bytes.data(), 16);
  return true;
}

Value uuidParse(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  unsigned char u[16];
  if (!parseUuid(s, u)) return Value();
  int version = u[6] >> 4;
  const char* variant;
  if ((u[8] & 0xc0) == 0x80) {
    variant = "RFC4122";
  } else if ((u[8] & 0xe0) == 0xc0) {
    variant = "Microsoft";
  } else if ((u[8] & 0xe0) == 0xe0) {
    variant = "Future";
  } else {
    variant = "Reserved";
  }
  std::vector<ObjectEntry> es = {{strValue("version"), intValue(version)},
                                 {strValue("variant"), strValue(variant)}};
  if (version == 1 || version == 2) {
    int64_t t = static_cast<int64_t>((static_cast<uint64_t>(u[0]) << 24) |
                                     (static_cast<uint64_t>(u[1]) << 16) |
                                     (static_cast<uint64_t>(u[2]) << 8) | u[3]);
    t |= static_cast<int64_t>((static_cast<uint64_t>(u[4]) << 8) | u[5]) << 32;
    t |= static_cast<int64_t>(((static_cast<uint64_t>(u[6]) << 8) | u[7]) & 0xfff) << 48;
    const int64_t kGregorianOffset = 0x01B21DD213814000LL;
    int64_t unix_100ns = t - kGregorianOffset;
    int64_t sec = unix_100ns / 10000000;
    int64_t nsec = (unix_100ns % 10000000) * 100;
    es.push_back({strValue("time"), intValue(sec * 1000000000 + nsec)});
    es.push_back({strValue("clocksequence"), intValue(((u[8] << 8) | u[9]) & 0x3fff)});
    char node[32];
    std::snprintf(node, sizeof(node), "%02x-%02x-%02x-%02x-%02x-%02x", u[10], u[11], u[12], u[13],
                  u[14], u[15]);
    es.push_back({strValue("nodeid"), strValue(node)});
    std::string mac = (u[10] & 0x02) ? "local" : "global";
    mac += (u[10] & 0x01) ? ":multicast" : ":unicast";
    es.push_back({strValue("macvariables"), strValue(mac)});
    if (version == 2) {
      int dom = u[9];
      const char* names[] = {"Person", "Group", "Org"};
      es.push_back(
          {strValue("domain"), strValue(dom < 3 ? names[dom] : "Domain" + std::to_string(dom))});
      es.push_back({strValue("id"), intValue((static_cast<int64_t>(u[0]) << 24) | (u[1] << 16) |
                                             (u[2] << 8) | u[3])});
    }
  }
  return Value::object(std::move(es));
}

Value uuidRfc4122(BuiltinContext& c, Args a) {
  std::string_view key;
  if (!argString(c, a, 0, &key)) return Value();
  auto& cache = c.valueCache();
  std::string ck = "uuid.rfc4122/" + std::string(key);
  auto it = cache.find(ck);
  if (it != cache.end()) return it->second;
  unsigned char u[16];
  auto& rng = c.rng();
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = rng();
    std::memcpy(u + i, &r, 8);
  }
  u[6] = static_cast<unsigned char>((u[6] & 0x0f) | 0x40);
  u[8] = static_cast<unsigned char>((u[8] & 0x3f) | 0x80);
  std::string h = hexEncode(std::string_view(reinterpret_cast<char*>(u), 16));
  std::string out = h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
                    h.substr(16, 4) + "-" + h.substr(20);
  Value v = strValue(out);
  cache[ck] = v;
  return v;
}

Value randIntn(BuiltinContext& c, Args a) {
  std::string_view key;
  int64_t n;
  if (!argString(c, a, 0, &key) || !argInt(c, a, 1, &n)) return Value();
  if (n == 0) return intValue(0);
  if (n < 0) n = -n;
  auto& cache = c.valueCache();
  std::string ck = "rand.intn/" + std::string(key) + "/" + std::to_string(n);
  auto it = cache.find(ck);
  if (it != cache.end()) return it->second;
  Value v = intValue(static_cast<int64_t>(c.rng()() % static_cast<uint64_t>(n)));
  cache[ck] = v;
  return v;
}

Value opaRuntime(BuiltinContext& c, Args) {
  return c.runtimeInfo();
}

// The compiler replaces these calls with the rule's annotations; a call that
// reaches evaluation (in a query) has none.
Value metadataRule(BuiltinContext&, Args) {
  return Value::emptyObject();
}

// rego.parse_module(filename, source): the module in OPA's AST JSON shape.
Value regoParseModule(BuiltinContext& c, Args a) {
  std::string_view filename, source;
  if (!argString(c, a, 0, &filename) || !argString(c, a, 1, &source)) return Value::undefined();
  auto parsed = parseModule(std::string(filename), std::string(source));
  if (!parsed.ok()) {
    c.builtinError(describeErrors(parsed.errors()));
    return Value::undefined();
  }
  return moduleToValue(parsed.value());
}
Value metadataChain(BuiltinContext&, Args) {
  return Value::emptyArray();
}

Value trace(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return boolValue(true);
}

}  // namespace

void registerSemver(BuiltinRegistry& r) {
  r.add("semver.compare", 2, semverCompare);
  r.add("semver.is_valid", 1, semverIsValid);
}

void registerUuid(BuiltinRegistry& r) {
  r.add("uuid.parse", 1, uuidParse);
  r.add("uuid.rfc4122", 1, uuidRfc4122, kNondeterministic);
}

void registerRand(BuiltinRegistry& r) {
  r.add("rand.intn", 2, randIntn, kNondeterministic);
}

void registerTracing(BuiltinRegistry& r) {
  r.add("opa.runtime", 0, opaRuntime, kNondeterministic);
  r.add("trace", 1, trace);
  r.add("rego.metadata.rule", 0, metadataRule);
  r.add("rego.metadata.chain", 0, metadataChain);
  r.add("rego.parse_module", 2, regoParseModule);
}

}  // namespace meshgate::rego
