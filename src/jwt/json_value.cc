// SPDX-License-Identifier: Apache-2.0
// JsonValue: JSON events (base/json_reader) → a compact immutable node array. Depends on base.
#include "jwt/json_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <tuple>
#include <vector>

#include "base/json_reader.h"

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

// JSON events → nodes. Values collect on a scratch stack; when a container ends, its
// children move to the end of doc.nodes as one contiguous block, and the container becomes
// one scratch node pointing at that block. The root ends up alone on the stack: nodes[0].
class Builder final : public base::JsonHandler {
 public:
  struct Frame {
    size_t start;  // first child on the scratch stack
    uint32_t key_offset;
    uint32_t key_length;
  };
  // The stacks, kept per thread across documents (tokens are parsed per request).
  struct Scratch {
    std::vector<Node> nodes;
    std::vector<Frame> frames;
  };

  Builder(Document& doc, Scratch& scratch)
      : doc_(doc), scratch_(scratch.nodes), frames_(scratch.frames) {
    scratch_.clear();
    frames_.clear();
  }
  ~Builder() {
    if (scratch_.capacity() > 4096) std::vector<Node>().swap(scratch_);
    if (frames_.capacity() > 4096) std::vector<Frame>().swap(frames_);
  }

  /// The root, once the reader is done.
  void finish() { doc_.nodes[0] = scratch_.back(); }

  bool null() override { return push(JsonValue::Type::Null); }
  bool boolean(bool b) override {
    push(JsonValue::Type::Bool);
    scratch_.back().b = b;
    return true;
  }
  bool number(std::string_view text) override {
    const char* end = text.data() + text.size();
    Node n;
    if (text.find_first_of(".eE") == std::string_view::npos) {
      if (std::from_chars(text.data(), end, n.i).ec == std::errc()) {
        n.type = JsonValue::Type::Int;
      } else if (text[0] != '-' && std::from_chars(text.data(), end, n.u).ec == std::errc()) {
        n.type = JsonValue::Type::Uint;
      } else {
        return fail(base::Error{"JSON integer out of range: " + std::string(text)});
      }
    } else {
      n.type = JsonValue::Type::Double;
      if (std::from_chars(text.data(), end, n.d).ec != std::errc()) {
        // Out of range: an underflow reads as 0 (or a subnormal), an overflow is refused.
        n.d = std::strtod(std::string(text).c_str(), nullptr);
        if (std::isinf(n.d))
          return fail(base::Error{"JSON number out of range: " + std::string(text)});
      }
    }
    return push(n);
  }
  bool string(std::string_view s) override {
    auto [offset, length] = intern(s);
    push(JsonValue::Type::String);
    scratch_.back().first = offset;
    scratch_.back().count = length;
    return true;
  }
  bool key(std::string_view k) override {
    std::tie(key_offset_, key_length_) = intern(k);
    return true;
  }
  bool beginObject() override { return open(); }
  bool beginArray() override { return open(); }
  bool endObject() override {
    uint32_t first = close(JsonValue::Type::Object);
    return checkUniqueKeys(first, scratch_.back().count);
  }
  bool endArray() override {
    close(JsonValue::Type::Array);
    return true;
  }

 private:
  std::pair<uint32_t, uint32_t> intern(std::string_view s) {
    auto offset = static_cast<uint32_t>(doc_.pool.size());
    doc_.pool.append(s);
    return {offset, static_cast<uint32_t>(s.size())};
  }

  // A value's node carries the member name it follows (if any).
  bool push(Node n) {
    n.key_offset = key_offset_;
    n.key_length = key_length_;
    key_offset_ = key_length_ = 0;
    scratch_.push_back(n);
    return true;
  }
  bool push(JsonValue::Type type) {
    Node n;
    n.type = type;
    return push(n);
  }
  bool open() {
    frames_.push_back({scratch_.size(), key_offset_, key_length_});
    key_offset_ = key_length_ = 0;
    return true;
  }
  // Moves the container's children to doc.nodes; returns the index of the first.
  uint32_t close(JsonValue::Type type) {
    Frame frame = frames_.back();
    frames_.pop_back();
    auto first = static_cast<uint32_t>(doc_.nodes.size());
    auto count = static_cast<uint32_t>(scratch_.size() - frame.start);
    doc_.nodes.insert(doc_.nodes.end(), scratch_.begin() + static_cast<ptrdiff_t>(frame.start),
                      scratch_.end());
    scratch_.resize(frame.start);
    Node n;
    n.type = type;
    n.first = first;
    n.count = count;
    key_offset_ = frame.key_offset;
    key_length_ = frame.key_length;
    push(n);
    return first;
  }

  bool checkUniqueKeys(uint32_t first, uint32_t count) {
    auto key = [&](uint32_t i) {
      return doc_.str(doc_.nodes[i].key_offset, doc_.nodes[i].key_length);
    };
    // Claims objects are small: a quadratic scan beats sorting until a few dozen members.
    if (count <= 32) {
      for (uint32_t a = first; a < first + count; ++a) {
        for (uint32_t b = a + 1; b < first + count; ++b) {
          if (key(a) == key(b)) return fail(base::Error{"duplicate JSON member name"});
        }
      }
      return true;
    }
    std::vector<std::string_view> keys;
    keys.reserve(count);
    for (uint32_t a = first; a < first + count; ++a)
      keys.push_back(key(a));
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
      return fail(base::Error{"duplicate JSON member name"});
    }
    return true;
  }

  Document& doc_;
  std::vector<Node>& scratch_;
  std::vector<Frame>& frames_;
  uint32_t key_offset_ = 0;
  uint32_t key_length_ = 0;
};

}  // namespace

base::Result<JsonValue> JsonValue::parse(std::string_view text, const JsonParseOptions& options) {
  if (text.size() > options.max_bytes) return base::Error{"JSON text is too large"};
  auto doc = std::make_shared<Document>();
  doc->nodes.reserve(16);
  doc->pool.reserve(text.size());
  doc->nodes.resize(1);
  thread_local Builder::Scratch scratch;
  Builder builder(*doc, scratch);
  base::JsonReadOptions read_options;
  read_options.max_depth = options.max_depth;
  MG_RETURN_IF_ERROR(base::readJson(text, builder, read_options));
  builder.finish();
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
