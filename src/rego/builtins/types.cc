// SPDX-License-Identifier: Apache-2.0
// Types: is_number, is_string, ..., type_name.
#include <vector>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

Value isNumber(BuiltinContext&, Args a) {
  return boolValue(a[0].isNumber());
}
Value isString(BuiltinContext&, Args a) {
  return boolValue(a[0].isString());
}
Value isBoolean(BuiltinContext&, Args a) {
  return boolValue(a[0].isBool());
}
Value isArray(BuiltinContext&, Args a) {
  return boolValue(a[0].isArray());
}
Value isSet(BuiltinContext&, Args a) {
  return boolValue(a[0].isSet());
}
Value isObject(BuiltinContext&, Args a) {
  return boolValue(a[0].isObject());
}
Value isNull(BuiltinContext&, Args a) {
  return boolValue(a[0].isNull());
}
Value typeNameFn(BuiltinContext&, Args a) {
  return strValue(typeName(a[0]));
}

// Deprecated v0 casts: the value when it already has the type (arrays and
// sets convert into each other), else a type error.
Value castArray(BuiltinContext& c, Args a) {
  if (a[0].isArray()) return a[0];
  if (a[0].isSet()) return Value::array(a[0].items());
  return typeErr(c, 0, a[0], {"array", "set"});
}
Value castSet(BuiltinContext& c, Args a) {
  if (a[0].isSet()) return a[0];
  if (a[0].isArray()) return Value::set(a[0].items());
  return typeErr(c, 0, a[0], {"array", "set"});
}
Value castString(BuiltinContext& c, Args a) {
  return a[0].isString() ? a[0] : typeErr(c, 0, a[0], {"string"});
}
Value castBoolean(BuiltinContext& c, Args a) {
  return a[0].isBool() ? a[0] : typeErr(c, 0, a[0], {"boolean"});
}
Value castNull(BuiltinContext& c, Args a) {
  return a[0].isNull() ? a[0] : typeErr(c, 0, a[0], {"null"});
}
Value castObject(BuiltinContext& c, Args a) {
  return a[0].isObject() ? a[0] : typeErr(c, 0, a[0], {"object"});
}

// Deprecated v0 set difference (the `-` operator on sets).
Value setDiff(BuiltinContext& c, Args a) {
  if (!argSet(c, a, 0) || !argSet(c, a, 1)) return Value();
  std::vector<Value> out;
  for (const auto& x : a[0].items()) {
    if (!a[1].contains(x)) out.push_back(x);
  }
  return Value::setSorted(std::move(out));
}

}  // namespace

void registerTypes(BuiltinRegistry& r) {
  r.add("is_number", 1, isNumber);
  r.add("is_string", 1, isString);
  r.add("is_boolean", 1, isBoolean);
  r.add("is_array", 1, isArray);
  r.add("is_set", 1, isSet);
  r.add("is_object", 1, isObject);
  r.add("is_null", 1, isNull);
  r.add("type_name", 1, typeNameFn);
  r.add("cast_array", 1, castArray);
  r.add("cast_set", 1, castSet);
  r.add("cast_string", 1, castString);
  r.add("cast_boolean", 1, castBoolean);
  r.add("cast_null", 1, castNull);
  r.add("cast_object", 1, castObject);
  r.add("set_diff", 2, setDiff);
}

}  // namespace meshgate::rego
