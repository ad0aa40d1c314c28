// SPDX-License-Identifier: Apache-2.0
// Arithmetic: + - * / %, abs, round, ceil, floor, numbers.range(_step).
#include <algorithm>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

Value arith(BuiltinContext& c, Args a, ArithResult (*op)(const Value&, const Value&)) {
  if (!argNumber(c, a, 0) || !argNumber(c, a, 1)) return Value();
  ArithResult r = op(a[0], a[1]);
  if (r.error != nullptr) {
    c.builtinError(r.error);
    return Value();
  }
  return r.value;
}

Value plus(BuiltinContext& c, Args a) {
  return arith(c, a, numberAdd);
}
Value mul(BuiltinContext& c, Args a) {
  return arith(c, a, numberMul);
}
Value divide(BuiltinContext& c, Args a) {
  return arith(c, a, numberDiv);
}
Value rem(BuiltinContext& c, Args a) {
  return arith(c, a, numberRem);
}

Value minus(BuiltinContext& c, Args a) {
  bool n1 = a[0].isNumber(), n2 = a[1].isNumber();
  if (n1 && n2) return arith(c, a, numberSub);
  bool s1 = a[0].isSet(), s2 = a[1].isSet();
  if (s1 && s2) {
    std::vector<Value> out;
    for (const auto& v : a[0].items()) {
      if (!a[1].contains(v)) out.push_back(v);
    }
    return Value::setSorted(std::move(out));
  }
  if (!n1 && !s1) return typeErr(c, 0, a[0], {"number", "set"});
  if (n2) return typeErr(c, 1, a[1], {"set"});
  return typeErr(c, 1, a[1], {"number"});
}

Value unary(BuiltinContext& c, Args a, Value (*op)(const Value&)) {
  if (!argNumber(c, a, 0)) return Value();
  return op(a[0]);
}
Value absFn(BuiltinContext& c, Args a) {
  return unary(c, a, numberAbs);
}
Value roundFn(BuiltinContext& c, Args a) {
  return unary(c, a, numberRound);
}
Value ceilFn(BuiltinContext& c, Args a) {
  return unary(c, a, numberCeil);
}
Value floorFn(BuiltinContext& c, Args a) {
  return unary(c, a, numberFloor);
}

Value rangeImpl(BuiltinContext& c, int64_t from, int64_t to, int64_t step) {
  uint64_t span = from <= to ? static_cast<uint64_t>(to - from) : static_cast<uint64_t>(from - to);
  uint64_t n = span / static_cast<uint64_t>(step) + 1;
  if (n > (1u << 24)) {
    c.builtinError("range too large");
    return Value();
  }
  std::vector<Value> out;
  out.reserve(n);
  if (from <= to) {
    for (int64_t i = from; i <= to; i += step) {
      out.push_back(Value::integer(i));
      if (to - i < step) break;
    }
  } else {
    for (int64_t i = from; i >= to; i -= step) {
      out.push_back(Value::integer(i));
      if (i - to < step) break;
    }
  }
  return Value::array(std::move(out));
}

Value range(BuiltinContext& c, Args a) {
  int64_t x, y;
  if (!argInt(c, a, 0, &x) || !argInt(c, a, 1, &y)) return Value();
  return rangeImpl(c, x, y, 1);
}

Value rangeStep(BuiltinContext& c, Args a) {
  int64_t x, y, s;
  if (!argInt(c, a, 0, &x) || !argInt(c, a, 1, &y)) return Value();
  if (a[2].isNumber() && a[2].isIntegral() && !a[2].toInt64(&s)) {
    // A step beyond int64 reaches past any int64 bound: only the start.
    if (compareNumbers(a[2], Value::integer(0)) > 0) return Value::array({Value::integer(x)});
  }
  if (!argInt(c, a, 2, &s)) return Value();
  if (s <= 0) {
    c.builtinError("step must be a positive integer");
    return Value();
  }
  return rangeImpl(c, x, y, s);
}

}  // namespace

void registerArithmetic(BuiltinRegistry& r) {
  r.add("plus", 2, plus);
  r.add("minus", 2, minus);
  r.add("mul", 2, mul);
  r.add("div", 2, divide);
  r.add("rem", 2, rem);
  r.add("abs", 1, absFn);
  r.add("round", 1, roundFn);
  r.add("ceil", 1, ceilFn);
  r.add("floor", 1, floorFn);
  r.add("numbers.range", 2, range);
  r.add("numbers.range_step", 3, rangeStep);
}

}  // namespace meshgate::rego
