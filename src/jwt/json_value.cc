// SPDX-License-Identifier: Apache-2.0
// JsonValue: simdjson DOM → a compact immutable node array. Depends on base and simdjson.
#include "jwt/json_value.h"

#include <simdjson.h>

#include <algorithm>
#include <vector>

namespace meshgate::jwt {

// Nodes live in one vector; a container's children are contiguous, so a JsonValue is a
// document pointer plus an index. Strings and member names live in one pool.
struct JsonValue::Document {
  struct Node {
    Type type = Type::Null;
    uint32_t count = 0;  // children (array/object) or string length
    uint32_t first = 0;  // first child index (array/object) or string pool offset
    uint32_t key_offset = 0;
    uint32_t key_length = 0;
    union {
      bool b;
      int64_t i;
      uint64_t u;
      double d;
    };
    Node() : i(0) {}
  };

  std::vector<Node> nodes;
  std::string pool;

  std::string_view str(uint32_t offset, uint32_t length) const {
    return std::string_view(pool).substr(offset, length);
  }
};

namespace {

using Document = JsonValue::Document;
using Node = Document::Node;

class Builder {
 public:
  Builder(Document& doc, const JsonParseOptions& options) : doc_(doc), options_(options) {}

  base::Status fill(uint32_t index, simdjson::dom::element e, uint32_t depth) {
    if (depth > options_.max_depth) return base::Error{"JSON nesting is too deep"};
    using simdjson::dom::element_type;
    switch (e.type()) {
      case element_type::NULL_VALUE:
        doc_.nodes[index].type = JsonValue::Type::Null;
        return base::okStatus();
      case element_type::BOOL:
        doc_.nodes[index].type = JsonValue::Type::Bool;
        doc_.nodes[index].b = e.get_bool().value_unsafe();
        return base::okStatus();
      case element_type::INT64:
        doc_.nodes[index].type = JsonValue::Type::Int;
        doc_.nodes[index].i = e.get_int64().value_unsafe();
        return base::okStatus();
      case element_type::UINT64:
        doc_.nodes[index].type = JsonValue::Type::Uint;
        doc_.nodes[index].u = e.get_uint64().value_unsafe();
        return base::okStatus();
      case element_type::DOUBLE:
        doc_.nodes[index].type = JsonValue::Type::Double;
        doc_.nodes[index].d = e.get_double().value_unsafe();
        return base::okStatus();
      case element_type::STRING: {
        auto [offset, length] = intern(e.get_string().value_unsafe());
        doc_.nodes[index].type = JsonValue::Type::String;
        doc_.nodes[index].first = offset;
        doc_.nodes[index].count = length;
        return base::okStatus();
      }
      case element_type::ARRAY:
        return fillArray(index, e.get_array().value_unsafe(), depth);
      case element_type::OBJECT:
        return fillObject(index, e.get_object().value_unsafe(), depth);
    }
    return base::Error{"unknown JSON element type"};
  }

 private:
  std::pair<uint32_t, uint32_t> intern(std::string_view s) {
    auto offset = static_cast<uint32_t>(doc_.pool.size());
    doc_.pool.append(s);
    return {offset, static_cast<uint32_t>(s.size())};
  }

  uint32_t reserve(size_t count) {
    auto first = static_cast<uint32_t>(doc_.nodes.size());
    doc_.nodes.resize(doc_.nodes.size() + count);
    return first;
  }

  base::Status fillArray(uint32_t index, simdjson::dom::array array, uint32_t depth) {
    size_t count = 0;
    for (auto it = array.begin(); it != array.end(); ++it)
      ++count;
    uint32_t first = reserve(count);
    doc_.nodes[index].type = JsonValue::Type::Array;
    doc_.nodes[index].first = first;
    doc_.nodes[index].count = static_cast<uint32_t>(count);
    uint32_t i = first;
    for (simdjson::dom::element child : array) {
      MG_RETURN_IF_ERROR(fill(i++, child, depth + 1));
    }
    return base::okStatus();
  }

  base::Status fillObject(uint32_t index, simdjson::dom::object object, uint32_t depth) {
    size_t count = 0;
    for (auto it = object.begin(); it != object.end(); ++it)
      ++count;
    uint32_t first = reserve(count);
    doc_.nodes[index].type = JsonValue::Type::Object;
    doc_.nodes[index].first = first;
    doc_.nodes[index].count = static_cast<uint32_t>(count);
    uint32_t i = first;
    for (simdjson::dom::key_value_pair field : object) {
      auto [offset, length] = intern(field.key);
      doc_.nodes[i].key_offset = offset;
      doc_.nodes[i].key_length = length;
      MG_RETURN_IF_ERROR(fill(i++, field.value, depth + 1));
    }
    return checkUniqueKeys(first, static_cast<uint32_t>(count));
  }

