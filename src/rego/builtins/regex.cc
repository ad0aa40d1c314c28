// SPDX-License-Identifier: Apache-2.0
// Regular expressions with Go's RE2 semantics (via the RE2 library):
// regex.match, is_valid, split, find_n, find_all_string_submatch_n, replace,
// template_match.
#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <memory>
#include <unordered_map>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

// A small per-thread cache of compiled patterns (evaluators are per thread).
std::shared_ptr<RE2> compile(std::string_view pattern, std::string* error) {
  thread_local std::unordered_map<std::string, std::shared_ptr<RE2>> cache;
  std::string key(pattern);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_shared<RE2>(key, opts);
  if (!re->ok()) {
    *error = "error parsing regexp: " + re->error();
    return nullptr;
  }
  if (cache.size() > 256) cache.clear();
  cache.emplace(std::move(key), re);
  return re;
}

size_t runeWidth(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 1;
  unsigned char c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

// Go's allMatches: every match (as group spans), skipping an empty match right
// after the previous one. Each match is a vector of (begin, end) offsets, -1
// for unmatched groups.
using Spans = std::vector<std::pair<int64_t, int64_t>>;

std::vector<Spans> allMatches(const RE2& re, std::string_view s, int64_t n) {
  std::vector<Spans> out;
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  size_t pos = 0;
  int64_t prev_end = -1;
  int64_t count = 0;
  if (n < 0) n = static_cast<int64_t>(s.size()) + 1;
  while (count < n && pos <= s.size()) {
    if (!re.Match(re2::StringPiece(s.data(), s.size()), pos, s.size(), RE2::UNANCHORED,
                  groups.data(), ngroups))
      break;
    int64_t b = groups[0].data() - s.data();
    int64_t e = b + static_cast<int64_t>(groups[0].size());
    bool accept = true;
    if (e == static_cast<int64_t>(pos)) {
      if (b == prev_end) accept = false;
      pos += runeWidth(s, pos);
    } else {
      pos = static_cast<size_t>(e);
    }
    prev_end = e;
    if (accept) {
      Spans sp;
      for (const auto& g : groups) {
        if (g.data() == nullptr) {
          sp.emplace_back(-1, -1);
        } else {
          int64_t gb = g.data() - s.data();
          sp.emplace_back(gb, gb + static_cast<int64_t>(g.size()));
        }
      }
      out.push_back(std::move(sp));
      ++count;
    }
  }
  return out;
}

Value regexMatch(BuiltinContext& c, Args a) {
  std::string_view p, s;
  if (!argString(c, a, 0, &p) || !argString(c, a, 1, &s)) return Value();
  std::string err;
  auto re = compile(p, &err);
  if (!re) {
    c.builtinError(err);
    return Value();
  }
  return boolValue(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re));
}

Value regexIsValid(BuiltinContext& c, Args a) {
  (void)c;
  if (!a[0].isString()) return boolValue(false);
  std::string err;
  return boolValue(compile(a[0].asString(), &err) != nullptr);
}

Value regexSplit(BuiltinContext& c, Args a) {
  std::string_view p, s;
  if (!argString(c, a, 0, &p) || !argString(c, a, 1, &s)) return Value();
  std::string err;
  auto re = compile(p, &err);
  if (!re) {
    c.builtinError(err);
    return Value();
  }
  std::vector<Value> out;
  if (!p.empty() && s.empty()) return Value::array({strValue("")});
  auto matches = allMatches(*re, s, -1);
  int64_t beg = 0, end = 0;
  for (const auto& m : matches) {
    end = m[0].first;
    if (m[0].second != 0)
      out.push_back(strValue(s.substr(static_cast<size_t>(beg), static_cast<size_t>(end - beg))));
    beg = m[0].second;
  }
  if (end != static_cast<int64_t>(s.size()))
    out.push_back(strValue(s.substr(static_cast<size_t>(beg))));
  return Value::array(std::move(out));
}

Value regexFindN(BuiltinContext& c, Args a) {
  std::string_view p, s;
  int64_t n;
  if (!argString(c, a, 0, &p) || !argString(c, a, 1, &s) || !argInt(c, a, 2, &n)) return Value();
  std::string err;
  auto re = compile(p, &err);
  if (!re) {
    c.builtinError(err);
    return Value();
  }
  std::vector<Value> out;
  if (n == 0) return Value::emptyArray();
  for (const auto& m : allMatches(*re, s, n)) {
    out.push_back(strValue(
        s.substr(static_cast<size_t>(m[0].first), static_cast<size_t>(m[0].second - m[0].first))));
  }
  return Value::array(std::move(out));
}

Value regexFindAllSubmatch(BuiltinContext& c, Args a) {
  std::string_view p, s;
  int64_t n;
  if (!argString(c, a, 0, &p) || !argString(c, a, 1, &s) || !argInt(c, a, 2, &n)) return Value();
  std::string err;
  auto re = compile(p, &err);
  if (!re) {
    c.builtinError(err);
    return Value();
  }
  std::vector<Value> out;
  if (n == 0) return Value::emptyArray();
  for (const auto& m : allMatches(*re, s, n)) {
    std::vector<Value> groups;
    for (const auto& [b, e] : m) {
      groups.push_back(
          b < 0 ? strValue("")
                : strValue(s.substr(static_cast<size_t>(b), static_cast<size_t>(e - b))));
    }
    out.push_back(Value::array(std::move(groups)));
  }
  return Value::array(std::move(out));
}

