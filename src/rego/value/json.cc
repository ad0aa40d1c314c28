// SPDX-License-Identifier: Apache-2.0
#include "rego/value/json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/json_reader.h"
#include "base/strings.h"
#include "base/yaml_guard.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

// JSON events → Values. Containers collect their items on one stack (object members as
// key, value pairs) and become a Value when they end.
class ValueBuilder final : public base::JsonHandler {
 public:
  /// The root, once the reader is done; the builder is then ready for the next document.
  Value take() {
    Value root = std::move(stack_.back());
    clear();
    return root;
  }
  /// Drops what a failed document left, and memory a big one grew.
  void clear() {
    stack_.clear();
    frames_.clear();
    if (stack_.capacity() > 4096) std::vector<Value>().swap(stack_);
    if (frames_.capacity() > 4096) std::vector<size_t>().swap(frames_);
  }

  bool null() override { return push(Value::null()); }
  bool boolean(bool b) override { return push(Value::boolean(b)); }
  bool number(std::string_view text) override {
    Value n = Value::numberFromText(text);
    if (n.isUndefined()) {
      return fail(base::Error{"invalid JSON at offset " + std::to_string(tokenOffset()) +
                              ": unsupported number " + std::string(text)});
    }
    return push(std::move(n));
  }
  bool string(std::string_view s) override { return push(Value::string(s)); }
  bool key(std::string_view k) override { return push(Value::string(k)); }
  bool beginObject() override { return open(); }
  bool beginArray() override { return open(); }
  bool endObject() override {
    size_t first = frames_.back();
    frames_.pop_back();
    std::vector<ObjectEntry> entries;
    entries.reserve((stack_.size() - first) / 2);
    for (size_t i = first; i + 1 < stack_.size(); i += 2)
      entries.push_back({std::move(stack_[i]), std::move(stack_[i + 1])});
    stack_.resize(first);
    // Value::object keeps the last of duplicate keys.
    return push(Value::object(std::move(entries)));
  }
  bool endArray() override {
    size_t first = frames_.back();
    frames_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + first),
                             std::make_move_iterator(stack_.end()));
    stack_.resize(first);
    return push(Value::array(std::move(items)));
  }

 private:
  bool push(Value v) {
    stack_.push_back(std::move(v));
    return true;
  }
  bool open() {
    frames_.push_back(stack_.size());
    return true;
  }

  std::vector<Value> stack_;
  std::vector<size_t> frames_;
};

// The direct reader: JSON text → Values in one pass, for the documents requests bring (JWT
// sections, json.unmarshal of small objects), without the event reader's copy of the text,
// virtual events and second sort. It accepts a subset of what readJson accepts and must give
// exactly the value the events would build; whatever it does not handle (invalid JSON, a
// \u escape of a surrogate, nesting deeper than kDirectDepth) makes it give up, and parseJson
// reads the text again through readJson, which builds the value or reports the error (not
// a single-pass reader's own wording). rego_json_fuzz checks the two agree.
constexpr int kDirectDepth = 64;

// Per thread: the members and items of the containers being read, innermost last, unescaped
// string bytes and an object's key order. One thread_local, reached once per document.
struct DirectScratch {
  std::vector<ObjectEntry> entries;
  std::vector<Value> items;
  std::string bytes;
  std::vector<std::pair<std::string_view, size_t>> order;
};

class DirectReader {
 public:
  DirectReader(std::string_view text, DirectScratch& scratch)
      : p_(text.data()),
        end_(text.data() + text.size()),
        entries_(scratch.entries),
        items_(scratch.items),
        scratch_(scratch.bytes),
        order_(scratch.order) {}

  bool read(Value* out) {
    skipSpace();
    *out = value(0);
    bool ok = out->isDefined();
    if (ok) {
      skipSpace();
      ok = p_ == end_;
    }
    if (!ok) {
      entries_.clear();
      items_.clear();
    }
    // A big document's scratch is not kept for the thread's lifetime.
    if (entries_.capacity() > 4096) std::vector<ObjectEntry>().swap(entries_);
    if (items_.capacity() > 4096) std::vector<Value>().swap(items_);
    if (scratch_.capacity() > 64 * 1024) std::string().swap(scratch_);
    if (order_.capacity() > 4096) std::vector<std::pair<std::string_view, size_t>>().swap(order_);
    return ok;
  }

