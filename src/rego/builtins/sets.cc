// SPDX-License-Identifier: Apache-2.0
// Sets: & | intersection union.
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"

namespace meshgate::rego {
namespace {

Value andFn(BuiltinContext& c, Args a) {
  if (!argSet(c, a, 0) || !argSet(c, a, 1)) return Value();
  std::vector<Value> out;
  for (const auto& v : a[0].items()) {
    if (a[1].contains(v)) out.push_back(v);
  }
  return Value::setSorted(std::move(out));
}

Value orFn(BuiltinContext& c, Args a) {
  if (!argSet(c, a, 0) || !argSet(c, a, 1)) return Value();
  std::vector<Value> out = a[0].items();
  out.insert(out.end(), a[1].items().begin(), a[1].items().end());
  return Value::set(std::move(out));
}

Value intersection(BuiltinContext& c, Args a) {
  if (!argSet(c, a, 0)) return Value();
  const auto& sets = a[0].items();
  for (const auto& s : sets) {
    if (!s.isSet()) {
      c.typeError("operand 1 must be set of sets but got set containing " +
                  std::string(typeName(s)));
      return Value();
    }
  }
  if (sets.empty()) return Value::emptySet();
  std::vector<Value> out;
  for (const auto& v : sets[0].items()) {
    bool all = true;
    for (size_t i = 1; i < sets.size(); ++i) {
      if (!sets[i].contains(v)) {
        all = false;
        break;
      }
    }
    if (all) out.push_back(v);
  }
  return Value::setSorted(std::move(out));
}

Value unionFn(BuiltinContext& c, Args a) {
  if (!argSet(c, a, 0)) return Value();
  std::vector<Value> out;
  for (const auto& s : a[0].items()) {
    if (!s.isSet()) {
      c.typeError("operand 1 must be set of sets but got set containing " +
                  std::string(typeName(s)));
      return Value();
    }
    out.insert(out.end(), s.items().begin(), s.items().end());
  }
  return Value::set(std::move(out));
}

}  // namespace

void registerSets(BuiltinRegistry& r) {
  r.add("and", 2, andFn);
  r.add("or", 2, orFn);
  r.add("intersection", 1, intersection);
  r.add("union", 1, unionFn);
}

}  // namespace meshgate::rego
