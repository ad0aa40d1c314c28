// SPDX-License-Identifier: Apache-2.0
#include "base/json_writer.h"

#include <cmath>
#include <cstdio>

#include "base/assert.h"
#include "base/strings.h"

namespace meshgate::base {

void appendJsonEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = utf8SequenceLength(s, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    const uint64_t bit = uint64_t{1} << (depth_ - 1);
    if (needs_comma_ & bit) out_ += ',';
    needs_comma_ |= bit;
  }
}

JsonWriter& JsonWriter::beginObject() {
  separate();
  MG_ASSERT(depth_ < 64, "JSON nesting too deep for JsonWriter");
  out_ += '{';
  ++depth_;
  needs_comma_ &= ~(uint64_t{1} << (depth_ - 1));
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  MG_ASSERT(depth_ > 0 && !after_key_, "unbalanced JsonWriter::endObject");
  --depth_;
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  separate();
  MG_ASSERT(depth_ < 64, "JSON nesting too deep for JsonWriter");
  out_ += '[';
  ++depth_;
  needs_comma_ &= ~(uint64_t{1} << (depth_ - 1));
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  MG_ASSERT(depth_ > 0 && !after_key_, "unbalanced JsonWriter::endArray");
  --depth_;
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  MG_ASSERT(!after_key_, "JsonWriter: two keys in a row");
  separate();
  out_ += '"';
  appendJsonEscaped(out_, k);
  out_ += "\":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
  separate();
  out_ += '"';
  appendJsonEscaped(out_, v);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::number(int64_t v) {
  separate();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::number(uint64_t v) {
  separate();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::number(double v) {
  separate();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest text that round-trips.
  for (int prec = 1; prec <= 17; ++prec) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (std::strtod(tmp, nullptr) == v) {
      out_ += tmp;
      return *this;
    }
  }
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  separate();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace meshgate::base
