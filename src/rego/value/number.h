// SPDX-License-Identifier: Apache-2.0
// Rego number arithmetic and formatting with OPA's semantics: exact integers of
// any size, floating point with a 64-bit mantissa (Go's big.Float default), and
// big.Float's shortest text. Depends on std only.
#pragma once

#include <string>
#include <string_view>

#include "rego/value/value.h"

namespace meshgate::rego {

/// The text OPA prints for a number (its json.Number).
std::string formatNumber(const Value& n);
/// Appends formatNumber(n) to out.
void appendNumber(std::string& out, const Value& n);

/// Go's strconv/big 'g' shortest formatting of a float ("1.5", "1e+06" ...),
/// with integral values printed in full ('f'), as OPA's FloatToNumber does.
std::string formatFloat(long double f);

/// A float result normalised the way OPA does (integral results become integers).
Value numberFromFloat(long double f);

/// Arithmetic on numbers. On error, `error` names it ("divide by zero", ...)
/// and the value is Undefined.
struct ArithResult {
  Value value;
  const char* error = nullptr;
};
ArithResult numberAdd(const Value& a, const Value& b);
ArithResult numberSub(const Value& a, const Value& b);
ArithResult numberMul(const Value& a, const Value& b);
ArithResult numberDiv(const Value& a, const Value& b);
ArithResult numberRem(const Value& a, const Value& b);
Value numberAbs(const Value& a);
Value numberRound(const Value& a);
Value numberCeil(const Value& a);
Value numberFloor(const Value& a);
Value numberNegate(const Value& a);

/// Integer value as a BigInt; false when not integral.
bool numberToBigInt(const Value& n, BigInt* out);

}  // namespace meshgate::rego
