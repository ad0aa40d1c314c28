// SPDX-License-Identifier: Apache-2.0
// regex.globs_match: whether two "glob-style" patterns (characters, '.',
// [sets] with ranges, each optionally followed by '+' or '*', '\' escapes)
// match a common non-empty string, with the gintersect library's algorithm
// and error texts that OPA uses.
#include <set>
#include <string>
#include <vector>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

enum class TokType { Character, Dot, Set };
enum class Flag { None, Plus, Star };

struct Token {
  TokType type = TokType::Character;
  Flag flag = Flag::None;
  char32_t rune = 0;
  std::set<char32_t> runes;
};

using Glob = std::vector<Token>;

class Tokenizer {
 public:
  explicit Tokenizer(std::u32string in) : in_(std::move(in)) {}

  bool run(Glob* out, std::string* err) {
    size_t i = 0;
    while (true) {
      Token t;
      Status s = nextToken(&i, &t);
      if (s == Status::End) return true;
      if (s == Status::Error) {
        *err = err_;
        return false;
      }
      out->push_back(std::move(t));
    }
  }

 private:
  enum class Status { Ok, End, Error };

  Status fail(size_t index, const std::string& msg) {
    err_ = "input:" + utf8Encode(in_) + ", pos:" + std::to_string(index) + ", " + msg +
           ": the input provided is invalid";
    return Status::Error;
  }

  Status nextRune(size_t index, size_t* next, char32_t* r, bool* escaped) {
    if (index >= in_.size()) {
      *next = index;
      return Status::End;
    }
    if (in_[index] == U'\\') {
      if (index + 1 < in_.size()) {
        *next = index + 2;
        *r = in_[index + 1];
        *escaped = true;
        return Status::Ok;
      }
      return fail(index, "input ends with a \\ (escape) character");
    }
    *next = index + 1;
    *r = in_[index];
    *escaped = false;
    return Status::Ok;
  }

  Status nextToken(size_t* index, Token* t) {
    size_t next;
    char32_t r;
    bool escaped;
    Status s = nextRune(*index, &next, &r, &escaped);
    if (s != Status::Ok) return s;
    if (!escaped && r == U'.') {
      t->type = TokType::Dot;
    } else if (!escaped && r == U']') {
      return fail(next, "set-close ']' with no preceding '['");
    } else if (!escaped && r == U'[') {
      s = nextSet(&next, t);
      if (s != Status::Ok) return s;
    } else if (!escaped && (r == U'+' || r == U'*')) {
      std::string f(1, static_cast<char>(r));
      return fail(next, "flag '" + f + "' must be preceded by a non-flag");
    } else {
      t->type = TokType::Character;
      t->rune = r;
    }
    // An optional flag.
    size_t after;
    char32_t fr;
    bool fesc;
    s = nextRune(next, &after, &fr, &fesc);
    if (s == Status::Error) return s;
    if (s == Status::Ok && !fesc && (fr == U'+' || fr == U'*')) {
      t->flag = fr == U'+' ? Flag::Plus : Flag::Star;
      next = after;
    }
    *index = next;
    return Status::Ok;
  }

  Status nextSet(size_t* index, Token* t) {
    t->type = TokType::Set;
    char32_t r = 0, prev = 0;
    bool escaped = false, complete = false, prev_exists = false;
    size_t i = *index;
    while (true) {
      size_t next;
      Status s = nextRune(i, &next, &r, &escaped);
      if (s == Status::End) {
        i = next;
        break;
      }
      if (s == Status::Error) return s;
      i = next;
      if (!escaped && r == U'-') {
        if (!prev_exists)
          return fail(i, "range character '-' must be preceded by a Unicode character");
        if (i + 1 >= in_.size())
          return fail(i, "range character '-' must be followed by a Unicode character");
        s = nextRune(i, &next, &r, &escaped);
        if (s == Status::Error) return s;
        i = next;
        if (!escaped && (r == U']' || r == U'-')) {
          return fail(i, "range character '-' cannot be followed by a special symbol");
        }
        if (r < prev) {
          return fail(i, "range is out of order: '" + utf8Encode(std::u32string(1, r)) +
                             "' comes before '" + utf8Encode(std::u32string(1, prev)) +
                             "' in Unicode");
        }
        if (r - prev > 0x10000) return fail(i, "range is too large");
        for (char32_t x = prev; x <= r; ++x)
          t->runes.insert(x);
        prev_exists = false;
      } else if (!escaped && r == U']') {
        complete = true;
        break;
      } else {
        t->runes.insert(r);
        prev = r;
        prev_exists = true;
      }
    }
    if (!complete) return fail(i, "found [ without matching ]");
    *index = i;
    return Status::Ok;
  }

