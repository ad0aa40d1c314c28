// SPDX-License-Identifier: Apache-2.0
// JSON documents: json.filter, json.remove, json.patch.
#include <algorithm>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/json.h"

namespace meshgate::rego {
namespace {

bool parsePath(BuiltinContext& c, const Value& p, std::vector<Value>* out) {
  out->clear();
  if (p.isString()) {
    std::string_view s = p.asString();
    if (s.empty()) return true;
    while (!s.empty() && s.front() == '/')
      s.remove_prefix(1);
    size_t start = 0;
    while (true) {
      size_t slash = s.find('/', start);
      std::string part(s.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      std::string r;
      for (size_t i = 0; i < part.size(); ++i) {
        if (part[i] == '~' && i + 1 < part.size() && part[i + 1] == '1') {
          r.push_back('/');
          ++i;
        } else {
          r.push_back(part[i]);
        }
      }
      std::string r2;
      for (size_t i = 0; i < r.size(); ++i) {
        if (r[i] == '~' && i + 1 < r.size() && r[i + 1] == '0') {
          r2.push_back('~');
          ++i;
        } else {
          r2.push_back(r[i]);
        }
      }
      out->push_back(strValue(r2));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return true;
  }
  if (p.isArray()) {
    *out = p.items();
    return true;
  }
  c.typeError(
      "operand 2 must be one of {set, array} containing string paths or array of path segments but "
      "got " +
      std::string(typeName(p)));
  return false;
}

bool jsonPaths(BuiltinContext& c, const Value& v, std::vector<std::vector<Value>>* out) {
  if (!v.isArray() && !v.isSet()) {
    typeErr(c, 1, v, {"set", "array"});
    return false;
  }
  for (const auto& p : v.items()) {
    std::vector<Value> path;
    if (!parsePath(c, p, &path)) return false;
    out->push_back(std::move(path));
  }
  return true;
}

// A nested object whose leaves are null (OPA's pathsToObject).
struct PathTree {
  bool leaf = false;
  std::vector<Value> keys;
  std::vector<PathTree> subs;
  PathTree* kid(const Value& k) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == k) return &subs[i];
    }
    return nullptr;
  }
  PathTree* add(const Value& k) {
    keys.push_back(k);
    subs.emplace_back();
    return &subs.back();
  }
};

PathTree pathsToTree(const std::vector<std::vector<Value>>& paths) {
  PathTree root;
  for (const auto& path : paths) {
    if (path.empty()) continue;
    PathTree* node = &root;
    bool done = false;
    for (size_t i = 0; i + 1 < path.size() && !done; ++i) {
      PathTree* child = node->kid(path[i]);
      if (child == nullptr) {
        node = node->add(path[i]);
        continue;
      }
      if (child->leaf) {
        done = true;
      } else {
        node = child;
      }
    }
    if (!done) {
      PathTree* last = node->kid(path.back());
      if (last == nullptr) last = node->add(path.back());
      last->leaf = true;
      last->keys.clear();
      last->subs.clear();
    }
  }
  return root;
}

// Returns false to omit the value.
bool removeTree(const Value& a, const PathTree* b, Value* out) {
  if (b == nullptr) {
    *out = a;
    return true;
  }
  if (b->leaf) return false;
  switch (a.kind()) {
    case Kind::Object: {
      std::vector<ObjectEntry> es;
      for (const auto& e : a.entries()) {
        Value v;
        if (removeTree(e.value, const_cast<PathTree*>(b)->kid(e.key), &v)) es.push_back({e.key, v});
      }
      *out = Value::objectSorted(std::move(es));
      return true;
    }
    case Kind::Set: {
      std::vector<Value> items;
      for (const auto& e : a.items()) {
        Value v;
        if (removeTree(e, const_cast<PathTree*>(b)->kid(e), &v)) items.push_back(v);
      }
      *out = Value::set(std::move(items));
      return true;
    }
    case Kind::Array: {
      std::vector<Value> items;
      for (size_t i = 0; i < a.items().size(); ++i) {
        Value v;
        if (removeTree(a.items()[i], const_cast<PathTree*>(b)->kid(strValue(std::to_string(i))),
                       &v))
          items.push_back(v);
      }
      *out = Value::array(std::move(items));
      return true;
    }
    default:
      *out = a;
      return true;
  }
}

Value filterTree(const Value& o, const PathTree& f) {
  if (f.leaf) return o;
  switch (o.kind()) {
    case Kind::Array: {
      std::vector<Value> items;
      for (size_t i = 0; i < o.items().size(); ++i) {
        PathTree* sub = const_cast<PathTree&>(f).kid(strValue(std::to_string(i)));
        if (sub != nullptr) items.push_back(filterTree(o.items()[i], *sub));
      }
      return Value::array(std::move(items));
    }
    case Kind::Set: {
      std::vector<Value> items;
      for (const auto& e : o.items()) {
        PathTree* sub = const_cast<PathTree&>(f).kid(e);
        if (sub != nullptr) items.push_back(filterTree(e, *sub));
      }
      return Value::set(std::move(items));
    }
    case Kind::Object: {
      std::vector<ObjectEntry> es;
      for (const auto& e : o.entries()) {
        PathTree* sub = const_cast<PathTree&>(f).kid(e.key);
        if (sub != nullptr) es.push_back({e.key, filterTree(e.value, *sub)});
      }
      return Value::objectSorted(std::move(es));
    }
    default:
      return o;
  }
}

Value jsonRemove(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  std::vector<std::vector<Value>> paths;
  if (!jsonPaths(c, a[1], &paths)) return Value();
  PathTree t = pathsToTree(paths);
  Value out;
  if (!removeTree(a[0], &t, &out)) return Value();
  return out;
}

Value jsonFilter(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  std::vector<std::vector<Value>> paths;
  if (!jsonPaths(c, a[1], &paths)) return Value();
  PathTree t = pathsToTree(paths);
  return filterTree(a[0], t);
}

// ---- JSON patch ----

bool arrayIndex(const Value& key, size_t size, bool allow_end, size_t* out) {
  std::string_view s;
  std::string tmp;
  if (key.isString()) {
    s = key.asString();
  } else if (key.isNumber()) {
    int64_t i;
    if (!key.toInt64(&i) || i < 0) return false;
    *out = static_cast<size_t>(i);
    return *out < size || (allow_end && *out == size);
  } else {
    return false;
  }
  if (allow_end && s == "-") {
    *out = size;
    return true;
  }
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  size_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<size_t>(ch - '0');
    if (v > (1u << 30)) return false;
  }
  *out = v;
  return v < size || (allow_end && v == size);
}