// Go's Regexp.Expand of a template ($1, ${1}, $name, ${name}, $$).
void expand(std::string& out, std::string_view tmpl, std::string_view src, const Spans& m,
            const RE2& re) {
  const auto& names = re.NamedCapturingGroups();
  size_t i = 0;
  while (i < tmpl.size()) {
    char ch = tmpl[i];
    if (ch != '$') {
      out.push_back(ch);
      ++i;
      continue;
    }
    ++i;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    std::string name;
    bool braced = false;
    size_t save = i;
    if (i < tmpl.size() && tmpl[i] == '{') {
      braced = true;
      ++i;
    }
    while (i < tmpl.size() &&
           (std::isalnum(static_cast<unsigned char>(tmpl[i])) || tmpl[i] == '_')) {
      name.push_back(tmpl[i]);
      ++i;
    }
    if (braced) {
      if (i >= tmpl.size() || tmpl[i] != '}' || name.empty()) {
        out.push_back('$');
        i = save;
        continue;
      }
      ++i;
    }
    if (name.empty()) {
      out.push_back('$');
      continue;
    }
    int idx = -1;
    bool numeric =
        std::all_of(name.begin(), name.end(), [](char x) { return x >= '0' && x <= '9'; });
    if (numeric) {
      idx = name.size() > 9 ? -1 : std::stoi(name);
    } else {
      auto it = names.find(name);
      if (it != names.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < m.size() && m[static_cast<size_t>(idx)].first >= 0) {
      out.append(src.substr(static_cast<size_t>(m[static_cast<size_t>(idx)].first),
                            static_cast<size_t>(m[static_cast<size_t>(idx)].second -
                                                m[static_cast<size_t>(idx)].first)));
    }
  }
}

Value regexReplace(BuiltinContext& c, Args a) {
  std::string_view s, p, repl;
  if (!argString(c, a, 0, &s) || !argString(c, a, 1, &p) || !argString(c, a, 2, &repl))
    return Value();
  std::string err;
  auto re = compile(p, &err);
  if (!re) {
    c.builtinError(err);
    return Value();
  }
  int ngroups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  std::string out;
  size_t last_end = 0, search = 0;
  while (search <= s.size()) {
    if (!re->Match(re2::StringPiece(s.data(), s.size()), search, s.size(), RE2::UNANCHORED,
                   groups.data(), ngroups))
      break;
    size_t b = static_cast<size_t>(groups[0].data() - s.data());
    size_t e = b + groups[0].size();
    out.append(s.substr(last_end, b - last_end));
    if (e > last_end || b == 0) {
      Spans m;
      for (const auto& g : groups) {
        if (g.data() == nullptr) {
          m.emplace_back(-1, -1);
        } else {
          int64_t gb = g.data() - s.data();
          m.emplace_back(gb, gb + static_cast<int64_t>(g.size()));
        }
      }
      expand(out, repl, s, m, *re);
    }
    last_end = e;
    size_t width = runeWidth(s, search);
    if (search + width > e) {
      search += width;
    } else if (search + 1 > e) {
      ++search;
    } else {
      search = e;
    }
  }
  if (last_end < s.size()) out.append(s.substr(last_end));
  return strValue(out);
}

std::string quoteMeta(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (std::strchr("\\.+*?()|[]{}^$", ch) != nullptr && ch != '\0') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

Value regexTemplateMatch(BuiltinContext& c, Args a) {
  std::string_view tmpl, s, ds, de;
  if (!argString(c, a, 0, &tmpl) || !argString(c, a, 1, &s) || !argString(c, a, 2, &ds) ||
      !argString(c, a, 3, &de))
    return Value();
  if (ds.size() != 1 || de.size() != 1) {
    c.builtinError("delimiters must be single characters");
    return Value();
  }
  // Build ^literal(regex)literal$ as gorilla/mux-style templates do.
  std::string pattern = "^";
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find(ds[0], i);
    if (open == std::string_view::npos) {
      pattern += quoteMeta(tmpl.substr(i));
      break;
    }
    pattern += quoteMeta(tmpl.substr(i, open - i));
    int depth = 1;
    size_t j = open + 1;
    for (; j < tmpl.size(); ++j) {
      if (tmpl[j] == ds[0]) ++depth;
      if (tmpl[j] == de[0] && --depth == 0) break;
    }
    if (j >= tmpl.size()) {
      c.builtinError("unbalanced braces in template");
      return Value();
    }
    pattern += "(" + std::string(tmpl.substr(open + 1, j - open - 1)) + ")";
    i = j + 1;
  }
  pattern += "$";
  std::string err;
  auto re = compile(pattern, &err);
  if (!re) {
    c.builtinError(err);
    return Value();
  }
  return boolValue(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re));
}

}  // namespace

void registerRegex(BuiltinRegistry& r) {
  r.add("regex.match", 2, regexMatch);
  r.add("re_match", 2, regexMatch);
  r.add("regex.is_valid", 1, regexIsValid);
  r.add("regex.split", 2, regexSplit);
  r.add("regex.find_n", 3, regexFindN);
  r.add("regex.find_all_string_submatch_n", 3, regexFindAllSubmatch);
  r.add("regex.replace", 3, regexReplace);
  r.add("regex.template_match", 4, regexTemplateMatch);
}

}  // namespace meshgate::rego
