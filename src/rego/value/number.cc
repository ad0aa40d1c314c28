// SPDX-License-Identifier: Apache-2.0
#include "rego/value/number.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace meshgate::rego {
namespace {

constexpr int64_t kSmallMin = -(int64_t{1} << 31);
constexpr int64_t kSmallMax = (int64_t{1} << 31) - 1;

bool smallInt(const Value& v, int64_t* out) {
  if (v.numRep() != NumRep::Int) return false;
  int64_t i = v.asInt();
  if (i < kSmallMin || i > kSmallMax) return false;
  *out = i;
  return true;
}

// Shortest decimal digits that round-trip a long double: returns the mantissa
// digits (no dot, no sign) and the decimal exponent of the first digit.
void shortestDigits(long double f, std::string* digits, int* exp10) {
  char buf[64];
  for (int prec = 1; prec <= 21; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*Le", prec - 1, f);
    long double back = std::strtold(buf, nullptr);
    if (back == f || prec == 21) break;
  }
  // buf: [-]d[.ddd]e[+-]XX
  std::string s(buf);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  *exp10 = std::atoi(s.c_str() + e + 1);
  digits->clear();
  for (char c : mant) {
    if (c >= '0' && c <= '9') digits->push_back(c);
  }
  while (digits->size() > 1 && digits->back() == '0')
    digits->pop_back();
}

}  // namespace

std::string formatFloat(long double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (std::floor(f) == f) {
    // 'f' formatting of an integral value: exact digits.
    if (std::fabs(f) < 9.2e18L) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.0Lf", f);
      return buf;
    }
    return BigInt::fromLongDouble(f).toString();
  }
  std::string digits;
  int exp10 = 0;
  shortestDigits(std::fabs(f), &digits, &exp10);
  std::string out;
  if (f < 0) out.push_back('-');
  if (exp10 < -4 || exp10 >= 6) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp10 < 0 ? '-' : '+');
    int a = std::abs(exp10);
    if (a < 10) out.push_back('0');
    out.append(std::to_string(a));
    return out;
  }
  if (exp10 < 0) {
    out.append("0.");
    for (int i = -1; i > exp10; --i)
      out.push_back('0');
    out.append(digits);
    return out;
  }
  size_t int_digits = static_cast<size_t>(exp10) + 1;
  if (digits.size() <= int_digits) {
    out.append(digits);
    out.append(int_digits - digits.size(), '0');
    return out;
  }
  out.append(digits, 0, int_digits);
  out.push_back('.');
  out.append(digits, int_digits, std::string::npos);
  return out;
}

std::string formatNumber(const Value& n) {
  std::string out;
  appendNumber(out, n);
  return out;
}

void appendNumber(std::string& out, const Value& n) {
  switch (n.numRep()) {
    case NumRep::Int:
      out.append(std::to_string(n.asInt()));
      return;
    case NumRep::Big:
      out.append(n.asBig().toString());
      return;
    case NumRep::Float:
      if (!n.floatText().empty()) {
        out.append(n.floatText());
      } else {
        out.append(formatFloat(n.asFloat()));
      }
      return;
  }
}

Value numberFromFloat(long double f) {
  if (std::isfinite(f) && std::floor(f) == f) {
    if (f > -9.2e18L && f < 9.2e18L) return Value::integer(static_cast<int64_t>(f));
    return Value::bigInt(BigInt::fromLongDouble(f));
  }
  return Value::floating(f);
}

bool numberToBigInt(const Value& n, BigInt* out) {
  switch (n.numRep()) {
    case NumRep::Int:
      *out = BigInt(n.asInt());
      return true;
    case NumRep::Big:
      *out = n.asBig();
      return true;
    case NumRep::Float: {
      long double f = n.asFloat();
      if (!std::isfinite(f) || std::floor(f) != f) return false;
      *out = BigInt::fromLongDouble(f);
      return true;
    }
  }
  return false;
}

