// SPDX-License-Identifier: Apache-2.0
// Comparison operators and membership (==, !=, <, <=, >, >=, in).
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

Value equal(BuiltinContext&, Args a) {
  return boolValue(a[0] == a[1]);
}
Value neq(BuiltinContext&, Args a) {
  return boolValue(a[0] != a[1]);
}
Value lt(BuiltinContext&, Args a) {
  return boolValue(compare(a[0], a[1]) < 0);
}
Value lte(BuiltinContext&, Args a) {
  return boolValue(compare(a[0], a[1]) <= 0);
}
Value gt(BuiltinContext&, Args a) {
  return boolValue(compare(a[0], a[1]) > 0);
}
Value gte(BuiltinContext&, Args a) {
  return boolValue(compare(a[0], a[1]) >= 0);
}

Value member2(BuiltinContext&, Args a) {
  const Value& x = a[0];
  const Value& c = a[1];
  switch (c.kind()) {
    case Kind::Set:
      return boolValue(c.contains(x));
    case Kind::Array:
      for (const auto& v : c.items()) {
        if (v == x) return boolValue(true);
      }
      return boolValue(false);
    case Kind::Object:
      for (const auto& e : c.entries()) {
        if (e.value == x) return boolValue(true);
      }
      return boolValue(false);
    default:
      return boolValue(false);
  }
}

Value member3(BuiltinContext&, Args a) {
  const Value& key = a[0];
  const Value& val = a[1];
  const Value& c = a[2];
  if (c.isSet()) return boolValue(c.contains(key) && key == val);
  if (c.isArray() || c.isObject()) {
    const Value* v = c.get(key);
    return boolValue(v != nullptr && *v == val);
  }
  return boolValue(false);
}

}  // namespace

void registerComparison(BuiltinRegistry& r) {
  r.add("equal", 2, equal);
  r.add("neq", 2, neq);
  r.add("lt", 2, lt);
  r.add("lte", 2, lte);
  r.add("gt", 2, gt);
  r.add("gte", 2, gte);
  r.add("internal.member_2", 2, member2);
  r.add("internal.member_3", 3, member3);
}

}  // namespace meshgate::rego
