// SPDX-License-Identifier: Apache-2.0
// Claims lookups and conversions. Depends on base and jwt/json_value.
#include "jwt/claims.h"

#include "base/assert.h"
#include "base/strings.h"

namespace meshgate::jwt {

Claims::Claims(JsonValue payload) : payload_(std::move(payload)) {
  MG_ASSERT(payload_.isObject(), "JWT claims must be a JSON object");
}

std::optional<JsonValue> Claims::find(std::string_view name) const {
  return payload_.find(name);
}

std::optional<JsonValue> Claims::findPath(std::span<const std::string_view> path) const {
  JsonValue current = payload_;
  for (std::string_view segment : path) {
    auto next = current.find(segment);
    if (!next) return std::nullopt;
    current = std::move(*next);
  }
  return current;
}

std::optional<JsonValue> Claims::findDotted(std::string_view dotted) const {
  if (auto exact = payload_.find(dotted)) return exact;
  if (dotted.find('.') == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> path = base::split(dotted, '.');
  return findPath(path);
}

std::optional<std::string_view> Claims::string(std::string_view name) const {
  auto v = payload_.find(name);
  if (!v || !v->isString()) return std::nullopt;
  return v->asString();
}

std::vector<std::string_view> stringList(const JsonValue& value, SpaceDelimited split) {
  std::vector<std::string_view> out;
  if (value.isString()) {
    std::string_view s = value.asString();
    if (split == SpaceDelimited::No) {
      out.push_back(s);
      return out;
    }
    for (std::string_view word : base::split(s, ' ')) {
      if (!word.empty()) out.push_back(word);
    }
    return out;
  }
  if (value.isArray()) {
    for (size_t i = 0; i < value.size(); ++i) {
      JsonValue element = value.at(i);
      if (element.isString()) out.push_back(element.asString());
    }
  }
  return out;
}

bool isSpaceDelimitedClaim(std::string_view name, std::span<const std::string> extra) {
  for (std::string_view d : kDefaultSpaceDelimitedClaims) {
    if (d == name) return true;
  }
  for (const std::string& d : extra) {
    if (d == name) return true;
  }
  return false;
}

namespace {

std::optional<std::string> scalarText(const JsonValue& value) {
  switch (value.type()) {
    case JsonValue::Type::String:
      return std::string(value.asString());
    case JsonValue::Type::Bool:
      return std::string(value.asBool() ? "true" : "false");
    case JsonValue::Type::Int:
    case JsonValue::Type::Uint:
    case JsonValue::Type::Double:
      return value.toJson();
    default:
      return std::nullopt;
  }
}

std::optional<std::string> joinedText(const JsonValue& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    auto text = scalarText(value.at(i));
    if (!text) return std::nullopt;
    if (i > 0) out.push_back(',');
    out += *text;
  }
  return out;
}

bool isHeaderSafe(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> claimHeaderValue(const JsonValue& value) {
  std::optional<std::string> out = value.isArray() ? joinedText(value) : scalarText(value);
  if (out && !isHeaderSafe(*out)) return std::nullopt;
  return out;
}

}  // namespace meshgate::jwt
