// SPDX-License-Identifier: Apache-2.0
// Bitwise operations on integers: bits.and/or/xor/negate/lsh/rsh.
#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

bool bigIntArg(BuiltinContext& c, Args a, size_t i, BigInt* out) {
  if (!a[i].isNumber()) {
    typeErr(c, i, a[i], {"number"});
    return false;
  }
  if (!numberToBigInt(a[i], out)) {
    c.typeError("operand " + std::to_string(i + 1) +
                " must be integer number but got floating-point number");
    return false;
  }
  return true;
}

bool int128Arg(BuiltinContext& c, Args a, size_t i, __int128* out) {
  BigInt b;
  if (!bigIntArg(c, a, i, &b)) return false;
  auto v = b.toInt64();
  if (!v) {
    c.builtinError("operand " + std::to_string(i + 1) + " is too large");
    return false;
  }
  *out = *v;
  return true;
}

Value fromInt128(__int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return Value::integer(static_cast<int64_t>(v));
  bool neg = v < 0;
  unsigned __int128 m =
      neg ? static_cast<unsigned __int128>(-v) : static_cast<unsigned __int128>(v);
  std::string digits;
  while (m != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  return Value::bigInt(BigInt::parse((neg ? "-" : "") + digits).value());
}

Value andFn(BuiltinContext& c, Args a) {
  __int128 x, y;
  if (!int128Arg(c, a, 0, &x) || !int128Arg(c, a, 1, &y)) return Value();
  return fromInt128(x & y);
}
Value orFn(BuiltinContext& c, Args a) {
  __int128 x, y;
  if (!int128Arg(c, a, 0, &x) || !int128Arg(c, a, 1, &y)) return Value();
  return fromInt128(x | y);
}
Value xorFn(BuiltinContext& c, Args a) {
  __int128 x, y;
  if (!int128Arg(c, a, 0, &x) || !int128Arg(c, a, 1, &y)) return Value();
  return fromInt128(x ^ y);
}
Value negateFn(BuiltinContext& c, Args a) {
  __int128 x;
  if (!int128Arg(c, a, 0, &x)) return Value();
  return fromInt128(~x);
}

bool shiftArg(BuiltinContext& c, Args a, int64_t* s) {
  BigInt b;
  if (!bigIntArg(c, a, 1, &b)) return false;
  if (b.isNegative()) {
    c.typeError("operand 2 must be an unsigned integer number but got a negative integer");
    return false;
  }
  auto v = b.toInt64();
  if (!v || *v > 65536) {
    c.builtinError("shift count too large");
    return false;
  }
  *s = *v;
  return true;
}

Value lshFn(BuiltinContext& c, Args a) {
  BigInt x;
  int64_t s;
  if (!bigIntArg(c, a, 0, &x) || !shiftArg(c, a, &s)) return Value();
  BigInt factor(1);
  BigInt two(2);
  for (int64_t i = 0; i < s; ++i)
    factor = BigInt::mul(factor, two);
  return Value::bigInt(BigInt::mul(x, factor));
}

Value rshFn(BuiltinContext& c, Args a) {
  BigInt x;
  int64_t s;
  if (!bigIntArg(c, a, 0, &x) || !shiftArg(c, a, &s)) return Value();
  BigInt factor(1);
  BigInt two(2);
  for (int64_t i = 0; i < s; ++i)
    factor = BigInt::mul(factor, two);
  BigInt q, r;
  BigInt::divMod(x, factor, &q, &r);
  // Arithmetic shift rounds toward negative infinity.
  if (x.isNegative() && !r.isZero()) q = BigInt::sub(q, BigInt(1));
  return Value::bigInt(q);
}

}  // namespace

void registerBits(BuiltinRegistry& r) {
  r.add("bits.and", 2, andFn);
  r.add("bits.or", 2, orFn);
  r.add("bits.xor", 2, xorFn);
  r.add("bits.negate", 1, negateFn);
  r.add("bits.lsh", 2, lshFn);
  r.add("bits.rsh", 2, rshFn);
}

}  // namespace meshgate::rego