  std::u32string in_;
  std::string err_;
};

bool match(const Token& a, const Token& b) {
  const Token* t1 = &a;
  const Token* t2 = &b;
  if (t1->type > t2->type) std::swap(t1, t2);
  switch (t1->type) {
    case TokType::Character:
      if (t2->type == TokType::Character) return t1->rune == t2->rune;
      if (t2->type == TokType::Dot) return true;
      return t2->runes.count(t1->rune) > 0;
    case TokType::Dot:
      return true;
    case TokType::Set:
      for (char32_t r : t1->runes) {
        if (t2->runes.count(r)) return true;
      }
      return false;
  }
  return false;
}

using Span = std::pair<const Token*, size_t>;  // pointer and length

bool intersectNormal(Span g1, Span g2, int depth);

bool intersectStar(Span starred, Span other, int depth) {
  const Token& star = starred.first[0];
  const Token* next = starred.second > 1 ? &starred.first[1] : nullptr;
  for (size_t i = 0; i < other.second; ++i) {
    const Token& t = other.first[i];
    if (next && match(t, *next)) {
      if (intersectNormal({starred.first + 1, starred.second - 1},
                          {other.first + i, other.second - i}, depth + 1)) {
        return true;
      }
      if (!match(t, star)) return false;
    } else if (!match(t, star)) {
      return false;
    }
  }
  return next == nullptr;
}

bool intersectPlus(Span plussed, Span other, int depth) {
  if (other.second == 0 || !match(plussed.first[0], other.first[0])) return false;
  return intersectStar(plussed, {other.first + 1, other.second - 1}, depth);
}

bool intersectSpecial(Span g1, Span g2, int depth) {
  if (g1.first[0].flag != Flag::None) {
    return g1.first[0].flag == Flag::Plus ? intersectPlus(g1, g2, depth)
                                          : intersectStar(g1, g2, depth);
  }
  if (g2.first[0].flag == Flag::Plus) return intersectPlus(g2, g1, depth);
  if (g2.first[0].flag == Flag::Star) return intersectStar(g2, g1, depth);
  return false;
}

bool intersectNormal(Span g1, Span g2, int depth) {
  if (depth > 10000) return false;
  size_t i = 0, j = 0;
  for (; i < g1.second && j < g2.second; ++i, ++j) {
    const Token& a = g1.first[i];
    const Token& b = g2.first[j];
    if (a.flag == Flag::None && b.flag == Flag::None) {
      if (!match(a, b)) return false;
    } else {
      return intersectSpecial({g1.first + i, g1.second - i}, {g2.first + j, g2.second - j}, depth);
    }
  }
  return i == g1.second && j == g2.second;
}

// gintersect.NonEmpty.
bool nonEmpty(const Glob& g1, const Glob& g2) {
  size_t l = 0;
  for (; l < g1.size() && l < g2.size() && g1[l].flag == Flag::None && g2[l].flag == Flag::None;
       ++l) {
    if (!match(g1[l], g2[l])) return false;
  }
  if (l > 0) --l;
  int64_t r1 = static_cast<int64_t>(g1.size()) - 1, r2 = static_cast<int64_t>(g2.size()) - 1;
  auto li = static_cast<int64_t>(l);
  for (; r1 >= 0 && r1 >= li && r2 >= 0 && r2 >= li &&
         g1[static_cast<size_t>(r1)].flag == Flag::None &&
         g2[static_cast<size_t>(r2)].flag == Flag::None;
       --r1, --r2) {
    if (!match(g1[static_cast<size_t>(r1)], g2[static_cast<size_t>(r2)])) return false;
  }
  if (r1 < static_cast<int64_t>(g1.size()) - 1) {
    ++r1;
    ++r2;
  }
  auto len1 = static_cast<size_t>(std::max<int64_t>(0, r1 + 1 - li));
  auto len2 = static_cast<size_t>(std::max<int64_t>(0, r2 + 1 - li));
  return intersectNormal({g1.data() + l, len1}, {g2.data() + l, len2}, 0);
}

Value globsMatch(BuiltinContext& c, Args a) {
  std::string_view s1, s2;
  if (!argString(c, a, 0, &s1) || !argString(c, a, 1, &s2)) return Value::undefined();
  Glob g1, g2;
  std::string err;
  if (!Tokenizer(utf8Decode(s1)).run(&g1, &err) || !Tokenizer(utf8Decode(s2)).run(&g2, &err)) {
    c.builtinError(err);
    return Value::undefined();
  }
  return Value::boolean(nonEmpty(g1, g2));
}

}  // namespace

void registerGlobsMatch(BuiltinRegistry& r) {
  r.add("regex.globs_match", 2, globsMatch);
}

}  // namespace meshgate::rego