 private:
  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
      ++p_;
  }
  bool take(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // A value, or Undefined (which JSON cannot express) where the reader gives up.
  Value value(int depth) {
    if (p_ == end_) return Value();
    switch (*p_) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"': {
        std::string_view s;
        if (!string(&s)) return Value();
        return Value::string(s);
      }
      case 't':
        return literal("true") ? Value::boolean(true) : Value();
      case 'f':
        return literal("false") ? Value::boolean(false) : Value();
      case 'n':
        return literal("null") ? Value::null() : Value();
      default:
        return number();
    }
  }

  // RFC 8259's number grammar; the value is what numberFromText makes of the text, as the
  // event reader's handler does (integers of up to 18 digits directly).
  Value number() {
    const char* start = p_;
    auto digit = [&] { return p_ != end_ && *p_ >= '0' && *p_ <= '9'; };
    const bool negative = take('-');
    const char* digits = p_;
    if (!take('0')) {
      if (!digit()) return Value();
      while (digit())
        ++p_;
    }
    const char* digits_end = p_;
    bool integral = true;
    if (take('.')) {
      if (!digit()) return Value();
      while (digit())
        ++p_;
      integral = false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (!take('+')) take('-');
      if (!digit()) return Value();
      while (digit())
        ++p_;
      integral = false;
    }
    if (integral && digits_end - digits <= 18) {
      int64_t magnitude = 0;
      for (const char* d = digits; d != digits_end; ++d)
        magnitude = magnitude * 10 + (*d - '0');
      return Value::integer(negative ? -magnitude : magnitude);
    }
    // Undefined when numberFromText refuses it.
    return Value::numberFromText(std::string_view(start, static_cast<size_t>(p_ - start)));
  }

  // A string at the opening quote. Without escapes the result views the text, else the
  // unescaped bytes in scratch_ (valid until the next string).
  bool string(std::string_view* out) {
    ++p_;
    const char* start = p_;
    bool non_ascii = false;
    // Eight bytes at a time to the first quote, backslash, control or non-ASCII byte.
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    while (true) {
      while (end_ - p_ >= 8) {
        uint64_t v;
        std::memcpy(&v, p_, 8);
        uint64_t quote = v ^ (kOnes * '"');
        uint64_t backslash = v ^ (kOnes * '\\');
        // The lowest flagged byte is exact (borrows only spoil the bytes above it); bytes
        // from 0x80 up flag themselves (the final `| v`).
        uint64_t special = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                            ((v - kOnes * 0x20) & ~v) | v) &
                           kHigh;
        if (special != 0) {
          p_ += __builtin_ctzll(special) / 8;
          break;
        }
        p_ += 8;
      }
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c == '\\') return escapedString(start, non_ascii, out);
      if (c < 0x20) return false;
      if (c >= 0x80) non_ascii = true;
      ++p_;
    }
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return !non_ascii || base::firstInvalidUtf8(*out) == out->size();
  }

  // The rest of a string from its first backslash; `start` is just after the opening quote.
  bool escapedString(const char* start, bool non_ascii, std::string_view* out) {
    scratch_.assign(start, static_cast<size_t>(p_ - start));
    while (true) {
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c >= 0x80) non_ascii = true;
      if (c != '\\') {
        scratch_.push_back(static_cast<char>(c));
        ++p_;
        continue;
      }
      ++p_;
      if (p_ == end_) return false;
      char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          scratch_.push_back(e);
          break;
        case 'b':
          scratch_.push_back('\b');
          break;
        case 'f':
          scratch_.push_back('\f');
          break;
        case 'n':
          scratch_.push_back('\n');
          break;
        case 'r':
          scratch_.push_back('\r');
          break;
        case 't':
          scratch_.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          for (int i = 0; i < 4; ++i) {
            if (p_ == end_) return false;
            const int d = base::hexDigitValue(*p_++);
            if (d < 0) return false;
            cp = (cp << 4) | static_cast<uint32_t>(d);
          }
          // Surrogates (pairs and lone halves) are the event reader's.
          if (cp >= 0xD800 && cp <= 0xDFFF) return false;
          base::appendUtf8(scratch_, cp);
          break;
        }
        default:
          return false;
      }
    }
    ++p_;
    *out = scratch_;
    // Escapes only add valid UTF-8; the raw bytes are checked in the result.
    return !non_ascii || base::firstInvalidUtf8(*out) == out->size();
  }

  Value object(int depth) {
    if (depth > kDirectDepth) return Value();
    ++p_;
    skipSpace();
    const size_t first = entries_.size();
    if (!take('}')) {
      while (true) {
        if (p_ == end_ || *p_ != '"') return Value();
        std::string_view k;
        if (!string(&k)) return Value();
        Value key = Value::string(k);
        skipSpace();
        if (!take(':')) return Value();
        skipSpace();
        Value v = value(depth);
        if (v.isUndefined()) return v;
        entries_.push_back({std::move(key), std::move(v)});
        skipSpace();
        if (take(',')) {
          skipSpace();
          continue;
        }
        if (take('}')) break;
        return Value();
      }
    }
    return Value::objectSorted(sortedEntries(first));
  }

  // Byte order, as compare() orders strings; byte by byte, as keys are short and mostly differ
  // early (memcmp's call costs more).
  static bool keyLess(std::string_view a, std::string_view b) {
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    }
    return a.size() < b.size();
  }

  // The members from `first` on, sorted by key, of repeated keys the last (as Value::object);
  // entries_ is cut back to `first`. The keys are sorted by index (insertion sort: objects are
  // small) rather than the members themselves.
  std::vector<ObjectEntry> sortedEntries(size_t first) {
    const size_t n = entries_.size() - first;
    std::vector<ObjectEntry> entries;
    entries.reserve(n);
    order_.clear();
    for (size_t i = 0; i < n; ++i) {
      const std::string_view k = entries_[first + i].key.asString();
      size_t j = order_.size();
      while (j > 0 && keyLess(k, order_[j - 1].first))
        --j;
      // Equal keys stay in their order; the last of them is kept below.
      order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(j), {k, i});
    }
    for (size_t j = 0; j < n; ++j) {
      if (j + 1 < n && order_[j].first == order_[j + 1].first) continue;
      entries.push_back(std::move(entries_[first + order_[j].second]));
    }
    entries_.resize(first);
    return entries;
  }

  Value array(int depth) {
    if (depth > kDirectDepth) return Value();
    ++p_;
    skipSpace();
    const size_t first = items_.size();
    if (!take(']')) {
      while (true) {
        Value v = value(depth);
        if (v.isUndefined()) return v;
        items_.push_back(std::move(v));
        skipSpace();
        if (take(',')) {
          skipSpace();
          continue;
        }
        if (take(']')) break;
        return Value();
      }
    }
    std::vector<Value> items(std::make_move_iterator(items_.begin() + first),
                             std::make_move_iterator(items_.end()));
    items_.resize(first);
    return Value::array(std::move(items));
  }

  const char* p_;
  const char* end_;
  std::vector<ObjectEntry>& entries_;
  std::vector<Value>& items_;
  std::string& scratch_;
  std::vector<std::pair<std::string_view, size_t>>& order_;
};

