// SPDX-License-Identifier: Apache-2.0
// Conversions: to_number.
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "rego/builtins/helpers.h"
#include "rego/builtins/registry.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

// Go's strconv.ParseFloat accepts these besides decimal literals.
bool goFloatSyntax(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') i = 1;
  if (i >= s.size()) return false;
  bool digits = false, dot = false, exp = false;
  for (; i < s.size(); ++i) {
    char ch = s[i];
    if (ch >= '0' && ch <= '9') {
      digits = true;
    } else if (ch == '_') {
      continue;
    } else if (ch == '.' && !dot && !exp) {
      dot = true;
    } else if ((ch == 'e' || ch == 'E') && digits && !exp) {
      exp = true;
      digits = false;
      if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) ++i;
    } else {
      return false;
    }
  }
  return digits;
}

Value toNumber(BuiltinContext& c, Args a) {
  const Value& v = a[0];
  switch (v.kind()) {
    case Kind::Null:
      return intValue(0);
    case Kind::Bool:
      return intValue(v.asBool() ? 1 : 0);
    case Kind::Number:
      return v;
    case Kind::String: {
      std::string s(v.asString());
      // Go's ParseFloat accepts infinities and NaN; OPA rejects them as operands.
      std::string lower;
      for (char ch : s)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      std::string_view body = lower;
      if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
      if (body == "inf" || body == "infinity" || body == "nan") {
        c.typeError("operand 1 must be a valid number string but got " + s);
        return Value();
      }
      if (!goFloatSyntax(s) || s.find('_') != std::string::npos) {
        c.builtinError("strconv.ParseFloat: parsing \"" + s + "\": invalid syntax");
        return Value();
      }
      std::string t = s[0] == '+' ? s.substr(1) : s;
      Value n = Value::numberFromText(t);
      if (n.isUndefined()) {
        c.builtinError("strconv.ParseFloat: parsing \"" + s + "\": invalid syntax");
        return Value();
      }
      return n;
    }
    default:
      return typeErr(c, 0, v, {"null", "boolean", "number", "string"});
  }
}

}  // namespace

void registerConversions(BuiltinRegistry& r) {
  r.add("to_number", 1, toNumber);
}

}  // namespace meshgate::rego