bool getAt(const Value& doc, const std::vector<Value>& path, size_t i, Value* out) {
  if (i == path.size()) {
    *out = doc;
    return true;
  }
  const Value& k = path[i];
  if (doc.isObject()) {
    const Value* v = doc.get(k);
    return v != nullptr && getAt(*v, path, i + 1, out);
  }
  if (doc.isArray()) {
    size_t idx;
    if (!arrayIndex(k, doc.items().size(), false, &idx)) return false;
    return getAt(doc.items()[idx], path, i + 1, out);
  }
  if (doc.isSet()) {
    const Value* v = doc.get(k);
    return v != nullptr && getAt(*v, path, i + 1, out);
  }
  return false;
}

// Inserts (add semantics) or deletes at path; returns false if the path is invalid.
bool editAt(const Value& doc, const std::vector<Value>& path, size_t i, const Value* insert,
            Value* out) {
  const Value& k = path[i];
  bool last = i + 1 == path.size();
  if (doc.isObject()) {
    ObjectBuilder b;
    for (const auto& e : doc.entries())
      b.put(e.key, e.value);
    if (last) {
      if (insert != nullptr) {
        b.put(k, *insert);
      } else {
        if (doc.get(k) == nullptr) return false;
        std::vector<ObjectEntry> es;
        for (const auto& e : doc.entries()) {
          if (e.key != k) es.push_back(e);
        }
        *out = Value::objectSorted(std::move(es));
        return true;
      }
      *out = b.build();
      return true;
    }
    const Value* child = doc.get(k);
    if (child == nullptr) return false;
    Value nc;
    if (!editAt(*child, path, i + 1, insert, &nc)) return false;
    b.put(k, nc);
    *out = b.build();
    return true;
  }
  if (doc.isArray()) {
    std::vector<Value> items = doc.items();
    size_t idx;
    if (last) {
      if (insert != nullptr) {
        if (!arrayIndex(k, items.size(), true, &idx)) return false;
        items.insert(items.begin() + static_cast<long>(idx), *insert);
      } else {
        if (!arrayIndex(k, items.size(), false, &idx)) return false;
        items.erase(items.begin() + static_cast<long>(idx));
      }
      *out = Value::array(std::move(items));
      return true;
    }
    if (!arrayIndex(k, items.size(), false, &idx)) return false;
    Value nc;
    if (!editAt(items[idx], path, i + 1, insert, &nc)) return false;
    items[idx] = nc;
    *out = Value::array(std::move(items));
    return true;
  }
  if (doc.isSet()) {
    std::vector<Value> items = doc.items();
    if (last) {
      if (insert != nullptr) {
        // A set member is addressed by itself: the path key must be the value.
        if (k != *insert) return false;
        items.push_back(*insert);
      } else {
        auto it = std::find(items.begin(), items.end(), k);
        if (it == items.end()) return false;
        items.erase(it);
      }
      *out = Value::set(std::move(items));
      return true;
    }
    auto it = std::find(items.begin(), items.end(), k);
    if (it == items.end()) return false;
    Value nc;
    if (!editAt(*it, path, i + 1, insert, &nc)) return false;
    items.erase(it);
    items.push_back(nc);
    *out = Value::set(std::move(items));
    return true;
  }
  return false;
}