// YAML

bool isYamlNull(const std::string& s) {
  return s == "~" || s == "null" || s == "Null" || s == "NULL" || s.empty();
}

bool yamlBool(const std::string& s, bool* out) {
  static const char* kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                "on",   "On",   "ON",   "y",   "Y"};
  static const char* kFalse[] = {"false", "False", "FALSE", "no", "No", "NO",
                                 "off",   "Off",   "OFF",   "n",  "N"};
  for (const char* t : kTrue) {
    if (s == t) {
      *out = true;
      return true;
    }
  }
  for (const char* f : kFalse) {
    if (s == f) {
      *out = false;
      return true;
    }
  }
  return false;
}

bool looksLikeYamlNumber(const std::string& s) {
  if (s.empty()) return false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') i = 1;
  if (i >= s.size()) return false;
  bool digits = false;
  bool dot = false;
  bool exp = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) ++i;
      if (i + 1 >= s.size()) return false;
    } else {
      return false;
    }
  }
  return digits;
}

Value yamlScalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  // Quoted scalars (tag "!") are always strings.
  if (node.Tag() == "!") return Value::string(s);
  if (node.Tag() == "tag:yaml.org,2002:str") return Value::string(s);
  if (isYamlNull(s)) return Value::null();
  bool b;
  if (yamlBool(s, &b)) return Value::boolean(b);
  if (looksLikeYamlNumber(s)) {
    std::string t = s;
    if (t[0] == '+') t.erase(0, 1);
    // YAML allows "1." and ".5"; JSON does not, but the value is the same.
    Value n = Value::numberFromText(t);
    if (n.isDefined()) return n;
  }
  if (s == ".inf" || s == ".Inf" || s == "-.inf" || s == ".nan" || s == ".NaN")
    return Value::string(s);
  return Value::string(s);
}

