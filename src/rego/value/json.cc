// SPDX-License-Identifier: Apache-2.0
#include "rego/value/json.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

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

base::Result<Value> parseJson(std::string_view text) {
  // One builder per thread keeps its stacks' memory across documents (parseJson is called per
  // request for JWT sections); the handler never calls parseJson itself.
  thread_local ValueBuilder builder;
  if (auto read = base::readJson(text, builder); !read.ok()) {
    builder.clear();
    return std::move(read).error();
  }
  return builder.take();
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