  base::Status checkUniqueKeys(uint32_t first, uint32_t count) {
    auto key = [&](uint32_t i) {
      return doc_.str(doc_.nodes[i].key_offset, doc_.nodes[i].key_length);
    };
    // Claims objects are small: a quadratic scan beats sorting until a few dozen members.
    if (count <= 32) {
      for (uint32_t a = first; a < first + count; ++a) {
        for (uint32_t b = a + 1; b < first + count; ++b) {
          if (key(a) == key(b)) return base::Error{"duplicate JSON member name"};
        }
      }
      return base::okStatus();
    }
    std::vector<std::string_view> keys;
    keys.reserve(count);
    for (uint32_t a = first; a < first + count; ++a)
      keys.push_back(key(a));
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
      return base::Error{"duplicate JSON member name"};
    }
    return base::okStatus();
  }

  Document& doc_;
  const JsonParseOptions& options_;
};

}  // namespace

base::Result<JsonValue> JsonValue::parse(std::string_view text, const JsonParseOptions& options) {
  if (text.size() > options.max_bytes) return base::Error{"JSON text is too large"};
  // One parser per thread: its buffers are reused across calls, and workers never share it.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto error = parser.parse(text.data(), text.size(), true).get(root);
  if (error) return base::Error{std::string("invalid JSON: ") + simdjson::error_message(error)};
  auto doc = std::make_shared<Document>();
  doc->nodes.reserve(16);
  doc->pool.reserve(text.size());
  doc->nodes.resize(1);
  Builder builder(*doc, options);
  MG_RETURN_IF_ERROR(builder.fill(0, root, 1));
  if (doc->pool.size() > UINT32_MAX || doc->nodes.size() > UINT32_MAX) {
    return base::Error{"JSON text is too large"};
  }
  return JsonValue(std::move(doc), 0);
}

JsonValue::Type JsonValue::type() const {
  return doc_ ? doc_->nodes[index_].type : Type::Null;
}

bool JsonValue::isNumber() const {
  Type t = type();
  return t == Type::Int || t == Type::Uint || t == Type::Double;
}

bool JsonValue::asBool() const {
  return isBool() && doc_->nodes[index_].b;
}

std::optional<int64_t> JsonValue::asInt64() const {
  if (type() != Type::Int) return std::nullopt;
  return doc_->nodes[index_].i;
}

std::optional<double> JsonValue::asDouble() const {
  switch (type()) {
    case Type::Int:
      return static_cast<double>(doc_->nodes[index_].i);
    case Type::Uint:
      return static_cast<double>(doc_->nodes[index_].u);
    case Type::Double:
      return doc_->nodes[index_].d;
    default:
      return std::nullopt;
  }
}

std::string_view JsonValue::asString() const {
  if (!isString()) return {};
  const Node& n = doc_->nodes[index_];
  return doc_->str(n.first, n.count);
}

size_t JsonValue::size() const {
  Type t = type();
  return (t == Type::Array || t == Type::Object) ? doc_->nodes[index_].count : 0;
}

JsonValue JsonValue::at(size_t i) const {
  MG_ASSERT(i < size(), "JsonValue::at out of range");
  return JsonValue(doc_, doc_->nodes[index_].first + static_cast<uint32_t>(i));
}

std::string_view JsonValue::keyAt(size_t i) const {
  MG_ASSERT(i < size(), "JsonValue::keyAt out of range");
  if (!isObject()) return {};
  const Node& n = doc_->nodes[doc_->nodes[index_].first + i];
  return doc_->str(n.key_offset, n.key_length);
}

std::optional<JsonValue> JsonValue::find(std::string_view key) const {
  if (!isObject()) return std::nullopt;
  const Node& obj = doc_->nodes[index_];
  for (uint32_t i = obj.first; i < obj.first + obj.count; ++i) {
    const Node& n = doc_->nodes[i];
    if (doc_->str(n.key_offset, n.key_length) == key) return JsonValue(doc_, i);
  }
  return std::nullopt;
}

void JsonValue::writeTo(base::JsonWriter& w) const {
  switch (type()) {
    case Type::Null:
      w.null();
      return;
    case Type::Bool:
      w.boolean(asBool());
      return;
    case Type::Int:
      w.number(doc_->nodes[index_].i);
      return;
    case Type::Uint:
      w.number(doc_->nodes[index_].u);
      return;
    case Type::Double:
      w.number(doc_->nodes[index_].d);
      return;
    case Type::String:
      w.string(asString());
      return;
    case Type::Array:
      w.beginArray();
      for (size_t i = 0; i < size(); ++i)
        at(i).writeTo(w);
      w.endArray();
      return;
    case Type::Object:
      w.beginObject();
      for (size_t i = 0; i < size(); ++i) {
        w.key(keyAt(i));
        at(i).writeTo(w);
      }
      w.endObject();
      return;
  }
}

std::string JsonValue::toJson() const {
  std::string out;
  base::JsonWriter w(out);
  writeTo(w);
  return out;
}

}  // namespace meshgate::jwt
