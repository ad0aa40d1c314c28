// SPDX-License-Identifier: Apache-2.0
// Strings: concat, contains, startswith, sprintf, split, trim*, replace ...
#include <locale.h>
#include <clocale>
#include <cwctype>

#include <algorithm>

#include "base/strings.h"
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/builtins/sprintf.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

// Elements of an array or set that must all be strings.
bool stringElems(BuiltinContext& c, const Value& v, size_t pos,
                 std::vector<std::string_view>* out) {
  for (const auto& e : v.items()) {
    if (!e.isString()) {
      std::string tpe(typeName(v));
      c.typeError("operand " + std::to_string(pos) + " must be " + tpe + " of strings but got " +
                  tpe + " containing " + std::string(typeName(e)));
      return false;
    }
    out->push_back(e.asString());
  }
  return true;
}

Value concat(BuiltinContext& c, Args a) {
  std::string_view sep;
  if (!argString(c, a, 0, &sep)) return Value();
  if (!a[1].isArray() && !a[1].isSet()) return typeErr(c, 1, a[1], {"set", "array"});
  std::vector<std::string_view> parts;
  if (!stringElems(c, a[1], 2, &parts)) return Value();
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(sep);
    out.append(parts[i]);
  }
  return strValue(out);
}

Value containsFn(BuiltinContext& c, Args a) {
  std::string_view s, sub;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &sub)) return Value();
  return boolValue(s.find(sub) != std::string_view::npos);
}

Value startswith(BuiltinContext& c, Args a) {
  std::string_view s, p;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &p)) return Value();
  return boolValue(s.substr(0, p.size()) == p);
}

Value endswith(BuiltinContext& c, Args a) {
  std::string_view s, p;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &p)) return Value();
  return boolValue(s.size() >= p.size() && s.substr(s.size() - p.size()) == p);
}

Value stringCount(BuiltinContext& c, Args a) {
  std::string_view s, sub;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &sub)) return Value();
  if (sub.empty()) return intValue(static_cast<int64_t>(utf8Length(s)) + 1);
  int64_t n = 0;
  size_t pos = 0;
  while ((pos = s.find(sub, pos)) != std::string_view::npos) {
    ++n;
    pos += sub.size();
  }
  return intValue(n);
}

Value indexof(BuiltinContext& c, Args a) {
  std::string_view s, sub;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &sub)) return Value();
  if (sub.empty()) {
    c.builtinError("empty search character");
    return Value();
  }
  std::u32string base = utf8Decode(s), search = utf8Decode(sub);
  if (search.size() > base.size()) return intValue(-1);
  for (size_t i = 0; i + search.size() <= base.size(); ++i) {
    if (base.compare(i, search.size(), search) == 0) return intValue(static_cast<int64_t>(i));
  }
  return intValue(-1);
}

Value indexofN(BuiltinContext& c, Args a) {
  std::string_view s, sub;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &sub)) return Value();
  if (sub.empty()) {
    c.builtinError("empty search character");
    return Value();
  }
  std::u32string base = utf8Decode(s), search = utf8Decode(sub);
  std::vector<Value> out;
  for (size_t i = 0; i + search.size() <= base.size(); ++i) {
    if (base.compare(i, search.size(), search) == 0)
      out.push_back(intValue(static_cast<int64_t>(i)));
  }
  return Value::array(std::move(out));
}

Value substring(BuiltinContext& c, Args a) {
  std::string_view s;
  int64_t start, len;
  if (!argString(c, a, 0, &s) || !argInt(c, a, 1, &start) || !argInt(c, a, 2, &len)) return Value();
  if (start < 0) {
    c.builtinError("negative offset");
    return Value();
  }
  if (base::isAscii(s)) {
    if (static_cast<size_t>(start) >= s.size()) return strValue("");
    size_t from = static_cast<size_t>(start);
    size_t n = len < 0 ? s.size() - from : std::min(s.size() - from, static_cast<size_t>(len));
    return strValue(s.substr(from, n));
  }
  std::u32string runes = utf8Decode(s);
  if (static_cast<size_t>(start) >= runes.size()) return strValue("");
  size_t from = static_cast<size_t>(start);
  size_t n =
      len < 0 ? runes.size() - from : std::min(runes.size() - from, static_cast<size_t>(len));
  return strValue(utf8Encode(std::u32string_view(runes).substr(from, n)));
}

locale_t utf8Locale() {
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return l;
  }();
  return loc;
}

