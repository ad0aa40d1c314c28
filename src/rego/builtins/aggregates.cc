// SPDX-License-Identifier: Apache-2.0
// Aggregates: count, sum, product, max, min, sort, all, any.
#include <algorithm>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

Value count(BuiltinContext& c, Args a) {
  switch (a[0].kind()) {
    case Kind::Array:
    case Kind::Set:
    case Kind::Object:
      return intValue(static_cast<int64_t>(a[0].size()));
    case Kind::String:
      return intValue(static_cast<int64_t>(utf8Decode(a[0].asString()).size()));
    default:
      return typeErr(c, 0, a[0], {"array", "object", "set", "string"});
  }
}

Value accumulate(BuiltinContext& c, Args a, bool product) {
  if (!a[0].isArray() && !a[0].isSet()) return typeErr(c, 0, a[0], {"set", "array"});
  Value acc = Value::integer(product ? 1 : 0);
  for (const auto& v : a[0].items()) {
    if (!v.isNumber()) {
      std::string tpe(typeName(a[0]));
      c.typeError("operand 1 must be " + tpe + " of numbers but got " + tpe + " containing " +
                  std::string(typeName(v)));
      return Value();
    }
    acc = (product ? numberMul(acc, v) : numberAdd(acc, v)).value;
  }
  return acc;
}

Value sum(BuiltinContext& c, Args a) {
  return accumulate(c, a, false);
}
Value productFn(BuiltinContext& c, Args a) {
  return accumulate(c, a, true);
}

Value maxFn(BuiltinContext& c, Args a) {
  if (!a[0].isArray() && !a[0].isSet()) return typeErr(c, 0, a[0], {"set", "array"});
  const auto& items = a[0].items();
  if (items.empty()) return Value();
  const Value* best = &items[0];
  for (const auto& v : items) {
    if (compare(*best, v) <= 0) best = &v;
  }
  return *best;
}

Value minFn(BuiltinContext& c, Args a) {
  if (!a[0].isArray() && !a[0].isSet()) return typeErr(c, 0, a[0], {"set", "array"});
  const auto& items = a[0].items();
  if (items.empty()) return Value();
  const Value* best = &items[0];
  for (const auto& v : items) {
    if (compare(*best, v) >= 0) best = &v;
  }
  return *best;
}

Value sortFn(BuiltinContext& c, Args a) {
  if (!a[0].isArray() && !a[0].isSet()) return typeErr(c, 0, a[0], {"set", "array"});
  std::vector<Value> items = a[0].items();
  std::stable_sort(items.begin(), items.end(),
                   [](const Value& x, const Value& y) { return x < y; });
  return Value::array(std::move(items));
}

Value allFn(BuiltinContext& c, Args a) {
  if (!a[0].isArray() && !a[0].isSet()) return typeErr(c, 0, a[0], {"array", "set"});
  for (const auto& v : a[0].items()) {
    if (!v.isTrue()) return boolValue(false);
  }
  return boolValue(true);
}

Value anyFn(BuiltinContext& c, Args a) {
  if (!a[0].isArray() && !a[0].isSet()) return typeErr(c, 0, a[0], {"array", "set"});
  for (const auto& v : a[0].items()) {
    if (v.isTrue()) return boolValue(true);
  }
  return boolValue(false);
}

}  // namespace

void registerAggregates(BuiltinRegistry& r) {
  r.add("count", 1, count);
  r.add("sum", 1, sum);
  r.add("product", 1, productFn);
  r.add("max", 1, maxFn);
  r.add("min", 1, minFn);
  r.add("sort", 1, sortFn);
  r.add("all", 1, allFn);
  r.add("any", 1, anyFn);
}

}  // namespace meshgate::rego
