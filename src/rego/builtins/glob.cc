// SPDX-License-Identifier: Apache-2.0
// Globs with gobwas/glob semantics (what OPA uses): glob.match, glob.quote_meta.
// Patterns are translated to RE2 regular expressions.
#include <re2/re2.h>

#include <memory>
#include <unordered_map>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

std::string escapeRune(char32_t cp) {
  std::string s;
  appendUtf8(s, cp);
  if (cp < 0x80 &&
      std::string_view("\\.+*?()|[]{}^$-").find(static_cast<char>(cp)) != std::string_view::npos) {
    return "\\" + s;
  }
  return s;
}

std::string sepClass(const std::u32string& seps) {
  std::string out;
  for (char32_t s : seps)
    out += escapeRune(s);
  return out;
}

// Translates a glob (runes from `p` starting at `i`) until one of `stops` at
// top level. Returns false on a syntax error.
bool translate(const std::u32string& p, size_t& i, const std::u32string& seps, std::string* out,
               bool in_terms, int depth) {
  if (depth > 64) return false;
  std::string not_sep = seps.empty() ? "." : "[^" + sepClass(seps) + "]";
  while (i < p.size()) {
    char32_t c = p[i];
    if (in_terms && (c == ',' || c == '}')) return true;
    switch (c) {
      case '*':
        if (i + 1 < p.size() && p[i + 1] == '*') {
          *out += ".*";
          i += 2;
        } else {
          *out += not_sep + "*";
          ++i;
        }
        break;
      case '?':
        *out += not_sep;
        ++i;
        break;
      case '\\':
        if (i + 1 >= p.size()) return false;
        *out += escapeRune(p[i + 1]);
        i += 2;
        break;
      case '[': {
        ++i;
        bool neg = false;
        if (i < p.size() && p[i] == '!') {
          neg = true;
          ++i;
        }
        std::string cls = neg ? "[^" : "[";
        bool any = false;
        while (i < p.size() && p[i] != ']') {
          char32_t lo = p[i];
          if (lo == '\\' && i + 1 < p.size()) {
            ++i;
            lo = p[i];
          }
          if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
            char32_t hi = p[i + 2];
            if (hi < lo) return false;
            cls += escapeRune(lo) + "-" + escapeRune(hi);
            i += 3;
          } else {
            cls += escapeRune(lo);
            ++i;
          }
          any = true;
        }
        if (i >= p.size() || !any) return false;
        ++i;  // ]
        cls += "]";
        *out += cls;
        break;
      }
      case '{': {
        ++i;
        *out += "(?:";
        bool first = true;
        while (true) {
          if (!first) *out += "|";
          first = false;
          if (!translate(p, i, seps, out, true, depth + 1)) return false;
          if (i >= p.size()) return false;
          if (p[i] == ',') {
            ++i;
            continue;
          }
          if (p[i] == '}') {
            ++i;
            break;
          }
          return false;
        }
        *out += ")";
        break;
      }
      case ']':
      case '}':
        if (!in_terms && c == '}') {
          *out += escapeRune(c);
          ++i;
          break;
        }
        *out += escapeRune(c);
        ++i;
        break;
      default:
        *out += escapeRune(c);
        ++i;
    }
  }
  return !in_terms;
}

// The compiled glob, cached per thread. The pointer is valid until the next
// call (which may clear the cache).
const RE2* compileGlob(std::string_view pattern, const std::u32string& seps) {
  thread_local std::unordered_map<std::string, std::shared_ptr<RE2>> cache;
  // The key is built in a reused buffer: policies match a few patterns over
  // and over, and a fresh string per call cost more than the match itself.
  thread_local std::string key;
  key.assign(pattern);
  key += '\x01';
  key += utf8Encode(seps);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  std::u32string p = utf8Decode(pattern);
  size_t i = 0;
  std::string rx = "(?s)^";
  if (!translate(p, i, seps, &rx, false, 0)) return nullptr;
  rx += "$";
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<RE2>(rx, opts);
  if (!re->ok()) return nullptr;
  if (cache.size() > 256) cache.clear();
  cache.emplace(key, re);
  return re.get();
}

Value globMatch(BuiltinContext& c, Args a) {
  std::string_view pattern, match;
  if (!argString(c, a, 0, &pattern)) return Value();
  std::u32string seps;
  if (a[1].isNull()) {
    // no delimiters
  } else if (a[1].isArray()) {
    for (const auto& d : a[1].items()) {
      if (!d.isString()) {
        c.typeError("operand 2 must be array of strings but got array containing " +
                    std::string(typeName(d)));
        return Value();
      }
      std::string_view ds = d.asString();
      if (ds.size() == 1 && static_cast<unsigned char>(ds[0]) < 0x80) {
        seps.push_back(static_cast<char32_t>(ds[0]));  // ASCII: the byte is the rune
        continue;
      }
      std::u32string r = utf8Decode(ds);
      if (r.size() != 1) {
        c.typeError("operand 2 must be array of runes but got array containing string");
        return Value();
      }
      seps.push_back(r[0]);
    }
    if (seps.empty()) seps = U".";
  } else {
    return typeErr(c, 1, a[1], {"array", "null"});
  }
  if (!argString(c, a, 2, &match)) return Value();
  const RE2* re = compileGlob(pattern, seps);
  if (!re) {
    c.builtinError("invalid glob pattern: " + std::string(pattern));
    return Value();
  }
  return boolValue(RE2::FullMatch(re2::StringPiece(match.data(), match.size()), *re));
}

Value globQuoteMeta(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string out;
  for (char ch : s) {
    if (std::string_view("*?\\[]{}").find(ch) != std::string_view::npos) out.push_back('\\');
    out.push_back(ch);
  }
  return strValue(out);
}

}  // namespace

void registerGlob(BuiltinRegistry& r) {
  r.add("glob.match", 3, globMatch);
  r.add("glob.quote_meta", 1, globQuoteMeta);
}

}  // namespace meshgate::rego
