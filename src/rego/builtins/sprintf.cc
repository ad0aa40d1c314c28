// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/sprintf.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/strings.h"
#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

enum class ArgKind { Int, Big, Float, String };

struct Arg {
  ArgKind kind;
  int64_t i = 0;
  BigInt big;
  double f = 0;
  std::string s;
};

Arg toArg(const Value& v) {
  Arg a;
  if (v.isNumber()) {
    int64_t i;
    if (v.numRep() == NumRep::Int) {
      a.kind = ArgKind::Int;
      a.i = v.asInt();
      return a;
    }
    if (v.numRep() == NumRep::Big) {
      a.kind = ArgKind::Big;
      a.big = v.asBig();
      return a;
    }
    // A float literal with an integral text ("10") would parse as a big int in
    // Go; floats with fraction or exponent stay floats.
    const std::string& t = v.floatText();
    if (!t.empty() && t.find_first_of(".eE") == std::string::npos && v.toInt64(&i)) {
      a.kind = ArgKind::Int;
      a.i = i;
      return a;
    }
    long double ld = v.toLongDouble();
    if (ld > 1.7976931348623157e308L || ld < -1.7976931348623157e308L) {
      // Not a float64: Go formats the number's text as a string.
      a.kind = ArgKind::String;
      a.s = v.floatText().empty() ? std::to_string(static_cast<double>(ld)) : v.floatText();
      return a;
    }
    a.kind = ArgKind::Float;
    a.f = static_cast<double>(ld);
    return a;
  }
  a.kind = ArgKind::String;
  if (v.isString()) {
    a.s = std::string(v.asString());
  } else {
    a.s = toRegoString(v);
  }
  return a;
}

const char* goTypeName(const Arg& a) {
  switch (a.kind) {
    case ArgKind::Int:
      return "int";
    case ArgKind::Big:
      return "*big.Int";
    case ArgKind::Float:
      return "float64";
    case ArgKind::String:
      return "string";
  }
  return "?";
}

struct Spec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1;
  int prec = -1;
};

std::string pad(std::string s, const Spec& sp, bool numeric) {
  if (sp.width < 0 || static_cast<int>(s.size()) >= sp.width) return s;
  size_t n = static_cast<size_t>(sp.width) - s.size();
  if (sp.minus) return s + std::string(n, ' ');
  if (sp.zero && numeric) {
    size_t signpos = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, signpos) + std::string(n, '0') + s.substr(signpos);
  }
  return std::string(n, ' ') + s;
}