std::string mapCase(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  if (base::isAscii(s)) {
    for (char ch : s) {
      if (upper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
      if (!upper && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      out.push_back(ch);
    }
    return out;
  }
  locale_t loc = utf8Locale();
  for (char32_t cp : utf8Decode(s)) {
    wint_t w = static_cast<wint_t>(cp);
    if (loc != static_cast<locale_t>(0)) w = upper ? towupper_l(w, loc) : towlower_l(w, loc);
    appendUtf8(out, static_cast<char32_t>(w));
  }
  return out;
}

Value lower(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(mapCase(s, false));
}

Value upper(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(mapCase(s, true));
}

Value split(BuiltinContext& c, Args a) {
  std::string_view s, d;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &d)) return Value();
  std::vector<Value> out;
  if (d.empty()) {
    // Go splits after each UTF-8 sequence.
    for (char32_t cp : utf8Decode(s)) {
      std::string one;
      appendUtf8(one, cp);
      out.push_back(strValue(one));
    }
    return Value::array(std::move(out));
  }
  size_t start = 0;
  while (true) {
    size_t pos = s.find(d, start);
    if (pos == std::string_view::npos) {
      out.push_back(strValue(s.substr(start)));
      break;
    }
    out.push_back(strValue(s.substr(start, pos - start)));
    start = pos + d.size();
  }
  return Value::array(std::move(out));
}

// Go's strings.NewReplacer semantics for a list of (old, new) pairs: at each
// position, the first pair (in order) whose old matches wins; an empty old
// matches between every rune.
std::string replaceAll(std::string_view s,
                       const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.size() == 1 && !pairs[0].first.empty()) {
    std::string out;
    const std::string& from = pairs[0].first;
    size_t start = 0;
    while (true) {
      size_t pos = s.find(from, start);
      if (pos == std::string_view::npos) break;
      out.append(s.substr(start, pos - start));
      out.append(pairs[0].second);
      start = pos + from.size();
    }
    out.append(s.substr(start));
    return out;
  }
  std::string out;
  size_t i = 0;
  bool has_empty = false;
  std::string empty_repl;
  for (const auto& p : pairs) {
    if (p.first.empty()) {
      has_empty = true;
      empty_repl = p.second;
      break;
    }
  }
  while (i <= s.size()) {
    bool matched = false;
    // The generic replacer picks the longest... Go uses a trie with priority
    // by argument order for equal prefixes; earlier pairs win.
    for (const auto& p : pairs) {
      if (p.first.empty()) continue;
      if (s.substr(i, p.first.size()) == p.first) {
        if (has_empty) out.append(empty_repl);
        out.append(p.second);
        i += p.first.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (has_empty) out.append(empty_repl);
    if (i == s.size()) break;
    // copy one UTF-8 sequence
    size_t n = 1;
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (has_empty) {
      if ((ch & 0xE0) == 0xC0) n = 2;
      if ((ch & 0xF0) == 0xE0) n = 3;
      if ((ch & 0xF8) == 0xF0) n = 4;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

Value replace(BuiltinContext& c, Args a) {
  std::string_view s, from, to;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &from) || !argString(c, a, 2, &to))
    return Value();
  return strValue(replaceAll(s, {{std::string(from), std::string(to)}}));
}

Value replaceN(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  std::string_view s;
  if (!argString(c, a, 1, &s)) return Value();
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& e : a[0].entries()) {
    if (!e.key.isString()) {
      c.typeError("operand 1 non-string key found in pattern object");
      return Value();
    }
    if (!e.value.isString()) {
      c.typeError("operand 1 non-string value found in pattern object");
      return Value();
    }
    pairs.emplace_back(std::string(e.key.asString()), std::string(e.value.asString()));
  }
  return strValue(replaceAll(s, pairs));
}

bool inCutset(char32_t cp, const std::u32string& cut) {
  return cut.find(cp) != std::u32string::npos;
}

std::string trimImpl(std::string_view s, std::string_view cutset, bool left, bool right) {
  std::u32string runes = utf8Decode(s);
  std::u32string cut = utf8Decode(cutset);
  size_t b = 0, e = runes.size();
  if (left) {
    while (b < e && inCutset(runes[b], cut))
      ++b;
  }
  if (right) {
    while (e > b && inCutset(runes[e - 1], cut))
      --e;
  }
  return utf8Encode(std::u32string_view(runes).substr(b, e - b));
}

Value trim(BuiltinContext& c, Args a) {
  std::string_view s, cut;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &cut)) return Value();
  return strValue(trimImpl(s, cut, true, true));
}
Value trimLeft(BuiltinContext& c, Args a) {
  std::string_view s, cut;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &cut)) return Value();
  return strValue(trimImpl(s, cut, true, false));
}
Value trimRight(BuiltinContext& c, Args a) {
  std::string_view s, cut;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &cut)) return Value();
  return strValue(trimImpl(s, cut, false, true));
}
Value trimPrefix(BuiltinContext& c, Args a) {
  std::string_view s, p;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &p)) return Value();
  if (s.substr(0, p.size()) == p) s.remove_prefix(p.size());
  return strValue(s);
}
Value trimSuffix(BuiltinContext& c, Args a) {
  std::string_view s, p;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &p)) return Value();
  if (s.size() >= p.size() && s.substr(s.size() - p.size()) == p) s.remove_suffix(p.size());
  return strValue(s);
}

