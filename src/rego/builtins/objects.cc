// SPDX-License-Identifier: Apache-2.0
// Objects: object.get/keys/remove/filter/union/union_n/subset.
#include <map>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

Value objectGet(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  if (!a[1].isArray()) {
    const Value* v = a[0].get(a[1]);
    return v != nullptr ? *v : a[2];
  }
  const Value* cur = &a[0];
  for (const auto& k : a[1].items()) {
    cur = cur->get(k);
    if (cur == nullptr) return a[2];
  }
  return *cur;
}

Value objectKeys(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  std::vector<Value> keys;
  for (const auto& e : a[0].entries())
    keys.push_back(e.key);
  return Value::setSorted(std::move(keys));
}

bool keysParam(BuiltinContext& c, const Value& v, Value* set) {
  switch (v.kind()) {
    case Kind::Array:
      *set = Value::set(v.items());
      return true;
    case Kind::Set:
      *set = v;
      return true;
    case Kind::Object: {
      std::vector<Value> keys;
      for (const auto& e : v.entries())
        keys.push_back(e.key);
      *set = Value::setSorted(std::move(keys));
      return true;
    }
    default:
      typeErr(c, 1, v, {"object", "set", "array"});
      return false;
  }
}

Value objectRemove(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  Value keys;
  if (!keysParam(c, a[1], &keys)) return Value();
  std::vector<ObjectEntry> out;
  for (const auto& e : a[0].entries()) {
    if (!keys.contains(e.key)) out.push_back(e);
  }
  return Value::objectSorted(std::move(out));
}

Value objectFilter(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0)) return Value();
  Value keys;
  if (!keysParam(c, a[1], &keys)) return Value();
  std::vector<ObjectEntry> out;
  for (const auto& e : a[0].entries()) {
    if (keys.contains(e.key)) out.push_back(e);
  }
  return Value::objectSorted(std::move(out));
}

Value mergeOverwrite(const Value& x, const Value& y) {
  ObjectBuilder b;
  for (const auto& e : x.entries())
    b.put(e.key, e.value);
  for (const auto& e : y.entries()) {
    const Value* orig = x.get(e.key);
    if (orig != nullptr && orig->isObject() && e.value.isObject()) {
      b.put(e.key, mergeOverwrite(*orig, e.value));
    } else {
      b.put(e.key, e.value);
    }
  }
  return b.build();
}

Value objectUnion(BuiltinContext& c, Args a) {
  if (!argObject(c, a, 0) || !argObject(c, a, 1)) return Value();
  return mergeOverwrite(a[0], a[1]);
}

Value objectUnionN(BuiltinContext& c, Args a) {
  if (!argArray(c, a, 0)) return Value();
  Value acc = Value::emptyObject();
  for (const auto& o : a[0].items()) {
    if (!o.isObject()) {
      c.typeError("operand 1 must be array of objects but got array containing " +
                  std::string(typeName(o)));
      return Value();
    }
    acc = mergeOverwrite(acc, o);
  }
  return acc;
}

bool setSubset(const Value& super, const Value& sub) {
  for (const auto& e : sub.items()) {
    if (!super.contains(e)) return false;
  }
  return true;
}

bool arraySubset(const Value& super, const Value& sub) {
  const auto& sp = super.items();
  const auto& sb = sub.items();
  if (sb.size() > sp.size()) return false;
  if (super == sub) return true;
  size_t sc = 0, bc = 0;
  while (true) {
    if (bc == sb.size()) return true;
    if (sc + bc == sp.size()) return false;
    if (sp[sc + bc] == sb[bc]) {
      ++bc;
    } else {
      ++sc;
      bc = 0;
    }
  }
}

bool objectSubset(const Value& super, const Value& sub) {
  for (const auto& e : sub.entries()) {
    const Value* sv = super.get(e.key);
    if (sv == nullptr) return false;
    if (*sv == e.value) continue;
    if (sv->isObject() && e.value.isObject()) {
      if (!objectSubset(*sv, e.value)) return false;
      continue;
    }
    if (sv->isSet() && e.value.isSet()) {
      if (!setSubset(*sv, e.value)) return false;
      continue;
    }
    if (sv->isArray() && e.value.isArray()) {
      if (!arraySubset(*sv, e.value)) return false;
      continue;
    }
    return false;
  }
  return true;
}

Value objectSubsetFn(BuiltinContext& c, Args a) {
  const Value& super = a[0];
  const Value& sub = a[1];
  if (super.isObject() && sub.isObject()) return boolValue(objectSubset(super, sub));
  if (super.isSet() && sub.isSet()) return boolValue(setSubset(super, sub));
  if (super.isArray() && sub.isArray()) return boolValue(arraySubset(super, sub));
  if (super.isArray() && sub.isSet()) {
    size_t unmatched = sub.size();
    for (const auto& t : super.items()) {
      if (sub.contains(t)) --unmatched;
      if (unmatched == 0) return boolValue(true);
    }
    return boolValue(false);
  }
  c.typeError("both arguments object.subset must be of the same type or array and set");
  return Value();
}

}  // namespace

void registerObjects(BuiltinRegistry& r) {
  r.add("object.get", 3, objectGet);
  r.add("object.keys", 1, objectKeys);
  r.add("object.remove", 2, objectRemove);
  r.add("object.filter", 2, objectFilter);
  r.add("object.union", 2, objectUnion);
  r.add("object.union_n", 1, objectUnionN);
  r.add("object.subset", 2, objectSubsetFn);
}

}  // namespace meshgate::rego