std::string intDigits(uint64_t m, int base, bool upper) {
  if (m == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (m != 0) {
    out.push_back(digits[m % static_cast<uint64_t>(base)]);
    m /= static_cast<uint64_t>(base);
  }
  return std::string(out.rbegin(), out.rend());
}

std::string formatInt(const Arg& a, char verb, const Spec& sp) {
  bool neg;
  std::string digits;
  if (a.kind == ArgKind::Big) {
    neg = a.big.isNegative();
    std::string t = a.big.toString();
    if (neg) t.erase(0, 1);
    if (verb == 'd' || verb == 'v' || verb == 's') {
      digits = t;
    } else {
      // Convert decimal text to another base via repeated division.
      BigInt m = neg ? a.big.negated() : a.big;
      int base = verb == 'x' || verb == 'X' ? 16 : (verb == 'o' ? 8 : 2);
      BigInt b(base);
      std::string out;
      while (!m.isZero()) {
        BigInt q, r;
        BigInt::divMod(m, b, &q, &r);
        int64_t d = r.toInt64().value_or(0);
        out.push_back((verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef")[d]);
        m = q;
      }
      digits = out.empty() ? "0" : std::string(out.rbegin(), out.rend());
    }
  } else {
    neg = a.i < 0;
    uint64_t m = neg ? (~static_cast<uint64_t>(a.i) + 1) : static_cast<uint64_t>(a.i);
    int base = 10;
    if (verb == 'x' || verb == 'X') base = 16;
    if (verb == 'o' || verb == 'O') base = 8;
    if (verb == 'b') base = 2;
    digits = intDigits(m, base, verb == 'X');
  }
  if (sp.prec >= 0 && static_cast<int>(digits.size()) < sp.prec)
    digits = std::string(static_cast<size_t>(sp.prec) - digits.size(), '0') + digits;
  if (sp.sharp) {
    if (verb == 'x') digits = "0x" + digits;
    if (verb == 'X') digits = "0X" + digits;
    if (verb == 'o' && digits[0] != '0') digits = "0" + digits;
    if (verb == 'b') digits = "0b" + digits;
  }
  if (verb == 'O') digits = "0o" + digits;
  std::string sign = neg ? "-" : (sp.plus ? "+" : (sp.space ? " " : ""));
  return pad(sign + digits, sp, sp.prec < 0);
}

}  // namespace

std::string goFormatFloat(double f, char fmt, int prec) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[512];
  if (prec < 0) {
    // Shortest representation that round-trips a float64.
    int p = 1;
    for (; p <= 17; ++p) {
      std::snprintf(buf, sizeof(buf), "%.*e", p - 1, f);
      if (std::strtod(buf, nullptr) == f) break;
    }
    std::string s(buf);
    size_t e = s.find('e');
    std::string mant = s.substr(0, e);
    int exp10 = std::atoi(s.c_str() + e + 1);
    std::string digits;
    bool neg = mant[0] == '-';
    for (char c : mant) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    while (digits.size() > 1 && digits.back() == '0')
      digits.pop_back();
    std::string out = neg ? "-" : "";
    bool use_e = fmt == 'e' || (fmt == 'g' && (exp10 < -4 || exp10 >= 6));
    if (use_e) {
      out.push_back(digits[0]);
      if (digits.size() > 1) {
        out.push_back('.');
        out.append(digits, 1, std::string::npos);
      }
      out.push_back('e');
      out.push_back(exp10 < 0 ? '-' : '+');
      int ae = std::abs(exp10);
      if (ae < 10) out.push_back('0');
      out.append(std::to_string(ae));
      return out;
    }
    if (exp10 < 0) {
      out.append("0.");
      out.append(static_cast<size_t>(-exp10 - 1), '0');
      out.append(digits);
      return out;
    }
    size_t intd = static_cast<size_t>(exp10) + 1;
    if (digits.size() <= intd) {
      out.append(digits);
      out.append(intd - digits.size(), '0');
      return out;
    }
    out.append(digits, 0, intd);
    out.push_back('.');
    out.append(digits, intd, std::string::npos);
    return out;
  }
  if (fmt == 'f') {
    std::snprintf(buf, sizeof(buf), "%.*f", prec, f);
  } else if (fmt == 'e') {
    std::snprintf(buf, sizeof(buf), "%.*e", prec, f);
  } else {
    std::snprintf(buf, sizeof(buf), "%.*g", prec == 0 ? 1 : prec, f);
  }
  return buf;
}

std::string goSprintf(std::string_view format, const std::vector<Value>& values) {
  std::vector<Arg> args;
  args.reserve(values.size());
  for (const auto& v : values)
    args.push_back(toArg(v));
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Spec sp;
    while (i < format.size()) {
      char f = format[i];
      if (f == '-') {
        sp.minus = true;
      } else if (f == '+') {
        sp.plus = true;
      } else if (f == ' ') {
        sp.space = true;
      } else if (f == '0') {
        sp.zero = true;
      } else if (f == '#') {
        sp.sharp = true;
      } else {
        break;
      }
      ++i;
    }
    if (i < format.size() && format[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi].kind == ArgKind::Int && args[argi].i >= -1000000 &&
          args[argi].i <= 1000000) {
        int w = static_cast<int>(args[argi].i);
        if (w < 0) {
          sp.minus = true;
          w = -w;
        }
        sp.width = w;
      } else {
        out += "%!(BADWIDTH)";
      }
      ++argi;
    } else {
      // Go's parsenum: a number past 1e6 is "crazy long", and consumes the rest of the format.
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        if (sp.width > 1000000) {
          sp.width = -1;
          i = format.size();
          break;
        }
        sp.width = (sp.width < 0 ? 0 : sp.width) * 10 + (format[i] - '0');
        ++i;
      }
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      sp.prec = 0;
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind == ArgKind::Int && args[argi].i >= 0 &&
            args[argi].i <= 1000000) {
          sp.prec = static_cast<int>(args[argi].i);
        } else {
          sp.prec = -1;
          out += "%!(BADPREC)";
        }
        ++argi;
      } else {
        while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
          if (sp.prec > 1000000) {
            sp.prec = -1;
            i = format.size();
            break;
          }
          sp.prec = sp.prec * 10 + (format[i] - '0');
          ++i;
        }
      }
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[i++];
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out += "%!";
      out.push_back(verb);
      out += "(MISSING)";
      continue;
    }
    const Arg& a = args[argi++];
    auto bad = [&]() {
      std::string r = "%!";
      r.push_back(verb);
      r += "(";
      r += goTypeName(a);
      r += "=";
      switch (a.kind) {
        case ArgKind::Int:
          r += std::to_string(a.i);
          break;
        case ArgKind::Big:
          r += a.big.toString();
          break;
        case ArgKind::Float:
          r += goFormatFloat(a.f, 'g', -1);
          break;
        case ArgKind::String:
          r += a.s;
          break;
      }
      r += ")";
      return r;
    };
    switch (a.kind) {
      case ArgKind::Int:
      case ArgKind::Big:
        if (verb == 'd' || verb == 'v' || verb == 'x' || verb == 'X' || verb == 'o' ||
            verb == 'O' || verb == 'b' || (verb == 's' && a.kind == ArgKind::Big)) {
          out += formatInt(a, verb, sp);
        } else if (verb == 'c' && a.kind == ArgKind::Int) {
          // Go's fmtC takes the integer as a uint64, so a negative one is past U+10FFFF too.
          std::string s;
          base::appendRune(s, static_cast<uint64_t>(a.i));
          out += pad(s, sp, false);
        } else if ((verb == 'e' || verb == 'f' || verb == 'g' || verb == 'E' || verb == 'F' ||
                    verb == 'G') &&
                   a.kind == ArgKind::Int) {
          out += bad();
        } else {
          out += bad();
        }
        break;
      case ArgKind::Float: {
        std::string s;
        if (verb == 'v' || verb == 'g' || verb == 'G') {
          s = sp.prec >= 0 ? goFormatFloat(a.f, 'g', sp.prec) : goFormatFloat(a.f, 'g', -1);
        } else if (verb == 'f' || verb == 'F') {
          s = goFormatFloat(a.f, 'f', sp.prec < 0 ? 6 : sp.prec);
        } else if (verb == 'e' || verb == 'E') {
          s = goFormatFloat(a.f, 'e', sp.prec < 0 ? 6 : sp.prec);
          if (verb == 'E') {
            for (auto& ch : s)
              ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          }
        } else {
          out += bad();
          break;
        }
        if (sp.plus && !s.empty() && s[0] != '-') s = "+" + s;
        if (sp.space && !s.empty() && s[0] != '-' && s[0] != '+') s = " " + s;
        out += pad(s, sp, true);
        break;
      }
      case ArgKind::String: {
        if (verb == 's' || verb == 'v') {
          std::string s = a.s;
          if (sp.prec >= 0 && static_cast<int>(s.size()) > sp.prec)
            s = s.substr(0, static_cast<size_t>(sp.prec));
          out += pad(s, sp, false);
        } else if (verb == 'q') {
          out += pad(quoteString(a.s), sp, false);
        } else if (verb == 'x' || verb == 'X') {
          static const char* lo = "0123456789abcdef";
          static const char* up = "0123456789ABCDEF";
          std::string h;
          for (unsigned char ch : a.s) {
            h.push_back((verb == 'x' ? lo : up)[ch >> 4]);
            h.push_back((verb == 'x' ? lo : up)[ch & 0xF]);
          }
          out += pad(h, sp, false);
        } else {
          out += bad();
        }
        break;
      }
    }
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      const Arg& a = args[k];
      out += goTypeName(a);
      out += "=";
      switch (a.kind) {
        case ArgKind::Int:
          out += std::to_string(a.i);
          break;
        case ArgKind::Big:
          out += a.big.toString();
          break;
        case ArgKind::Float:
          out += goFormatFloat(a.f, 'g', -1);
          break;
        case ArgKind::String:
          out += a.s;
          break;
      }
    }
    out += ")";
  }
  return out;
}

}  // namespace meshgate::rego
