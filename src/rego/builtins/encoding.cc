// SPDX-License-Identifier: Apache-2.0
// Encodings: base64, base64url, hex, urlquery, json, yaml.
#include <algorithm>

#include "rego/builtins/encoding_util.h"
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

Value b64Encode(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(base64Encode(s, B64::Std));
}

Value b64Decode(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string out, err;
  if (!base64Decode(s, B64::Std, &out, &err)) {
    c.builtinError(err);
    return Value();
  }
  return strValue(out);
}

Value b64IsValid(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string out, err;
  return boolValue(base64Decode(s, B64::Std, &out, &err));
}

Value b64UrlEncode(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(base64Encode(s, B64::Url));
}

Value b64UrlEncodeNoPad(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(base64Encode(s, B64::RawUrl));
}

Value b64UrlDecode(BuiltinContext& c, Args a) {
  std::string_view sv;
  if (!argString(c, a, 0, &sv)) return Value();
  std::string s(sv);
  if (s.empty() || s.back() != '=') {
    switch (s.size() % 4) {
      case 0:
        break;
      case 2:
        s += "==";
        break;
      case 3:
        s += "=";
        break;
      default:
        c.builtinError("illegal base64url string: " + s);
        return Value();
    }
  }
  std::string out, err;
  if (!base64Decode(s, B64::Url, &out, &err)) {
    c.builtinError(err);
    return Value();
  }
  return strValue(out);
}

Value hexEnc(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(hexEncode(s));
}

Value hexDec(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string out, err;
  if (!hexDecode(s, &out, &err)) {
    c.builtinError(err);
    return Value();
  }
  return strValue(out);
}

Value urlEncode(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  return strValue(queryEscape(s));
}

Value urlDecode(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::string out, err;
  if (!queryUnescape(s, &out, &err)) {
    c.builtinError(err);
    return Value();
  }
  return strValue(out);
}

Value urlEncodeObject(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& e : a[0].entries()) {
    if (!e.key.isString()) {
      c.typeError("operand 1 must be object[string: string | array[string] | set[string]]");
      return Value();
    }
    std::string k(e.key.asString());
    if (e.value.isString()) {
      pairs.emplace_back(k, std::string(e.value.asString()));
    } else if (e.value.isArray() || e.value.isSet()) {
      for (const auto& v : e.value.items()) {
        if (!v.isString()) {
          c.typeError("operand 1 must be object[string: string | array[string] | set[string]]");
          return Value();
        }
        pairs.emplace_back(k, std::string(v.asString()));
      }
    } else {
      c.typeError("operand 1 must be object[string: string | array[string] | set[string]]");
      return Value();
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += queryEscape(k);
    out.push_back('=');
    out += queryEscape(v);
  }
  return strValue(out);
}

Value urlDecodeObject(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  std::vector<std::pair<std::string, std::vector<Value>>> acc;
  size_t start = 0;
  while (start <= s.size()) {
    size_t amp = s.find('&', start);
    std::string_view part =
        s.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!part.empty() && part.find(';') == std::string_view::npos) {
      size_t eq = part.find('=');
      std::string k, v, err;
      bool ok = queryUnescape(part.substr(0, eq), &k, &err);
      if (ok && eq != std::string_view::npos) ok = queryUnescape(part.substr(eq + 1), &v, &err);
      if (ok) {
        auto it = std::find_if(acc.begin(), acc.end(), [&](const auto& p) { return p.first == k; });
        if (it == acc.end()) {
          acc.emplace_back(k, std::vector<Value>{strValue(v)});
        } else {
          it->second.push_back(strValue(v));
        }
      }
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::vector<ObjectEntry> es;
  for (auto& [k, vs] : acc)
    es.push_back({strValue(k), Value::array(std::move(vs))});
  return Value::object(std::move(es));
}

Value jsonMarshal(BuiltinContext&, Args a) {
  JsonOptions o;
  o.escape_html = true;
  return strValue(toJson(a[0], o));
}

Value jsonMarshalWithOptions(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 1)) return Value();
  bool pretty = false;
  bool pretty_set = false;
  std::string prefix, indent = "\t";
  bool indent_set = false, prefix_set = false;
  for (const auto& e : a[1].entries()) {
    std::string k = e.key.isString() ? std::string(e.key.asString()) : toRegoString(e.key);
    if (k == "pretty") {
      if (!e.value.isBool()) {
        c.typeError("operand 2 pretty must be a boolean");
        return Value();
      }
      pretty = e.value.asBool();
      pretty_set = true;
    } else if (k == "indent") {
      if (!e.value.isString()) {
        c.typeError("operand 2 indent must be a string");
        return Value();
      }
      indent = std::string(e.value.asString());
      indent_set = true;
    } else if (k == "prefix") {
      if (!e.value.isString()) {
        c.typeError("operand 2 prefix must be a string");
        return Value();
      }
      prefix = std::string(e.value.asString());
      prefix_set = true;
    } else {
      c.typeError("object contained unknown key \"" + k + "\"");
      return Value();
    }
  }
  if (!pretty_set) pretty = indent_set || prefix_set;
  JsonOptions o;
  o.escape_html = true;
  if (!pretty) return strValue(toJson(a[0], o));
  o.indent = indent;
  o.prefix = prefix;
  return strValue(prefix + toJson(a[0], o));
}

Value jsonUnmarshal(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  auto v = parseJson(s);
  if (!v.ok()) {
    c.builtinError(v.error().message);
    return Value();
  }
  return *v;
}

