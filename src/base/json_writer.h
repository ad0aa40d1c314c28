// SPDX-License-Identifier: Apache-2.0
// A streaming JSON writer for logs, events and dumps: no DOM, no allocation beyond
// the output string. Depends on std only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace meshgate::base {

/// Appends `s` to `out` as a JSON string body (no quotes), escaping per RFC 8259.
/// Invalid UTF-8 bytes are replaced with U+FFFD so that the output stays valid JSON.
void appendJsonEscaped(std::string& out, std::string_view s);

/// Builds one JSON value into a string. Commas are inserted automatically.
/// Misuse (a key outside an object, unbalanced end) is a bug and asserts.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& number(int64_t v);
  JsonWriter& number(uint64_t v);
  JsonWriter& number(int v) { return number(static_cast<int64_t>(v)); }
  JsonWriter& number(double v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  /// Inserts already-serialized JSON verbatim.
  JsonWriter& raw(std::string_view json);

  /// key(k) followed by the value.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  JsonWriter& value(std::string_view v) { return string(v); }
  JsonWriter& value(const std::string& v) { return string(v); }
  JsonWriter& value(const char* v) { return string(v); }
  JsonWriter& value(bool v) { return boolean(v); }
  JsonWriter& value(double v) { return number(v); }
  JsonWriter& value(int v) { return number(static_cast<int64_t>(v)); }
  JsonWriter& value(int64_t v) { return number(v); }
  JsonWriter& value(uint64_t v) { return number(v); }
  JsonWriter& value(uint32_t v) { return number(static_cast<uint64_t>(v)); }
  void separate();

  std::string& out_;
  // One bit per nesting level: 1 when the next element needs a comma.
  uint64_t needs_comma_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace meshgate::base