base::Result<Value> yamlToValue(const YAML::Node& node, int depth) {
  if (depth > 1000) return base::Error{"yaml: document nested too deeply"};
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Value::null();
    case YAML::NodeType::Scalar:
      return yamlScalar(node);
    case YAML::NodeType::Sequence: {
      std::vector<Value> items;
      for (const auto& child : node) {
        auto v = yamlToValue(child, depth + 1);
        if (!v.ok()) return v;
        items.push_back(std::move(*v));
      }
      return Value::array(std::move(items));
    }
    case YAML::NodeType::Map: {
      std::vector<ObjectEntry> entries;
      for (const auto& kv : node) {
        auto k = yamlToValue(kv.first, depth + 1);
        if (!k.ok()) return k;
        Value key = std::move(*k);
        if (!key.isString()) {
          // sigs.k8s.io/yaml converts keys to their string form.
          if (key.isNumber()) {
            key = Value::string(formatNumber(key));
          } else if (key.isBool()) {
            key = Value::string(key.asBool() ? "true" : "false");
          } else if (key.isNull()) {
            key = Value::string("null");
          } else {
            return base::Error{"yaml: unsupported map key type"};
          }
        }
        auto v = yamlToValue(kv.second, depth + 1);
        if (!v.ok()) return v;
        entries.push_back({std::move(key), std::move(*v)});
      }
      return Value::object(std::move(entries));
    }
  }
  return Value::null();
}

void appendHex4(std::string& out, unsigned v) {
  static const char* kHex = "0123456789abcdef";
  out.append("\\u");
  out.push_back(kHex[(v >> 12) & 0xF]);
  out.push_back(kHex[(v >> 8) & 0xF]);
  out.push_back(kHex[(v >> 4) & 0xF]);
  out.push_back(kHex[v & 0xF]);
}

void newline(std::string& out, const JsonOptions& o, int depth) {
  if (o.indent.empty()) return;
  out.push_back('\n');
  out.append(o.prefix);
  for (int i = 0; i < depth; ++i)
    out.append(o.indent);
}

