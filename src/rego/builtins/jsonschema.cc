// SPDX-License-Identifier: Apache-2.0
// JSON Schema: json.verify_schema and json.match_schema, following OPA's
// gojsonschema (drafts 4, 6 and 7 plus its "hybrid" default, local $ref and
// $id references, its error types, field paths and messages).
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/bigint.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

constexpr int kDraft4 = 4, kDraft6 = 6, kDraft7 = 7, kHybrid = 1 << 30;
constexpr int kMaxDepth = 256;

// ---- numbers ----

// A number as mantissa * 10^exp (exact for every JSON number text).
struct Decimal {
  BigInt mant;
  int64_t exp = 0;
};

bool toDecimal(const Value& n, Decimal* out) {
  std::string s = formatNumber(n);
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  std::string digits;
  int64_t exp = 0;
  bool dot = false;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      dot = true;
    } else if (s[i] >= '0' && s[i] <= '9') {
      digits.push_back(s[i]);
      if (dot) --exp;
    } else {
      return false;
    }
  }
  if (i < s.size()) exp += std::strtoll(s.c_str() + i + 1, nullptr, 10);
  if (digits.empty()) return false;
  auto m = BigInt::parse(digits);
  if (!m) return false;
  out->mant = neg ? m->negated() : *m;
  out->exp = exp;
  return true;
}

BigInt pow10(int64_t n) {
  BigInt r(1), ten(10);
  for (int64_t i = 0; i < n; ++i)
    r = BigInt::mul(r, ten);
  return r;
}

// Whether a / b is an integer (b > 0).
bool isMultipleOf(const Value& a, const Value& b) {
  Decimal da, db;
  if (toDecimal(a, &da) && toDecimal(b, &db) && std::llabs(da.exp - db.exp) < 2000) {
    int64_t e = std::min(da.exp, db.exp);
    BigInt x = BigInt::mul(da.mant, pow10(da.exp - e));
    BigInt y = BigInt::mul(db.mant, pow10(db.exp - e));
    if (y.isZero()) return false;
    BigInt q, r;
    BigInt::divMod(x, y, &q, &r);
    return r.isZero();
  }
  long double q = a.toLongDouble() / b.toLongDouble();
  return std::isfinite(q) && std::floor(q) == q;
}

// big.Float's String(): %.10g.
std::string goBigFloat(const Value& n) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10Lg", n.toLongDouble());
  return buf;
}

// encoding/json's float64 text.
std::string goJsonFloat(double f) {
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  char buf[64];
  double a = std::fabs(f);
  bool exp_form = a < 1e-6 || a >= 1e21;
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
    if (std::strtod(buf, nullptr) == f) break;
  }
  std::string s(buf);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp10 = std::atoi(s.c_str() + e + 1);
  if (exp_form) {
    std::string out = mant + "e" + (exp10 < 0 ? "-" : "+") + std::to_string(std::abs(exp10));
    return out;
  }
  // Fixed notation from the shortest digits.
  std::string digits;
  bool neg = mant[0] == '-';
  for (char c : mant) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp10 < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp10 - 1), '0');
    out += digits;
  } else if (static_cast<size_t>(exp10) + 1 >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(exp10) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exp10) + 1) + "." +
           digits.substr(static_cast<size_t>(exp10) + 1);
  }
  return out;
}

// gojsonschema's marshalWithoutNumber: JSON with float64 numbers and sorted keys.
void canonical(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Number:
      out += goJsonFloat(static_cast<double>(v.toLongDouble()));
      return;
    case Kind::String:
      appendJsonString(out, v.asString(), true);
      return;
    case Kind::Array:
    case Kind::Set: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        canonical(out, item);
      }
      out.push_back(']');
      return;
    }
    case Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& e : v.entries()) {
        if (!first) out.push_back(',');
        first = false;
        if (e.key.isString()) {
          appendJsonString(out, e.key.asString(), true);
        } else {
          appendJsonString(out, toJson(e.key), true);
        }
        out.push_back(':');
        canonical(out, e.value);
      }
      out.push_back('}');
      return;
    }
    default:
      out += toJson(v);
      return;
  }
}

std::string canonical(const Value& v) {
  std::string out;
  canonical(out, v);
  return out;
}

bool isIntegral(const Value& n) {
  return n.isIntegral();
}

// ---- compiled schema ----

struct SubSchema;
using SchemaOrBool = std::variant<std::monostate, bool, SubSchema*>;

struct SubSchema {
  int draft = kHybrid;
  std::optional<bool> pass;
  bool has_ref = false;
  std::string ref;  // the pointer/URI, resolved after parsing
  std::string base;
  SubSchema* ref_schema = nullptr;
  std::vector<std::string> types;
  std::vector<std::pair<std::string, SubSchema*>> properties;
  SchemaOrBool additional_properties;
  std::vector<std::pair<std::shared_ptr<RE2>, SubSchema*>> pattern_properties;
  SubSchema* property_names = nullptr;
  std::map<std::string, std::variant<std::vector<std::string>, SubSchema*>> dependencies;
  std::vector<SubSchema*> items;
  bool items_single = false;
  SchemaOrBool additional_items;
  std::optional<Value> multiple_of, minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::optional<int64_t> min_length, max_length, min_properties, max_properties, min_items,
      max_items;
  std::shared_ptr<RE2> pattern;
  std::string pattern_text;
  std::string format;
  std::vector<std::string> required;
  bool unique_items = false;
  SubSchema* contains = nullptr;
  std::optional<std::string> const_json;
  bool enum_present = false;
  std::vector<std::string> enum_json;
  std::vector<SubSchema*> one_of, any_of, all_of;
  SubSchema* not_ = nullptr;
  SubSchema* if_ = nullptr;
  SubSchema* then_ = nullptr;
  SubSchema* else_ = nullptr;