bool isUnicodeSpace(char32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

Value trimSpace(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::u32string runes = utf8Decode(s);
  size_t b = 0, e = runes.size();
  while (b < e && isUnicodeSpace(runes[b]))
    ++b;
  while (e > b && isUnicodeSpace(runes[e - 1]))
    --e;
  return strValue(utf8Encode(std::u32string_view(runes).substr(b, e - b)));
}

Value sprintfFn(BuiltinContext& c, Args a) {
  std::string_view f;
  if (!argString(c, a, 0, &f)) return Value();
  if (!a[1].isArray()) return typeErr(c, 1, a[1], {"array"});
  return strValue(goSprintf(f, a[1].items()));
}

Value formatInt(BuiltinContext& c, Args a) {
  if (!argNumber(c, a, 0) || !argNumber(c, a, 1)) return Value();
  int64_t base;
  if (!a[1].toInt64(&base) || (base != 2 && base != 8 && base != 10 && base != 16)) {
    c.typeError("operand 2 must be one of {2, 8, 10, 16}");
    return Value();
  }
  // Truncate toward zero, then format.
  BigInt i;
  if (!numberToBigInt(a[0], &i)) {
    long double f = a[0].toLongDouble();
    i = BigInt::fromLongDouble(f);
  }
  if (base == 10) return strValue(i.toString());
  bool neg = i.isNegative();
  BigInt m = neg ? i.negated() : i;
  std::string digits;
  BigInt b(base);
  while (!m.isZero()) {
    BigInt q, r;
    BigInt::divMod(m, b, &q, &r);
    digits.push_back("0123456789abcdef"[r.toInt64().value_or(0)]);
    m = q;
  }
  if (digits.empty()) digits = "0";
  std::reverse(digits.begin(), digits.end());
  return strValue((neg ? "-" : "") + digits);
}

bool stringList(BuiltinContext& c, const Value& v, size_t pos, std::vector<std::string>* out) {
  if (v.isString()) {
    out->push_back(std::string(v.asString()));
    return true;
  }
  if (v.isArray() || v.isSet()) {
    for (const auto& e : v.items()) {
      if (!e.isString()) {
        std::string tpe(typeName(v));
        c.typeError("operand " + std::to_string(pos) + " must be " + tpe + " of strings but got " +
                    tpe + " containing " + std::string(typeName(e)));
        return false;
      }
      out->push_back(std::string(e.asString()));
    }
    return true;
  }
  c.typeError(operandTypeMessage(pos, v, {"string", "set", "array"}));
  return false;
}

Value anyPrefixMatch(BuiltinContext& c, Args a) {
  std::vector<std::string> strs, prefixes;
  if (!stringList(c, a[0], 1, &strs) || !stringList(c, a[1], 2, &prefixes)) return Value();
  for (const auto& s : strs) {
    for (const auto& p : prefixes) {
      if (s.compare(0, p.size(), p) == 0) return boolValue(true);
    }
  }
  return boolValue(false);
}

Value anySuffixMatch(BuiltinContext& c, Args a) {
  std::vector<std::string> strs, suffixes;
  if (!stringList(c, a[0], 1, &strs) || !stringList(c, a[1], 2, &suffixes)) return Value();
  for (const auto& s : strs) {
    for (const auto& p : suffixes) {
      if (s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0)
        return boolValue(true);
    }
  }
  return boolValue(false);
}

Value reverse(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::u32string r = utf8Decode(s);
  std::reverse(r.begin(), r.end());
  return strValue(utf8Encode(r));
}

}  // namespace

void registerStrings(BuiltinRegistry& r) {
  r.add("concat", 2, concat);
  r.add("contains", 2, containsFn);
  r.add("startswith", 2, startswith);
  r.add("endswith", 2, endswith);
  r.add("strings.count", 2, stringCount);
  r.add("indexof", 2, indexof);
  r.add("indexof_n", 2, indexofN);
  r.add("substring", 3, substring);
  r.add("lower", 1, lower);
  r.add("upper", 1, upper);
  r.add("split", 2, split);
  r.add("replace", 3, replace);
  r.add("strings.replace_n", 2, replaceN);
  r.add("trim", 2, trim);
  r.add("trim_left", 2, trimLeft);
  r.add("trim_right", 2, trimRight);
  r.add("trim_prefix", 2, trimPrefix);
  r.add("trim_suffix", 2, trimSuffix);
  r.add("trim_space", 1, trimSpace);
  r.add("sprintf", 2, sprintfFn);
  r.add("format_int", 2, formatInt);
  r.add("strings.any_prefix_match", 2, anyPrefixMatch);
  r.add("strings.any_suffix_match", 2, anySuffixMatch);
  r.add("strings.reverse", 1, reverse);
}

}  // namespace meshgate::rego
