// SPDX-License-Identifier: Apache-2.0
// Units: units.parse (SI and binary SI), units.parse_bytes.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

constexpr int kMaxExponentDigits = 6;

// Splits "10.5Gi" into ("10.5", "Gi"); false when the exponent is too large.
bool extractNumAndUnit(const std::string& s, std::string* num, std::string* unit) {
  auto isNum = [](char r) { return (r >= '0' && r <= '9') || r == '.'; };
  int first_non_num = -1;
  for (size_t idx = 0; idx < s.size(); ++idx) {
    char r = s[idx];
    if (!isNum(r) && r != 'e' && r != 'E' && r != '+' && r != '-') {
      first_non_num = static_cast<int>(idx);
      break;
    }
    if (r == 'e' || r == 'E') {
      if (idx == s.size() - 1 || (!std::isdigit(static_cast<unsigned char>(s[idx + 1])) &&
                                  s[idx + 1] != '+' && s[idx + 1] != '-')) {
        first_non_num = static_cast<int>(idx);
        break;
      }
      if (idx + 1 < s.size() && (s[idx + 1] == '+' || s[idx + 1] == '-')) ++idx;
      size_t start = idx + 1, end = start;
      while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end])))
        ++end;
      if (static_cast<int>(end - start) > kMaxExponentDigits) return false;
    }
  }
  if (first_non_num == -1) {
    *num = s;
    unit->clear();
  } else if (first_non_num == 0) {
    num->clear();
    *unit = s;
  } else {
    *num = s.substr(0, static_cast<size_t>(first_non_num));
    *unit = s.substr(static_cast<size_t>(first_non_num));
  }
  return true;
}

// Parses a decimal (with optional fraction and exponent) as mantissa * 10^exp.
bool parseDecimal(const std::string& s, BigInt* mant, int64_t* exp) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  std::string digits;
  int64_t e = 0;
  bool any = false, dot = false;
  for (; i < s.size(); ++i) {
    char ch = s[i];
    if (ch >= '0' && ch <= '9') {
      digits.push_back(ch);
      any = true;
      if (dot) --e;
    } else if (ch == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return false;
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      ++i;
    }
    if (i >= s.size()) return false;
    int64_t ev = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      ev = ev * 10 + (s[i] - '0');
      if (ev > 10000000) return false;
    }
    e += eneg ? -ev : ev;
  }
  auto b = BigInt::parse((neg ? "-" : "") + digits);
  if (!b) return false;
  *mant = *b;
  *exp = e;
  return true;
}

BigInt pow10(int64_t n) {
  BigInt r(1);
  BigInt ten(10);
  for (int64_t i = 0; i < n; ++i)
    r = BigInt::mul(r, ten);
  return r;
}

// num/den rounded to 10 decimal places (half away from zero), as big.Rat's FloatString(10).
std::string ratFloatString(BigInt num, const BigInt& den) {
  bool neg = num.isNegative();
  if (neg) num = num.negated();
  BigInt scaled = BigInt::mul(num, pow10(10));
  BigInt q, r;
  BigInt::divMod(scaled, den, &q, &r);
  // Round half away from zero.
  if (BigInt::compare(BigInt::mul(r, BigInt(2)), den) >= 0) q = BigInt::add(q, BigInt(1));
  std::string digits = q.toString();
  while (digits.size() < 11)
    digits = "0" + digits;
  std::string out = digits.substr(0, digits.size() - 10) + "." + digits.substr(digits.size() - 10);
  return (neg ? "-" : "") + out;
}