  std::string typesString() const {
    if (types.empty()) return "undefined";
    if (types.size() == 1) return types[0];
    std::string out = "[";
    for (size_t i = 0; i < types.size(); ++i)
      out += (i ? "," : "") + types[i];
    return out + "]";
  }
  bool hasType(const std::string& t) const {
    return std::find(types.begin(), types.end(), t) != types.end();
  }
};

const char* const kJsonTypes[] = {"array", "boolean", "integer", "number",
                                  "null",  "object",  "string"};

std::string invalidType(const std::string& expected, const std::string& given) {
  return "Invalid type. Expected: " + expected + ", given: " + given;
}

class Compiler {
 public:
  explicit Compiler(std::deque<SubSchema>* pool) : pool_(pool) {}

  std::string err;

  SubSchema* compileRoot(const Value& doc) {
    root_doc_ = doc;
    int draft = kHybrid;
    if (doc.isObject()) {
      if (const Value* s = doc.field("$schema")) {
        if (!s->isString()) {
          err = "$schema must be of type string";
          return nullptr;
        }
        std::string url(s->asString());
        while (!url.empty() && url.back() == '#')
          url.pop_back();
        if (url == "http://json-schema.org/draft-04/schema") draft = kDraft4;
        if (url == "http://json-schema.org/draft-06/schema") draft = kDraft6;
        if (url == "http://json-schema.org/draft-07/schema") draft = kDraft7;
      }
    }
    collectIds(doc, "", 0);
    SubSchema* root = compileAt(doc, "#", draft, "", 0);
    // Resolve references; resolving may compile further documents.
    for (size_t i = 0; err.empty() && i < refs_.size(); ++i)
      resolve(refs_[i]);
    return err.empty() ? root : nullptr;
  }

 private:
  SubSchema* newSchema(int draft) {
    pool_->emplace_back();
    pool_->back().draft = draft;
    return &pool_->back();
  }

  // Records every $id/id in the document (as written) with the node it names.
  void collectIds(const Value& v, const std::string& path, int depth) {
    if (depth > kMaxDepth) return;
    if (v.isObject()) {
      for (const char* key : {"$id", "id"}) {
        if (const Value* id = v.field(key); id && id->isString())
          ids_.emplace(std::string(id->asString()), v);
      }
      for (const auto& e : v.entries()) {
        if (e.key.isString() && e.key.asString() != "enum" && e.key.asString() != "const") {
          collectIds(e.value, path, depth + 1);
        }
      }
    } else if (v.isArray()) {
      for (const auto& item : v.items())
        collectIds(item, path, depth + 1);
    }
  }

  void resolve(SubSchema* s) {
    if (s->ref_schema) return;
    std::string ref = s->ref;
    std::string doc_part = ref, fragment;
    size_t hash = ref.find('#');
    if (hash != std::string::npos) {
      doc_part = ref.substr(0, hash);
      fragment = ref.substr(hash + 1);
    }
    Value target;
    std::string key;
    if (doc_part.empty()) {
      target = root_doc_;
      key = "#";
    } else if (auto it = ids_.find(doc_part); it != ids_.end()) {
      target = it->second;
      key = doc_part + "#";
    } else if (auto it2 = ids_.find(ref); it2 != ids_.end()) {
      target = it2->second;
      key = ref;
      fragment.clear();
    } else {
      err = "Reference " + ref + " cannot be resolved: remote references are not supported";
      return;
    }
    if (!fragment.empty() && fragment[0] == '/') {
      if (!pointer(target, fragment, &target)) {
        err = "Object has no key '" + fragment.substr(fragment.rfind('/') + 1) + "'";
        return;
      }
      key += fragment;
    } else if (!fragment.empty()) {
      auto it = ids_.find("#" + fragment);
      if (it == ids_.end()) {
        err = "Reference " + ref + " cannot be resolved";
        return;
      }
      target = it->second;
      key = "#" + fragment;
    }
    if (!target.isObject() && !target.isBool()) {
      err = "valid schema must be of type object";
      return;
    }
    auto it = compiled_.find(key);
    if (it != compiled_.end()) {
      s->ref_schema = it->second;
      return;
    }
    s->ref_schema = compileAt(target, key, s->draft, "", 0);
  }

