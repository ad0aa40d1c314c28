// SPDX-License-Identifier: Apache-2.0
// Arrays: array.concat, array.slice, array.reverse, array.flatten.
#include <algorithm>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

Value arrayConcat(BuiltinContext& c, Args a) {
  if (!argArray(c, a, 0) || !argArray(c, a, 1)) return Value();
  std::vector<Value> out = a[0].items();
  out.insert(out.end(), a[1].items().begin(), a[1].items().end());
  return Value::array(std::move(out));
}

Value arraySlice(BuiltinContext& c, Args a) {
  if (!argArray(c, a, 0)) return Value();
  int64_t start, stop;
  if (!argInt(c, a, 1, &start) || !argInt(c, a, 2, &stop)) return Value();
  int64_t n = static_cast<int64_t>(a[0].items().size());
  if (start < 0) start = 0;
  if (stop > n) stop = n;
  if (start >= stop) return Value::emptyArray();
  std::vector<Value> out(a[0].items().begin() + start, a[0].items().begin() + stop);
  return Value::array(std::move(out));
}

Value arrayReverse(BuiltinContext& c, Args a) {
  if (!argArray(c, a, 0)) return Value();
  std::vector<Value> out = a[0].items();
  std::reverse(out.begin(), out.end());
  return Value::array(std::move(out));
}

// One level, as OPA's array.flatten.
void flatten(const Value& v, std::vector<Value>* out) {
  for (const auto& e : v.items()) {
    if (e.isArray()) {
      out->insert(out->end(), e.items().begin(), e.items().end());
    } else {
      out->push_back(e);
    }
  }
}

Value arrayFlatten(BuiltinContext& c, Args a) {
  if (!argArray(c, a, 0)) return Value();
  std::vector<Value> out;
  flatten(a[0], &out);
  return Value::array(std::move(out));
}

}  // namespace

void registerArrays(BuiltinRegistry& r) {
  r.add("array.concat", 2, arrayConcat);
  r.add("array.slice", 3, arraySlice);
  r.add("array.reverse", 1, arrayReverse);
  r.add("array.flatten", 1, arrayFlatten);
}

}  // namespace meshgate::rego
