// SPDX-License-Identifier: Apache-2.0
// JsonValue: an immutable JSON document node with shared ownership, used for JWT headers,
// claims and JWK sets. Depends on base (Result, JsonWriter, and JsonReader in the .cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/json_writer.h"
#include "base/result.h"

namespace meshgate::jwt {

struct JsonParseOptions {
  /// Deepest nesting of arrays/objects accepted (a top-level array or object is depth 1).
  uint32_t max_depth = 32;
  /// Largest input accepted, in bytes.
  size_t max_bytes = 4 * 1024 * 1024;
};

/// One node of a parsed JSON document. Copying a JsonValue copies one shared_ptr: every node
/// keeps the whole document alive, so string_views and child values it hands out stay valid
/// for as long as any JsonValue of that document exists. Immutable, hence safe to share
/// between threads.
///
/// Parsing is strict: RFC 8259 JSON with valid UTF-8, and objects with duplicate member names
/// are rejected (RFC 7515 §4 and RFC 7519 §4 allow a parser to reject them, and accepting them
/// lets two parsers disagree about a claim's value).
class JsonValue {
 public:
  enum class Type : uint8_t { Null, Bool, Int, Uint, Double, String, Array, Object };

  /// JSON null.
  JsonValue() = default;

  static base::Result<JsonValue> parse(std::string_view text, const JsonParseOptions& options = {});

  Type type() const;
  bool isNull() const { return type() == Type::Null; }
  bool isBool() const { return type() == Type::Bool; }
  bool isString() const { return type() == Type::String; }
  bool isArray() const { return type() == Type::Array; }
  bool isObject() const { return type() == Type::Object; }
  /// Int (fits int64), Uint (only above INT64_MAX) or Double.
  bool isNumber() const;

  /// The boolean; false unless isBool().
  bool asBool() const;
  /// The value when it is an integer that fits int64 (JSON text without fraction/exponent).
  std::optional<int64_t> asInt64() const;
  /// Any number as a double; nullopt for non-numbers.
  std::optional<double> asDouble() const;
  /// The unescaped string; empty unless isString().
  std::string_view asString() const;

  /// Elements of an array or members of an object; 0 otherwise.
  size_t size() const;
  /// The i-th array element or object member value (i < size()).
  JsonValue at(size_t i) const;
  /// The i-th object member name (i < size()); empty for arrays.
  std::string_view keyAt(size_t i) const;
  /// The member named `key` of an object; nullopt when absent or not an object.
  std::optional<JsonValue> find(std::string_view key) const;

  /// Compact JSON text (members in document order). Numbers are re-printed in their shortest
  /// round-trip form, so 1.0 comes back as 1.
  std::string toJson() const;
  void writeTo(base::JsonWriter& writer) const;

  struct Document;

 private:
  JsonValue(std::shared_ptr<const Document> doc, uint32_t index)
      : doc_(std::move(doc)), index_(index) {}

  std::shared_ptr<const Document> doc_;
  uint32_t index_ = 0;
};

}  // namespace meshgate::jwt