Value unitsParse(BuiltinContext& c, Args a) {
  std::string_view raw;
  if (!argString(c, a, 0, &raw)) return Value();
  std::string s(raw);
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  if (s.find(' ') != std::string::npos) {
    c.builtinError("spaces not allowed in resource strings");
    return Value();
  }
  std::string num, unit;
  if (!extractNumAndUnit(s, &num, &unit)) {
    c.builtinError("exponent too large");
    return Value();
  }
  if (num.empty()) {
    c.builtinError("no amount provided");
    return Value();
  }
  if (unit.size() > 1) {
    std::string rest = unit.substr(1);
    for (auto& ch : rest)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    unit = unit.substr(0, 1) + rest;
  }
  // Multiplier as a ratio: milli is the float64 0.001 (OPA uses SetFloat64).
  BigInt mul_num(1), mul_den(1);
  const uint64_t K = 1000;
  auto set = [&](uint64_t v) { mul_num = BigInt::parse(std::to_string(v)).value(); };
  if (unit == "m") {
    mul_num = BigInt::parse("1152921504606847").value();
    mul_den = BigInt::parse("1152921504606846976").value();
  } else if (unit.empty()) {
    set(1);
  } else if (unit == "k" || unit == "K") {
    set(K);
  } else if (unit == "ki" || unit == "Ki") {
    set(1ull << 10);
  } else if (unit == "M") {
    set(K * K);
  } else if (unit == "mi" || unit == "Mi") {
    set(1ull << 20);
  } else if (unit == "g" || unit == "G") {
    set(K * K * K);
  } else if (unit == "gi" || unit == "Gi") {
    set(1ull << 30);
  } else if (unit == "t" || unit == "T") {
    set(K * K * K * K);
  } else if (unit == "ti" || unit == "Ti") {
    set(1ull << 40);
  } else if (unit == "p" || unit == "P") {
    set(K * K * K * K * K);
  } else if (unit == "pi" || unit == "Pi") {
    set(1ull << 50);
  } else if (unit == "e" || unit == "E") {
    set(K * K * K * K * K * K);
  } else if (unit == "ei" || unit == "Ei") {
    set(1ull << 60);
  } else {
    c.builtinError("unit " + unit + " not recognized");
    return Value();
  }
  BigInt mant;
  int64_t exp;
  if (!parseDecimal(num, &mant, &exp)) {
    c.builtinError("could not parse amount to a number");
    return Value();
  }
  BigInt n = BigInt::mul(mant, mul_num);
  BigInt d = mul_den;
  if (exp > 0) n = BigInt::mul(n, pow10(exp));
  if (exp < 0) d = BigInt::mul(d, pow10(-exp));
  BigInt q, r;
  BigInt::divMod(n, d, &q, &r);
  if (r.isZero()) return Value::bigInt(q);
  return Value::numberFromText(ratFloatString(n, d));
}

Value unitsParseBytes(BuiltinContext& c, Args a) {
  std::string_view raw;
  if (!argString(c, a, 0, &raw)) return Value();
  std::string s(raw);
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  if (s.find(' ') != std::string::npos) {
    c.builtinError("spaces not allowed in resource strings");
    return Value();
  }
  std::string num, unit;
  if (!extractNumAndUnit(s, &num, &unit)) {
    c.builtinError("exponent too large");
    return Value();
  }
  if (num.empty()) {
    c.builtinError("no byte amount provided");
    return Value();
  }
  long double m;
  const long double K = 1000;
  if (unit.empty()) {
    m = 1;
  } else if (unit == "kb" || unit == "k") {
    m = K;
  } else if (unit == "kib" || unit == "ki") {
    m = 1ull << 10;
  } else if (unit == "mb" || unit == "m") {
    m = K * K;
  } else if (unit == "mib" || unit == "mi") {
    m = 1ull << 20;
  } else if (unit == "gb" || unit == "g") {
    m = K * K * K;
  } else if (unit == "gib" || unit == "gi") {
    m = 1ull << 30;
  } else if (unit == "tb" || unit == "t") {
    m = K * K * K * K;
  } else if (unit == "tib" || unit == "ti") {
    m = 1ull << 40;
  } else if (unit == "pb" || unit == "p") {
    m = K * K * K * K * K;
  } else if (unit == "pib" || unit == "pi") {
    m = 1ull << 50;
  } else if (unit == "eb" || unit == "e") {
    m = K * K * K * K * K * K;
  } else if (unit == "eib" || unit == "ei") {
    m = 1ull << 60;
  } else {
    c.builtinError("byte unit " + unit + " not recognized");
    return Value();
  }
  BigInt mant;
  int64_t exp;
  if (!parseDecimal(num, &mant, &exp)) {
    c.builtinError("could not parse byte amount to a number");
    return Value();
  }
  long double f = std::strtold(num.c_str(), nullptr) * m;
  if (!std::isfinite(f)) {
    c.builtinError("could not parse byte amount to a number");
    return Value();
  }
  return Value::bigInt(BigInt::fromLongDouble(std::trunc(f)));
}

}  // namespace

void registerUnits(BuiltinRegistry& r) {
  r.add("units.parse", 1, unitsParse);
  r.add("units.parse_bytes", 1, unitsParseBytes);
}

}  // namespace meshgate::rego