namespace {

enum class Op { Add, Sub, Mul };

ArithResult exactOrFloat(const Value& a, const Value& b, Op op) {
  int64_t x, y;
  if (smallInt(a, &x) && smallInt(b, &y)) {
    switch (op) {
      case Op::Add:
        return {Value::integer(x + y)};
      case Op::Sub:
        return {Value::integer(x - y)};
      case Op::Mul:
        return {Value::integer(x * y)};
    }
  }
  if (a.numRep() == NumRep::Int && b.numRep() == NumRep::Int) {
    int64_t r;
    bool overflow = false;
    switch (op) {
      case Op::Add:
        overflow = __builtin_add_overflow(a.asInt(), b.asInt(), &r);
        break;
      case Op::Sub:
        overflow = __builtin_sub_overflow(a.asInt(), b.asInt(), &r);
        break;
      case Op::Mul:
        overflow = __builtin_mul_overflow(a.asInt(), b.asInt(), &r);
        break;
    }
    if (!overflow) return {Value::integer(r)};
  }
  BigInt bx, by;
  if (numberToBigInt(a, &bx) && numberToBigInt(b, &by)) {
    switch (op) {
      case Op::Add:
        return {Value::bigInt(BigInt::add(bx, by))};
      case Op::Sub:
        return {Value::bigInt(BigInt::sub(bx, by))};
      case Op::Mul:
        return {Value::bigInt(BigInt::mul(bx, by))};
    }
  }
  long double fx = a.toLongDouble();
  long double fy = b.toLongDouble();
  switch (op) {
    case Op::Add:
      return {numberFromFloat(fx + fy)};
    case Op::Sub:
      return {numberFromFloat(fx - fy)};
    case Op::Mul:
      return {numberFromFloat(fx * fy)};
  }
  return {};
}

}  // namespace

ArithResult numberAdd(const Value& a, const Value& b) {
  return exactOrFloat(a, b, Op::Add);
}
ArithResult numberSub(const Value& a, const Value& b) {
  return exactOrFloat(a, b, Op::Sub);
}
ArithResult numberMul(const Value& a, const Value& b) {
  return exactOrFloat(a, b, Op::Mul);
}

ArithResult numberDiv(const Value& a, const Value& b) {
  int64_t x, y;
  if (smallInt(a, &x) && smallInt(b, &y)) {
    if (y == 0) return {Value(), "divide by zero"};
    if (x != 0 && x % y == 0) return {Value::integer(x / y)};
  }
  long double fy = b.toLongDouble();
  if (fy == 0) return {Value(), "divide by zero"};
  return {numberFromFloat(a.toLongDouble() / fy)};
}

ArithResult numberRem(const Value& a, const Value& b) {
  int64_t x, y;
  if (smallInt(a, &x) && smallInt(b, &y)) {
    if (y == 0) return {Value(), "modulo by zero"};
    return {Value::integer(x % y)};
  }
  BigInt bx, by;
  if (numberToBigInt(a, &bx) && numberToBigInt(b, &by)) {
    if (by.isZero()) return {Value(), "modulo by zero"};
    BigInt r;
    BigInt::divMod(bx, by, nullptr, &r);
    return {Value::bigInt(std::move(r))};
  }
  return {Value(), "modulo on floating-point number"};
}

Value numberAbs(const Value& a) {
  int64_t x;
  if (smallInt(a, &x)) return Value::integer(x < 0 ? -x : x);
  if (a.numRep() == NumRep::Big) {
    const BigInt& b = a.asBig();
    return b.isNegative() ? Value::bigInt(b.negated()) : a;
  }
  return numberFromFloat(std::fabs(a.toLongDouble()));
}

Value numberRound(const Value& a) {
  if (a.numRep() != NumRep::Float) return a;
  long double f = a.asFloat();
  // big.Float.Int truncates toward zero after moving one half away from zero.
  long double r = std::signbit(f) ? std::trunc(f - 0.5L) : std::trunc(f + 0.5L);
  return numberFromFloat(r);
}

Value numberCeil(const Value& a) {
  if (a.numRep() != NumRep::Float) return a;
  return numberFromFloat(std::ceil(a.asFloat()));
}

Value numberFloor(const Value& a) {
  if (a.numRep() != NumRep::Float) return a;
  return numberFromFloat(std::floor(a.asFloat()));
}

Value numberNegate(const Value& a) {
  switch (a.numRep()) {
    case NumRep::Int:
      if (a.asInt() == INT64_MIN) return Value::bigInt(BigInt(a.asInt()).negated());
      return Value::integer(-a.asInt());
    case NumRep::Big:
      return Value::bigInt(a.asBig().negated());
    case NumRep::Float: {
      const std::string& t = a.floatText();
      if (!t.empty()) {
        std::string nt = t[0] == '-' ? t.substr(1) : "-" + t;
        return Value::floating(-a.asFloat(), nt);
      }
      return Value::floating(-a.asFloat());
    }
  }
  return a;
}

}  // namespace meshgate::rego