bool applyPatch(const Value& doc, const Value& op, Value* out) {
  if (!op.isObject()) return false;
  const Value* opname = op.field("op");
  const Value* path_v = op.field("path");
  if (opname == nullptr || !opname->isString() || path_v == nullptr) return false;
  std::string_view name = opname->asString();
  std::vector<Value> path;
  BuiltinContext* none = nullptr;
  (void)none;
  auto parse = [](const Value& p, std::vector<Value>* o) {
    o->clear();
    if (p.isArray()) {
      *o = p.items();
      return true;
    }
    if (!p.isString()) return false;
    std::string_view s = p.asString();
    if (s.empty()) return true;
    while (!s.empty() && s.front() == '/')
      s.remove_prefix(1);
    size_t start = 0;
    while (true) {
      size_t slash = s.find('/', start);
      std::string part(s.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      std::string r;
      for (size_t i = 0; i < part.size(); ++i) {
        if (part[i] == '~' && i + 1 < part.size() && (part[i + 1] == '0' || part[i + 1] == '1')) {
          r.push_back(part[i + 1] == '1' ? '/' : '~');
          ++i;
        } else {
          r.push_back(part[i]);
        }
      }
      o->push_back(Value::string(r));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return true;
  };
  if (!parse(*path_v, &path)) return false;
  auto insert = [&](const Value& d, const std::vector<Value>& p, const Value& v, Value* o) {
    if (p.empty()) {
      *o = v;
      return true;
    }
    return editAt(d, p, 0, &v, o);
  };
  auto remove = [&](const Value& d, const std::vector<Value>& p, Value* o) {
    if (p.empty()) return false;
    return editAt(d, p, 0, nullptr, o);
  };
  if (name == "add") {
    const Value* v = op.field("value");
    return v != nullptr && insert(doc, path, *v, out);
  }
  if (name == "remove") return remove(doc, path, out);
  if (name == "replace") {
    const Value* v = op.field("value");
    if (v == nullptr) return false;
    Value tmp;
    if (path.empty()) {
      *out = *v;
      return true;
    }
    return remove(doc, path, &tmp) && insert(tmp, path, *v, out);
  }
  if (name == "move" || name == "copy") {
    const Value* from_v = op.field("from");
    std::vector<Value> from;
    if (from_v == nullptr || !parse(*from_v, &from)) return false;
    Value chunk;
    if (!getAt(doc, from, 0, &chunk)) return false;
    Value tmp = doc;
    if (name == "move" && !remove(doc, from, &tmp)) return false;
    return insert(tmp, path, chunk, out);
  }
  if (name == "test") {
    const Value* v = op.field("value");
    Value chunk;
    if (v == nullptr || !getAt(doc, path, 0, &chunk) || chunk != *v) return false;
    *out = doc;
    return true;
  }
  return false;
}

Value jsonPatch(BuiltinContext& c, Args a) {
  if (!argArray(c, a, 1)) return Value();
  Value doc = a[0];
  for (const auto& op : a[1].items()) {
    Value next;
    if (!applyPatch(doc, op, &next)) return Value();
    doc = next;
  }
  return doc;
}

}  // namespace

void registerJson(BuiltinRegistry& r) {
  r.add("json.filter", 2, jsonFilter);
  r.add("json.remove", 2, jsonRemove);
  r.add("json.patch", 2, jsonPatch);
}

}  // namespace meshgate::rego