  static std::string unescapePointer(const std::string& tok) {
    std::string out;
    for (size_t i = 0; i < tok.size(); ++i) {
      if (tok[i] == '~' && i + 1 < tok.size() && (tok[i + 1] == '0' || tok[i + 1] == '1')) {
        out.push_back(tok[i + 1] == '0' ? '~' : '/');
        ++i;
      } else if (tok[i] == '%' && i + 2 < tok.size() &&
                 std::isxdigit(static_cast<unsigned char>(tok[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(tok[i + 2]))) {
        out.push_back(static_cast<char>(std::stoi(tok.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(tok[i]);
      }
    }
    return out;
  }

  static bool pointer(const Value& doc, const std::string& ptr, Value* out) {
    Value cur = doc;
    size_t pos = 1;
    while (pos <= ptr.size()) {
      size_t next = ptr.find('/', pos);
      std::string tok = unescapePointer(
          ptr.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
      if (cur.isObject()) {
        const Value* v = cur.field(tok);
        if (!v) return false;
        cur = *v;
      } else if (cur.isArray()) {
        char* end = nullptr;
        long idx = std::strtol(tok.c_str(), &end, 10);
        if (tok.empty() || *end != '\0' || idx < 0 || static_cast<size_t>(idx) >= cur.size())
          return false;
        cur = cur.items()[static_cast<size_t>(idx)];
      } else {
        return false;
      }
      if (next == std::string::npos) break;
      pos = next + 1;
    }
    *out = cur;
    return true;
  }

  bool fail(std::string msg) {
    if (err.empty()) err = std::move(msg);
    return false;
  }

  static bool isSchemaNode(const Value& v) { return v.isObject() || v.isBool(); }

  static bool mustBeInteger(const Value& v, int64_t* out) {
    return v.isNumber() && v.isIntegral() && v.toInt64(out);
  }

  // Compiles the schema `doc` found at JSON pointer `path`.
  SubSchema* compileAt(const Value& doc, const std::string& path, int draft,
                       const std::string& base, int depth) {
    SubSchema* s = newSchema(draft);
    if (!path.empty()) compiled_[path] = s;
    if (!err.empty()) return s;
    if (depth > kMaxDepth) {
      fail("schema is nested too deeply");
      return s;
    }
    if (draft >= kDraft6 && doc.isBool()) {
      s->pass = doc.asBool();
      return s;
    }
    if (!doc.isObject()) {
      fail("Expected: valid schema, given: Invalid JSON");
      return s;
    }
    auto child = [&](const Value& v, const std::string& sub) {
      return compileAt(v, path.empty() ? "" : path + "/" + sub, draft, base, depth + 1);
    };
    auto getString = [&](const char* key, std::string* out) -> bool {
      const Value* v = doc.field(key);
      if (!v) return true;
      if (!v->isString()) return fail(invalidType("string", key));
      *out = std::string(v->asString());
      return true;
    };
    std::string ignored;
    const char* id_key = draft == kDraft4 ? "id" : "$id";
    if (draft == kHybrid && doc.field("id")) id_key = "id";
    if (!getString(id_key, &ignored)) return s;
    if (const Value* defs = doc.field("definitions")) {
      if (!defs->isObject()) return fail(invalidType("array of schemas", "definitions")), s;
      for (const auto& e : defs->entries()) {
        if (!isSchemaNode(e.value)) return fail(invalidType("array of schemas", "definitions")), s;
        child(e.value, "definitions/" + std::string(e.key.asString()));
        if (!err.empty()) return s;
      }
    }
    if (!getString("title", &ignored) || !getString("description", &ignored)) return s;
    if (const Value* ref = doc.field("$ref")) {
      if (!ref->isString()) return fail(invalidType("string", "$ref")), s;
      s->has_ref = true;
      s->ref = std::string(ref->asString());
      refs_.push_back(s);
      return s;
    }
    if (const Value* t = doc.field("type")) {
      auto add = [&](std::string_view name) {
        bool known = false;
        for (const char* k : kJsonTypes)
          known = known || name == k;
        if (!known) {
          return fail(
              "has a primitive type that is NOT VALID -- given: /" + std::string(name) +
              "/ Expected valid values are:[array boolean integer number null object string]");
        }
        if (s->hasType(std::string(name))) return fail(std::string(name) + " type is duplicated");
        s->types.emplace_back(name);
        return true;
      };
      if (t->isString()) {
        if (!add(t->asString())) return s;
      } else if (t->isArray()) {
        for (const auto& item : t->items()) {
          if (!item.isString()) return fail(invalidType("type", "string/array of strings")), s;
          if (!add(item.asString())) return s;
        }
      } else {
        return fail(invalidType("type", "string/array of strings")), s;
      }
    }
    if (const Value* props = doc.field("properties")) {
      if (!props->isObject()) return fail("properties must be of type object"), s;
      for (const auto& e : props->entries()) {
        SubSchema* c = child(e.value, "properties/" + std::string(e.key.asString()));
        s->properties.emplace_back(std::string(e.key.asString()), c);
        if (!err.empty()) return s;
      }
    }
    if (const Value* ap = doc.field("additionalProperties")) {
      if (ap->isBool()) {
        s->additional_properties = ap->asBool();
      } else if (ap->isObject()) {
        s->additional_properties = child(*ap, "additionalProperties");
      } else {
        return fail(invalidType("boolean/valid schema", "additionalProperties")), s;
      }
    }
    if (const Value* pp = doc.field("patternProperties")) {
      if (!pp->isObject()) return fail(invalidType("valid schema", "patternProperties")), s;
      for (const auto& e : pp->entries()) {
        std::string k(e.key.asString());
        auto re = std::make_shared<RE2>(k, RE2::Quiet);
        if (!re->ok()) return fail("Invalid regex pattern '" + k + "'"), s;
        SubSchema* c = child(e.value, "patternProperties/" + k);
        s->pattern_properties.emplace_back(re, c);
        if (!err.empty()) return s;
      }
    }
    if (const Value* pn = doc.field("propertyNames"); pn && draft >= kDraft6) {
      if (!isSchemaNode(*pn)) return fail(invalidType("valid schema", "patternProperties")), s;
      s->property_names = child(*pn, "propertyNames");
    }
    if (const Value* deps = doc.field("dependencies")) {
      if (!deps->isObject()) return fail("dependencies must be of type object"), s;
      for (const auto& e : deps->entries()) {
        std::string k(e.key.asString());
        if (e.value.isArray()) {
          std::vector<std::string> names;
          for (const auto& n : e.value.items()) {
            if (!n.isString())
              return fail("dependency must be of type schema or array of strings"), s;
            names.emplace_back(n.asString());
          }
          s->dependencies[k] = names;
        } else if (isSchemaNode(e.value)) {
          s->dependencies[k] = child(e.value, "dependencies/" + k);
        } else {
          return fail("dependency must be of type schema or array of strings"), s;
        }
      }
    }
    if (const Value* items = doc.field("items")) {
      if (items->isArray()) {
        size_t i = 0;
        for (const auto& it : items->items()) {
          if (!isSchemaNode(it))
            return fail(invalidType("valid schema/array of schemas", "items")), s;
          s->items.push_back(child(it, "items/" + std::to_string(i++)));
        }
        s->items_single = false;
      } else if (isSchemaNode(*items)) {
        s->items.push_back(child(*items, "items"));
        s->items_single = true;
      } else {
        return fail(invalidType("valid schema/array of schemas", "items")), s;
      }
    }
    if (const Value* ai = doc.field("additionalItems")) {
      if (ai->isBool()) {
        s->additional_items = ai->asBool();
      } else if (ai->isObject()) {
        s->additional_items = child(*ai, "additionalItems");
      } else {
        return fail(invalidType("boolean/valid schema", "additionalItems")), s;
      }
    }
    if (!err.empty()) return s;
    if (const Value* m = doc.field("multipleOf")) {
      if (!m->isNumber()) return fail(invalidType("number", "multipleOf")), s;
      if (compare(*m, Value::integer(0)) <= 0)
        return fail("multipleOf must be strictly greater than 0"), s;
      s->multiple_of = *m;
    }
    if (const Value* m = doc.field("minimum")) {
      if (!m->isNumber()) return fail("minimum must be of a number"), s;
      s->minimum = *m;
    }
    if (!exclusive(doc, "exclusiveMinimum", "minimum", &s->minimum, &s->exclusive_minimum, draft))
      return s;
    if (const Value* m = doc.field("maximum")) {
      if (!m->isNumber()) return fail("maximum must be of a number"), s;
      s->maximum = *m;
    }
    if (!exclusive(doc, "exclusiveMaximum", "maximum", &s->maximum, &s->exclusive_maximum, draft))
      return s;
    if (!nonNegative(doc, "minLength", &s->min_length) ||
        !nonNegative(doc, "maxLength", &s->max_length))
      return s;
    if (s->min_length && s->max_length && *s->min_length > *s->max_length) {
      return fail("minLength cannot be greater than maxLength"), s;
    }
    if (const Value* p = doc.field("pattern")) {
      if (!p->isString()) return fail(invalidType("string", "pattern")), s;
      s->pattern_text = std::string(p->asString());
      s->pattern = std::make_shared<RE2>(s->pattern_text, RE2::Quiet);
      if (!s->pattern->ok()) return fail("pattern must be a valid regex"), s;
    }
    if (!getString("format", &s->format)) return s;
    if (!nonNegative(doc, "minProperties", &s->min_properties) ||
        !nonNegative(doc, "maxProperties", &s->max_properties)) {
      return s;
    }
    if (s->min_properties && s->max_properties && *s->min_properties > *s->max_properties) {
      return fail("minProperties cannot be greater than maxProperties"), s;
    }
    if (const Value* req = doc.field("required")) {
      if (!req->isArray()) return fail("required must be of an array"), s;
      for (const auto& r : req->items()) {
        if (!r.isString()) return fail(invalidType("string", "required")), s;
        std::string name(r.asString());
        if (std::find(s->required.begin(), s->required.end(), name) != s->required.end()) {
          return fail("required items must be unique"), s;
        }
        s->required.push_back(name);
      }
    }
    if (!nonNegative(doc, "minItems", &s->min_items) ||
        !nonNegative(doc, "maxItems", &s->max_items))
      return s;
    if (const Value* u = doc.field("uniqueItems")) {
      if (!u->isBool()) return fail("uniqueItems must be of a boolean"), s;
      s->unique_items = u->asBool();
    }
    if (const Value* c = doc.field("contains"); c && draft >= kDraft6)
      s->contains = child(*c, "contains");
    if (const Value* c = doc.field("const"); c && draft >= kDraft6) s->const_json = canonical(*c);
    if (const Value* e = doc.field("enum")) {
      if (!e->isArray()) return fail("enum must be of an array"), s;
      s->enum_present = true;
      for (const auto& item : e->items()) {
        std::string c = canonical(item);
        if (std::find(s->enum_json.begin(), s->enum_json.end(), c) != s->enum_json.end()) {
          return fail("enum items must be unique"), s;
        }
        s->enum_json.push_back(c);
      }
    }
    for (auto [key, list] : {std::pair{"oneOf", &s->one_of}, std::pair{"anyOf", &s->any_of},
                             std::pair{"allOf", &s->all_of}}) {
      const Value* arr = doc.field(key);
      if (!arr) continue;
      if (!arr->isArray()) return fail(std::string(key) + " must be of an array"), s;
      size_t i = 0;
      for (const auto& item : arr->items()) {
        list->push_back(child(item, std::string(key) + "/" + std::to_string(i++)));
        if (!err.empty()) return s;
      }
    }
    auto single = [&](const char* key, SubSchema** out) {
      const Value* v = doc.field(key);
      if (!v) return true;
      if (!isSchemaNode(*v)) return fail(std::string(key) + " must be of an object");
      *out = child(*v, key);
      return err.empty();
    };
    if (!single("not", &s->not_)) return s;
    if (draft >= kDraft7) {
      if (!single("if", &s->if_) || !single("then", &s->then_) || !single("else", &s->else_))
        return s;
    }
    return s;
  }

  bool nonNegative(const Value& doc, const char* key, std::optional<int64_t>* out) {
    const Value* v = doc.field(key);
    if (!v) return true;
    int64_t n;
    if (!mustBeInteger(*v, &n)) return fail(std::string(key) + " must be of an integer");
    if (n < 0) return fail(std::string(key) + " must be greater than or equal to 0");
    *out = n;
    return true;
  }

  bool exclusive(const Value& doc, const char* key, const char* base_key,
                 std::optional<Value>* base, std::optional<Value>* out, int draft) {
    const Value* v = doc.field(key);
    if (!v) return true;
    bool allow_bool = draft == kDraft4 || draft == kHybrid;
    bool allow_num = draft != kDraft4;
    if (v->isBool() && allow_bool) {
      if (!*base) return fail(std::string(key) + " cannot be used without " + base_key);
      if (v->asBool()) {
        *out = **base;
        base->reset();
      }
      return true;
    }
    if (v->isNumber() && allow_num) {
      *out = *v;
      return true;
    }
    if (draft == kDraft4) return fail(invalidType("boolean", key));
    if (draft == kHybrid) return fail(invalidType("boolean/number", key));
    return fail(invalidType("number", key));
  }

  std::deque<SubSchema>* pool_;
  Value root_doc_;
  std::map<std::string, Value> ids_;
  std::map<std::string, SubSchema*> compiled_;
  std::vector<SubSchema*> refs_;
};

// ---- validation ----

struct ResultError {
  std::string type;
  std::string field;
  std::string description;
};

struct Result {
  std::vector<ResultError> errors;
  int score = 0;
  bool valid() const { return errors.empty(); }
  void merge(const Result& o) {
    errors.insert(errors.end(), o.errors.begin(), o.errors.end());
    score += o.score;
  }
};

class Validator {
 public:
  bool too_deep = false;

  void validate(const SubSchema* s, const Value& node, Result& r, const std::string& ctx,
                int depth) {
    if (depth > kMaxDepth) {
      too_deep = true;
      return;
    }
    if (s->pass) {
      if (!*s->pass) add(r, "false", ctx, "False always fails validation");
      return;
    }
    if (s->has_ref) {
      if (s->ref_schema) validate(s->ref_schema, node, r, ctx, depth + 1);
      return;
    }
    auto typeError = [&](const char* given) {
      add(r, "invalid_type", ctx, invalidType(s->typesString(), given));
    };
    switch (node.kind()) {
      case Kind::Null:
        if (!s->types.empty() && !s->hasType("null")) return typeError("null");
        validateSchema(s, node, r, ctx, depth);
        validateCommon(s, node, r, ctx);
        break;
      case Kind::Number: {
        bool is_int = isIntegral(node);
        bool ok = s->hasType("number") || (is_int && s->hasType("integer"));
        if (!s->types.empty() && !ok) return typeError(is_int ? "integer" : "number");
        validateSchema(s, node, r, ctx, depth);
        validateNumber(s, node, r, ctx);
        validateCommon(s, node, r, ctx);
        break;
      }
      case Kind::Array:
      case Kind::Set:
        if (!s->types.empty() && !s->hasType("array")) return typeError("array");
        validateSchema(s, node, r, ctx, depth);
        validateArray(s, node, r, ctx, depth);
        validateCommon(s, node, r, ctx);
        break;
      case Kind::Object:
        if (!s->types.empty() && !s->hasType("object")) return typeError("object");
        validateSchema(s, node, r, ctx, depth);
        validateObject(s, node, r, ctx, depth);
        validateCommon(s, node, r, ctx);
        for (const auto& [name, child] : s->properties) {
          if (const Value* v = node.field(name)) validate(child, *v, r, sub(ctx, name), depth + 1);
        }
        break;
      case Kind::Bool:
        if (!s->types.empty() && !s->hasType("boolean")) return typeError("boolean");
        validateSchema(s, node, r, ctx, depth);
        validateCommon(s, node, r, ctx);
        break;
      case Kind::String:
        if (!s->types.empty() && !s->hasType("string")) return typeError("string");
        validateSchema(s, node, r, ctx, depth);
        validateCommon(s, node, r, ctx);
        validateString(s, node, r, ctx);
        break;
      default:
        break;
    }
    ++r.score;
  }

 private:
  static std::string sub(const std::string& ctx, const std::string& name) {
    return ctx + "." + name;
  }

  static void add(Result& r, const char* type, const std::string& ctx, std::string desc) {
    std::string field = ctx.rfind("(root).", 0) == 0 ? ctx.substr(7) : ctx;
    r.errors.push_back(ResultError{type, field, std::move(desc)});
    r.score -= 2;
  }

  Result subValidate(const SubSchema* s, const Value& node, const std::string& ctx, int depth) {
    Result r;
    validate(s, node, r, ctx, depth + 1);
    return r;
  }

  void validateSchema(const SubSchema* s, const Value& node, Result& r, const std::string& ctx,
                      int depth) {
    if (!s->any_of.empty()) {
      bool ok = false;
      std::optional<Result> best;
      for (const SubSchema* a : s->any_of) {
        if (ok) break;
        Result res = subValidate(a, node, ctx, depth);
        ok = res.valid();
        if (!ok && (!best || res.score > best->score)) best = std::move(res);
      }
      if (!ok) {
        add(r, "number_any_of", ctx, "Must validate at least one schema (anyOf)");
        if (best) r.merge(*best);
      }
    }
    if (!s->one_of.empty()) {
      int n = 0;
      std::optional<Result> best;
      for (const SubSchema* o : s->one_of) {
        Result res = subValidate(o, node, ctx, depth);
        if (res.valid()) {
          ++n;
        } else if (n == 0 && (!best || res.score > best->score)) {
          best = std::move(res);
        }
      }
      if (n != 1) {
        add(r, "number_one_of", ctx, "Must validate one and only one schema (oneOf)");
        if (n == 0 && best) r.merge(*best);
      }
    }
    if (!s->all_of.empty()) {
      size_t n = 0;
      for (const SubSchema* a : s->all_of) {
        Result res = subValidate(a, node, ctx, depth);
        if (res.valid()) ++n;
        r.merge(res);
      }
      if (n != s->all_of.size())
        add(r, "number_all_of", ctx, "Must validate all the schemas (allOf)");
    }
    if (s->not_ && subValidate(s->not_, node, ctx, depth).valid()) {
      add(r, "number_not", ctx, "Must not validate the schema (not)");
    }
    if (!s->dependencies.empty() && node.isObject()) {
      for (const auto& e : node.entries()) {
        if (!e.key.isString()) continue;
        auto it = s->dependencies.find(std::string(e.key.asString()));
        if (it == s->dependencies.end()) continue;
        if (const auto* names = std::get_if<std::vector<std::string>>(&it->second)) {
          for (const auto& n : *names) {
            if (!node.field(n)) add(r, "missing_dependency", ctx, "Has a dependency on " + n);
          }
        } else {
          validate(std::get<SubSchema*>(it->second), node, r, ctx, depth + 1);
        }
      }
    }
    if (s->if_) {
      bool if_ok = subValidate(s->if_, node, ctx, depth).valid();
      if (s->then_ && if_ok) {
        Result res = subValidate(s->then_, node, ctx, depth);
        if (!res.valid()) {
          add(r, "condition_then", ctx, "Must validate \"then\" as \"if\" was valid");
          r.merge(res);
        }
      }
      if (s->else_ && !if_ok) {
        Result res = subValidate(s->else_, node, ctx, depth);
        if (!res.valid()) {
          add(r, "condition_else", ctx, "Must validate \"else\" as \"if\" was not valid");
          r.merge(res);
        }
      }
    }
    ++r.score;
  }

  static std::string fieldOf(const std::string& ctx) {
    return ctx.rfind("(root).", 0) == 0 ? ctx.substr(7) : ctx;
  }

  void validateCommon(const SubSchema* s, const Value& v, Result& r, const std::string& ctx) {
    if (s->const_json && canonical(v) != *s->const_json) {
      add(r, "const", ctx, fieldOf(ctx) + " does not match: " + *s->const_json);
    }
    if (s->enum_present) {
      std::string c = canonical(v);
      if (std::find(s->enum_json.begin(), s->enum_json.end(), c) == s->enum_json.end()) {
        std::string allowed;
        for (size_t i = 0; i < s->enum_json.size(); ++i)
          allowed += (i ? ", " : "") + s->enum_json[i];
        if (s->enum_json.empty()) allowed = "(none)";
        add(r, "enum", ctx, fieldOf(ctx) + " must be one of the following: " + allowed);
      }
    }
    if (!s->format.empty() && !isFormat(s->format, v)) {
      add(r, "format", ctx, "Does not match format '" + s->format + "'");
    }
    ++r.score;
  }

  void validateArray(const SubSchema* s, const Value& v, Result& r, const std::string& ctx,
                     int depth) {
    const auto& items = v.items();
    size_t n = items.size();
    if (s->items_single) {
      for (size_t i = 0; i < n; ++i)
        r.merge(subValidate(s->items[0], items[i], sub(ctx, std::to_string(i)), depth));
    } else if (!s->items.empty()) {
      size_t k = s->items.size();
      for (size_t i = 0; i < k && i < n; ++i) {
        r.merge(subValidate(s->items[i], items[i], sub(ctx, std::to_string(i)), depth));
      }
      if (k < n) {
        if (const bool* b = std::get_if<bool>(&s->additional_items)) {
          if (!*b) add(r, "array_no_additional_items", ctx, "No additional items allowed on array");
        } else if (SubSchema* const* a = std::get_if<SubSchema*>(&s->additional_items)) {
          for (size_t i = k; i < n; ++i)
            r.merge(subValidate(*a, items[i], sub(ctx, std::to_string(i)), depth));
        }
      }
    }
    if (s->min_items && static_cast<int64_t>(n) < *s->min_items) {
      add(r, "array_min_items", ctx,
          "Array must have at least " + std::to_string(*s->min_items) + " items");
    }
    if (s->max_items && static_cast<int64_t>(n) > *s->max_items) {
      add(r, "array_max_items", ctx,
          "Array must have at most " + std::to_string(*s->max_items) + " items");
    }
    if (s->unique_items) {
      std::map<std::string, size_t> seen;
      for (size_t j = 0; j < n; ++j) {
        std::string c = canonical(items[j]);
        auto it = seen.find(c);
        if (it != seen.end()) {
          add(r, "unique", ctx,
              "array items[" + std::to_string(it->second) + "," + std::to_string(j) +
                  "] must be unique");
        }
        seen[c] = j;
      }
    }
    if (s->contains) {
      bool one = false;
      std::optional<Result> best;
      for (size_t i = 0; i < n; ++i) {
        Result res = subValidate(s->contains, items[i], sub(ctx, std::to_string(i)), depth);
        if (res.valid()) {
          one = true;
          break;
        }
        if (!best || res.score > best->score) best = std::move(res);
      }
      if (!one) {
        add(r, "contains", ctx, "At least one of the items must match");
        if (best) r.merge(*best);
      }
    }
    ++r.score;
  }

  void validateObject(const SubSchema* s, const Value& v, Result& r, const std::string& ctx,
                      int depth) {
    int64_t n = static_cast<int64_t>(v.size());
    if (s->min_properties && n < *s->min_properties) {
      add(r, "array_min_properties", ctx,
          "Must have at least " + std::to_string(*s->min_properties) + " properties");
    }
    if (s->max_properties && n > *s->max_properties) {
      add(r, "array_max_properties", ctx,
          "Must have at most " + std::to_string(*s->max_properties) + " properties");
    }
    for (const auto& req : s->required) {
      if (v.field(req)) {
        ++r.score;
      } else {
        add(r, "required", ctx, req + " is required");
      }
    }
    for (const auto& e : v.entries()) {
      std::string key = e.key.isString() ? std::string(e.key.asString()) : toJson(e.key);
      bool found = false;
      for (const auto& p : s->properties)
        found = found || p.first == key;
      bool pp_match = false;
      for (const auto& [re, child] : s->pattern_properties) {
        if (RE2::PartialMatch(key, *re)) {
          pp_match = true;
          r.merge(subValidate(child, e.value, sub(ctx, key), depth));
        }
      }
      if (pp_match) ++r.score;
      if (!found && !pp_match) {
        if (const bool* b = std::get_if<bool>(&s->additional_properties)) {
          if (!*b)
            add(r, "additional_property_not_allowed", ctx,
                "Additional property " + key + " is not allowed");
        } else if (SubSchema* const* a = std::get_if<SubSchema*>(&s->additional_properties)) {
          r.merge(subValidate(*a, e.value, sub(ctx, key), depth));
        }
      }
    }
    if (s->property_names) {
      for (const auto& e : v.entries()) {
        std::string key = e.key.isString() ? std::string(e.key.asString()) : toJson(e.key);
        Result res = subValidate(s->property_names, Value::string(key), ctx, depth);
        if (!res.valid()) {
          add(r, "invalid_property_name", ctx, "Property name of \"" + key + "\" does not match");
          r.merge(res);
        }
      }
    }
    ++r.score;
  }

  void validateString(const SubSchema* s, const Value& v, Result& r, const std::string& ctx) {
    size_t len = utf8Length(v.asString());
    if (s->min_length && static_cast<int64_t>(len) < *s->min_length) {
      add(r, "string_gte", ctx,
          "String length must be greater than or equal to " + std::to_string(*s->min_length));
    }
    if (s->max_length && static_cast<int64_t>(len) > *s->max_length) {
      add(r, "string_lte", ctx,
          "String length must be less than or equal to " + std::to_string(*s->max_length));
    }
    if (s->pattern && !RE2::PartialMatch(v.asString(), *s->pattern)) {
      add(r, "pattern", ctx, "Does not match pattern '" + s->pattern_text + "'");
    }
    ++r.score;
  }

  void validateNumber(const SubSchema* s, const Value& v, Result& r, const std::string& ctx) {
    if (s->multiple_of && !isMultipleOf(v, *s->multiple_of)) {
      add(r, "multiple_of", ctx, "Must be a multiple of " + goBigFloat(*s->multiple_of));
    }
    if (s->maximum && compare(v, *s->maximum) > 0) {
      add(r, "number_lte", ctx, "Must be less than or equal to " + goBigFloat(*s->maximum));
    }
    if (s->exclusive_maximum && compare(v, *s->exclusive_maximum) >= 0) {
      add(r, "number_lt", ctx, "Must be less than " + goBigFloat(*s->exclusive_maximum));
    }
    if (s->minimum && compare(v, *s->minimum) < 0) {
      add(r, "number_gte", ctx, "Must be greater than or equal to " + goBigFloat(*s->minimum));
    }
    if (s->exclusive_minimum && compare(v, *s->exclusive_minimum) <= 0) {
      add(r, "number_gt", ctx, "Must be greater than " + goBigFloat(*s->exclusive_minimum));
    }
    ++r.score;
  }

  static bool isFormat(const std::string& format, const Value& v) {
    if (!v.isString()) return true;
    std::string s(v.asString());
    static const RE2 hostname(
        R"(^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9]))*$)");
    static const RE2 uuid("^(?i)[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$");
    static const RE2 json_pointer("^(?:/(?:[^~/]|~0|~1)*)*$");
    static const RE2 rel_json_pointer("^(?:0|[1-9][0-9]*)(?:#|(?:/(?:[^~/]|~0|~1)*)*)$");
    static const RE2 date(R"(^\d{4}-\d{2}-\d{2}$)");
    static const RE2 time(R"(^\d{2}:\d{2}:\d{2}(\.\d+)?([zZ]|[+-]\d{2}:\d{2})?$)");
    static const RE2 date_time(
        R"(^\d{4}-\d{2}-\d{2}[tT]\d{2}:\d{2}:\d{2}(\.\d+)?([zZ]|[+-]\d{2}:\d{2})$)");
    static const RE2 email(R"(^[^@\s<>()\[\],;:"]+@[^@\s<>()\[\],;:"]+$)");
    static const RE2 scheme(R"(^[a-zA-Z][a-zA-Z0-9+.\-]*:)");
    static const RE2 ipv4(R"(^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$)");
    if (format == "date") return RE2::FullMatch(s, date) && validDate(s.substr(0, 10));
    if (format == "time") return RE2::FullMatch(s, time) && validTime(s.substr(0, 8));
    if (format == "date-time") {
      if (RE2::FullMatch(s, date_time))
        return validDate(s.substr(0, 10)) && validTime(s.substr(11, 8));
      if (RE2::FullMatch(s, date)) return validDate(s);
      return RE2::FullMatch(s, time) && validTime(s.substr(0, 8));
    }
    if (format == "hostname") return RE2::FullMatch(s, hostname) && s.size() < 256;
    if (format == "email" || format == "idn-email") return RE2::FullMatch(s, email);
    if (format == "ipv4") {
      int a[4];
      if (!RE2::FullMatch(s, ipv4, &a[0], &a[1], &a[2], &a[3])) return false;
      for (int x : a) {
        if (x > 255) return false;
      }
      return true;
    }
    if (format == "ipv6") return s.find(':') != std::string::npos && validIpv6(s);
    if (format == "uri" || format == "iri")
      return RE2::PartialMatch(s, scheme) && s.find('\\') == std::string::npos;
    if (format == "uri-reference" || format == "iri-reference" || format == "uri-template") {
      return s.find('\\') == std::string::npos;
    }
    if (format == "uuid") return RE2::FullMatch(s, uuid);
    if (format == "regex") return s.empty() || RE2(s, RE2::Quiet).ok();
    if (format == "json-pointer") return RE2::FullMatch(s, json_pointer);
    if (format == "relative-json-pointer") return RE2::FullMatch(s, rel_json_pointer);
    return true;
  }

  static bool validDate(const std::string& s) {
    int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
  }
  static bool validTime(const std::string& s) {
    int h = std::stoi(s.substr(0, 2)), m = std::stoi(s.substr(3, 2)),
        sec = std::stoi(s.substr(6, 2));
    return h < 24 && m < 60 && sec < 60;
  }
  static bool validIpv6(const std::string& s) {
    int groups = 0;
    bool double_colon = false;
    size_t i = 0;
    if (s.rfind("::", 0) == 0) {
      double_colon = true;
      i = 2;
    }
    while (i < s.size()) {
      size_t j = i;
      while (j < s.size() && std::isxdigit(static_cast<unsigned char>(s[j])))
        ++j;
      if (j < s.size() && s[j] == '.') {
        // Embedded IPv4 tail.
        int a[4];
        static const RE2 v4(R"((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))");
        if (!RE2::FullMatch(s.substr(i), v4, &a[0], &a[1], &a[2], &a[3])) return false;
        for (int x : a) {
          if (x > 255) return false;
        }
        groups += 2;
        i = s.size();
        break;
      }
      if (j == i || j - i > 4) return false;
      ++groups;
      if (j == s.size()) {
        i = j;
        break;
      }
      if (s[j] != ':') return false;
      if (j + 1 < s.size() && s[j + 1] == ':') {
        if (double_colon) return false;
        double_colon = true;
        i = j + 2;
      } else {
        i = j + 1;
        if (i == s.size()) return false;
      }
    }
    return double_colon ? groups < 8 : groups == 8;
  }
};

// ---- builtins ----

// OPA's astValueToJSONSchemaLoader: a JSON string or an object/array value.
bool loadDocument(const Value& v, Value* out, std::string* err) {
  if (v.isString()) {
    auto parsed = parseJson(v.asString());
    if (!parsed.ok()) {
      *err = "invalid JSON string";
      return false;
    }
    *out = *parsed;
    return true;
  }
  if (v.isObject() || v.isArray()) {
    *out = v;
    return true;
  }
  *err = "wrong type, expected string or object";
  return false;
}

struct CompiledSchema {
  std::deque<SubSchema> pool;
  SubSchema* root = nullptr;
};

bool compileSchema(const Value& v, CompiledSchema* out, std::string* err) {
  Value doc;
  if (!loadDocument(v, &doc, err)) return false;
  Compiler c(&out->pool);
  out->root = c.compileRoot(doc);
  if (!out->root) {
    *err = c.err;
    return false;
  }
  return true;
}

Value jsonVerifySchema(BuiltinContext&, Args a) {
  CompiledSchema schema;
  std::string err;
  if (!compileSchema(a[0], &schema, &err)) {
    return Value::array({Value::boolean(false), Value::string("jsonschema: " + err)});
  }
  return Value::array({Value::boolean(true), Value::null()});
}

Value jsonMatchSchema(BuiltinContext& c, Args a) {
  Value doc;
  std::string err;
  if (!loadDocument(a[0], &doc, &err)) {
    c.builtinError(err);
    return Value::undefined();
  }
  CompiledSchema schema;
  if (!compileSchema(a[1], &schema, &err)) {
    c.builtinError(err);
    return Value::undefined();
  }
  Validator v;
  Result r;
  v.validate(schema.root, doc, r, "(root)", 0);
  if (v.too_deep) {
    c.builtinError("schema recursion too deep");
    return Value::undefined();
  }
  std::vector<Value> errors;
  errors.reserve(r.errors.size());
  for (const auto& e : r.errors) {
    errors.push_back(
        Value::object({{Value::string("error"), Value::string(e.field + ": " + e.description)},
                       {Value::string("type"), Value::string(e.type)},
                       {Value::string("field"), Value::string(e.field)},
                       {Value::string("desc"), Value::string(e.description)}}));
  }
  return Value::array({Value::boolean(r.valid()), Value::array(std::move(errors))});
}

}  // namespace

void registerJsonSchema(BuiltinRegistry& r) {
  r.add("json.verify_schema", 1, jsonVerifySchema);
  r.add("json.match_schema", 2, jsonMatchSchema);
}

}  // namespace meshgate::rego