Value jsonIsValid(BuiltinContext& c, Args a) {
  if (!a[0].isString()) return boolValue(false);
  return boolValue(parseJson(a[0].asString()).ok());
}

// YAML output in the style of go-yaml v2 (what sigs.k8s.io/yaml emits).
bool yamlNeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  static const char* kSpecial[] = {"true",  "false", "yes", "no",   "on",    "off",  "y",
                                   "n",     "null",  "~",   "True", "False", "Yes",  "No",
                                   "On",    "Off",   "Y",   "N",    "Null",  "NULL", "TRUE",
                                   "FALSE", "YES",   "NO",  "ON",   "OFF"};
  for (const char* k : kSpecial) {
    if (s == k) return true;
  }
  if (Value::numberFromText(s).isDefined()) return true;
  char f = s[0];
  if (f == ' ' || s.back() == ' ' || f == '-' || f == '?' || f == ':' || f == ',' || f == '[' ||
      f == ']' || f == '{' || f == '}' || f == '#' || f == '&' || f == '*' || f == '!' ||
      f == '|' || f == '>' || f == '\'' || f == '"' || f == '%' || f == '@' || f == '`' || f == '.')
    return true;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) return true;
  for (unsigned char ch : s) {
    if (ch < 0x20 || ch == 0x7F) return true;
  }
  if (s.back() == ':') return true;
  return false;
}

void yamlScalar(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Null:
    case Kind::Undefined:
      out += "null";
      return;
    case Kind::Bool:
      out += v.asBool() ? "true" : "false";
      return;
    case Kind::Number:
      appendNumber(out, v);
      return;
    case Kind::String: {
      std::string_view s = v.asString();
      if (yamlNeedsQuotes(s)) {
        appendJsonString(out, s);
      } else {
        out += s;
      }
      return;
    }
    default:
      return;
  }
}

void yamlEmit(std::string& out, const Value& v, int indent, bool in_seq_item);

void yamlIndent(std::string& out, int n) {
  out.append(static_cast<size_t>(n), ' ');
}

void yamlEmit(std::string& out, const Value& v, int indent, bool inline_first) {
  if (v.isObject()) {
    if (v.entries().empty()) {
      out += "{}\n";
      return;
    }
    bool first = true;
    for (const auto& e : v.entries()) {
      if (!(first && inline_first)) yamlIndent(out, indent);
      first = false;
      std::string key = e.key.isString() ? std::string(e.key.asString()) : toRegoString(e.key);
      yamlScalar(out, Value::string(key));
      out += ":";
      const Value& val = e.value;
      if (val.isObject() && !val.entries().empty()) {
        out += "\n";
        yamlEmit(out, val, indent + 2, false);
      } else if ((val.isArray() || val.isSet()) && !val.items().empty()) {
        out += "\n";
        yamlEmit(out, val, indent, false);
      } else {
        out += " ";
        yamlEmit(out, val, indent + 2, true);
      }
    }
    return;
  }
  if (v.isArray() || v.isSet()) {
    if (v.items().empty()) {
      out += "[]\n";
      return;
    }
    bool first = true;
    for (const auto& item : v.items()) {
      if (!(first && inline_first)) yamlIndent(out, indent);
      first = false;
      out += "- ";
      yamlEmit(out, item, indent + 2, true);
    }
    return;
  }
  yamlScalar(out, v);
  out += "\n";
}

Value yamlMarshal(BuiltinContext&, Args a) {
  std::string out;
  yamlEmit(out, a[0], 0, false);
  return strValue(out);
}

Value yamlUnmarshal(BuiltinContext& c, Args a) {
  std::string_view s;
  if (!argString(c, a, 0, &s)) return Value();
  auto v = parseYaml(s);
  if (!v.ok()) {
    c.builtinError(v.error().message);
    return Value();
  }
  return *v;
}

Value yamlIsValid(BuiltinContext& c, Args a) {
  if (!a[0].isString()) return boolValue(false);
  (void)c;
  return boolValue(parseYaml(a[0].asString()).ok());
}

}  // namespace

void registerEncoding(BuiltinRegistry& r) {
  r.add("base64.encode", 1, b64Encode);
  r.add("base64.decode", 1, b64Decode);
  r.add("base64.is_valid", 1, b64IsValid);
  r.add("base64url.encode", 1, b64UrlEncode);
  r.add("base64url.encode_no_pad", 1, b64UrlEncodeNoPad);
  r.add("base64url.decode", 1, b64UrlDecode);
  r.add("hex.encode", 1, hexEnc);
  r.add("hex.decode", 1, hexDec);
  r.add("urlquery.encode", 1, urlEncode);
  r.add("urlquery.decode", 1, urlDecode);
  r.add("urlquery.encode_object", 1, urlEncodeObject);
  r.add("urlquery.decode_object", 1, urlDecodeObject);
  r.add("json.marshal", 1, jsonMarshal);
  r.add("json.marshal_with_options", 2, jsonMarshalWithOptions);
  r.add("json.unmarshal", 1, jsonUnmarshal);
  r.add("json.is_valid", 1, jsonIsValid);
  r.add("yaml.marshal", 1, yamlMarshal);
  r.add("yaml.unmarshal", 1, yamlUnmarshal);
  r.add("yaml.is_valid", 1, yamlIsValid);
}

}  // namespace meshgate::rego