void appendJsonImpl(std::string& out, const Value& v, const JsonOptions& o, int depth) {
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::Null:
      out.append("null");
      return;
    case Kind::Bool:
      out.append(v.asBool() ? "true" : "false");
      return;
    case Kind::Number:
      appendNumber(out, v);
      return;
    case Kind::String:
      appendJsonString(out, v.asString(), o.escape_html);
      return;
    case Kind::Array:
    case Kind::Set: {
      const auto& items = v.items();
      if (items.empty()) {
        out.append("[]");
        return;
      }
      out.push_back('[');
      bool first = true;
      for (const auto& item : items) {
        if (!first) out.push_back(',');
        first = false;
        newline(out, o, depth + 1);
        appendJsonImpl(out, item, o, depth + 1);
      }
      newline(out, o, depth);
      out.push_back(']');
      return;
    }
    case Kind::Object: {
      const auto& entries = v.entries();
      if (entries.empty()) {
        out.append("{}");
        return;
      }
      // Keys that are not strings are written in Rego syntax; Go then sorts
      // the resulting string keys.
      std::vector<std::pair<std::string, const Value*>> keyed;
      keyed.reserve(entries.size());
      bool all_strings = true;
      for (const auto& e : entries) {
        if (e.key.isString()) {
          keyed.emplace_back(std::string(e.key.asString()), &e.value);
        } else {
          all_strings = false;
          keyed.emplace_back(toJson(e.key), &e.value);
        }
      }
      if (!all_strings) {
        std::stable_sort(keyed.begin(), keyed.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      out.push_back('{');
      bool first = true;
      for (const auto& [k, val] : keyed) {
        if (!first) out.push_back(',');
        first = false;
        newline(out, o, depth + 1);
        appendJsonString(out, k, o.escape_html);
        out.push_back(':');
        if (!o.indent.empty()) out.push_back(' ');
        appendJsonImpl(out, *val, o, depth + 1);
      }
      newline(out, o, depth);
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

namespace detail {

bool parseJsonDirect(std::string_view text, Value* out) {
  thread_local DirectScratch scratch;
  return DirectReader(text, scratch).read(out);
}

base::Result<Value> parseJsonEvents(std::string_view text) {
  // One builder per thread keeps its stacks' memory across documents; the handler never
  // calls parseJson itself.
  thread_local ValueBuilder builder;
  if (auto read = base::readJson(text, builder); !read.ok()) {
    builder.clear();
    return std::move(read).error();
  }
  return builder.take();
}

}  // namespace detail

base::Result<Value> parseJson(std::string_view text) {
  // Per request for JWT sections: the direct reader first, the event reader for what it
  // leaves (its errors included).
  if (Value v; detail::parseJsonDirect(text, &v)) return v;
  return detail::parseJsonEvents(text);
}

base::Result<Value> parseYaml(std::string_view text) {
  if (auto hazard = base::findYamlHazard(text)) {
    return base::Error{"yaml: line " + std::to_string(hazard->line) + ": " + hazard->message};
  }
  try {
    YAML::Node node = YAML::Load(std::string(text));
    return yamlToValue(node, 0);
  } catch (const YAML::Exception& e) {
    // go-yaml's wording ("yaml: line N: did not find expected ...") for the
    // common syntax errors; yaml-cpp's own message otherwise.
    std::string msg = e.msg;
    if (msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
      msg = "did not find expected ',' or ']'";
    } else if (msg == YAML::ErrorMsg::END_OF_MAP_FLOW) {
      msg = "did not find expected ',' or '}'";
    } else if (msg == YAML::ErrorMsg::END_OF_SEQ || msg == YAML::ErrorMsg::END_OF_MAP) {
      msg = "did not find expected key";
    }
    if (e.mark.is_null()) return base::Error{"yaml: " + msg};
    return base::Error{"yaml: line " + std::to_string(e.mark.line + 1) + ": " + msg};
  }
}

void appendJsonString(std::string& out, std::string_view s, bool escape_html) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&'))) {
            appendHex4(out, c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t cp;
    size_t n = base::utf8SequenceLength(s, i, &cp);
    if (n == 0) {
      out.append("\\ufffd");
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      appendHex4(out, cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

std::string toJson(const Value& v, const JsonOptions& options) {
  std::string out;
  appendJsonImpl(out, v, options, 0);
  return out;
}

void appendJson(std::string& out, const Value& v, const JsonOptions& options) {
  appendJsonImpl(out, v, options, 0);
}

std::string quoteString(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\a':
          out.append("\\a");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\v':
          out.append("\\v");
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            out.append("\\x");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t cp;
    size_t n = base::utf8SequenceLength(s, i, &cp);
    if (n == 0) {
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out.push_back('"');
  return out;
}

void appendRego(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined:
      out.append("undefined");
      return;
    case Kind::Null:
      out.append("null");
      return;
    case Kind::Bool:
      out.append(v.asBool() ? "true" : "false");
      return;
    case Kind::Number:
      appendNumber(out, v);
      return;
    case Kind::String:
      out.append(quoteString(v.asString()));
      return;
    case Kind::Array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out.append(", ");
        first = false;
        appendRego(out, item);
      }
      out.push_back(']');
      return;
    }
    case Kind::Set: {
      if (v.items().empty()) {
        out.append("set()");
        return;
      }
      out.push_back('{');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out.append(", ");
        first = false;
        appendRego(out, item);
      }
      out.push_back('}');
      return;
    }
    case Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& e : v.entries()) {
        if (!first) out.append(", ");
        first = false;
        appendRego(out, e.key);
        out.append(": ");
        appendRego(out, e.value);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string toRegoString(const Value& v) {
  std::string out;
  appendRego(out, v);
  return out;
}

}  // namespace meshgate::rego
