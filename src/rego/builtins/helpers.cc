// SPDX-License-Identifier: Apache-2.0
#include "rego/builtins/helpers.h"

namespace meshgate::rego {

std::string operandTypeMessage(size_t pos, const Value& got,
                               std::initializer_list<std::string_view> expected) {
  std::string out = "operand " + std::to_string(pos) + " must be ";
  if (expected.size() == 1) {
    out += *expected.begin();
  } else {
    out += "one of {";
    bool first = true;
    for (auto e : expected) {
      if (!first) out += ", ";
      first = false;
      out += e;
    }
    out += "}";
  }
  out += " but got ";
  out += typeName(got);
  return out;
}

Value typeErr(BuiltinContext& c, size_t index, const Value& got,
              std::initializer_list<std::string_view> expected) {
  c.typeError(operandTypeMessage(index + 1, got, expected));
  return Value();
}

bool argString(BuiltinContext& c, Args a, size_t i, std::string_view* out) {
  if (!a[i].isString()) {
    typeErr(c, i, a[i], {"string"});
    return false;
  }
  *out = a[i].asString();
  return true;
}

bool argNumber(BuiltinContext& c, Args a, size_t i) {
  if (!a[i].isNumber()) {
    typeErr(c, i, a[i], {"number"});
    return false;
  }
  return true;
}

bool argInt(BuiltinContext& c, Args a, size_t i, int64_t* out) {
  if (!a[i].isNumber()) {
    typeErr(c, i, a[i], {"number"});
    return false;
  }
  if (!a[i].toInt64(out)) {
    c.typeError("operand " + std::to_string(i + 1) +
                " must be integer number but got floating-point number");
    return false;
  }
  return true;
}

bool argArray(BuiltinContext& c, Args a, size_t i) {
  if (!a[i].isArray()) {
    typeErr(c, i, a[i], {"array"});
    return false;
  }
  return true;
}

bool argSet(BuiltinContext& c, Args a, size_t i) {
  if (!a[i].isSet()) {
    typeErr(c, i, a[i], {"set"});
    return false;
  }
  return true;
}

bool argObject(BuiltinContext& c, Args a, size_t i) {
  if (!a[i].isObject()) {
    typeErr(c, i, a[i], {"object"});
    return false;
  }
  return true;
}

bool argBool(BuiltinContext& c, Args a, size_t i) {
  if (!a[i].isBool()) {
    typeErr(c, i, a[i], {"boolean"});
    return false;
  }
  return true;
}

std::u32string utf8Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 4;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (i + n > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = true;
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok || (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string utf8Encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s)
    appendUtf8(out, cp);
  return out;
}

size_t utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

Value boolValue(bool b) {
  return Value::boolean(b);
}
Value intValue(int64_t i) {
  return Value::integer(i);
}
Value strValue(std::string_view s) {
  return Value::string(s);
}

}  // namespace meshgate::rego
