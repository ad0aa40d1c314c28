// SPDX-License-Identifier: Apache-2.0
// Rego values: immutable, shared, tagged. Undefined is a real state, not an
// exception. Depends on std only (plus bigint.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rego/value/bigint.h"

namespace meshgate::rego {

/// Kinds in OPA's sort order (null < boolean < number < string < array <
/// object < set); Undefined sorts first and never appears inside a collection.
enum class Kind : uint8_t { Undefined = 0, Null, Bool, Number, String, Array, Object, Set };

/// How a number is held: an int64, an arbitrary-precision integer, or a
/// floating-point number with a 64-bit mantissa (as OPA's big.Float).
enum class NumRep : uint8_t { Int = 0, Big, Float };

class Value;
class ValueArena;
struct ObjectEntry;

namespace detail {
constexpr uint32_t kImmortal = 0xFFFFFFFFu;
struct HeapNode {
  HeapNode(Kind k, uint8_t s) : kind(k), sub(s) {}
  mutable std::atomic<uint32_t> refs{1};
  Kind kind;
  uint8_t sub;           // NumRep for numbers
  uint8_t in_arena = 0;  // 1: lives in a ValueArena (refs is kImmortal)
};
}  // namespace detail

/// A Rego value. Copying shares the underlying storage (atomic reference
/// count), so values may be passed between threads freely once built.
/// 16 bytes; strings up to 14 bytes are stored inline.
class Value {
 public:
  Value() noexcept { std::memset(raw_, 0, sizeof(raw_)); }
  Value(const Value& o) noexcept {
    std::memcpy(raw_, o.raw_, sizeof(raw_));
    retain();
  }
  Value(Value&& o) noexcept {
    std::memcpy(raw_, o.raw_, sizeof(raw_));
    std::memset(o.raw_, 0, sizeof(raw_));
  }
  // Copy-and-swap: `o` may live inside the value being replaced
  // (v = v.items()[0]), so it is copied before anything is released.
  Value& operator=(const Value& o) noexcept {
    if (!isHeap() && !o.isHeap()) {
      std::memcpy(raw_, o.raw_, sizeof(raw_));
      return *this;
    }
    Value tmp(o);
    swap(tmp);
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    Value tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  void swap(Value& o) noexcept {
    alignas(8) unsigned char t[16];
    std::memcpy(t, raw_, sizeof(raw_));
    std::memcpy(raw_, o.raw_, sizeof(raw_));
    std::memcpy(o.raw_, t, sizeof(raw_));
  }
  ~Value() { release(); }

  // Construction.
  static Value undefined() { return Value(); }
  static Value null();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value bigInt(BigInt b);  // normalised to an int64 when it fits
  /// A floating-point number; `text` is its literal spelling when it came from
  /// source or JSON (kept so that output shows numbers as written).
  static Value floating(long double f, std::string text = {});
  /// Parses a JSON/Rego number literal. Returns Undefined on malformed text.
  static Value numberFromText(std::string_view text);
  static Value string(std::string_view s);
  static Value array(std::vector<Value> items);
  /// Sorts and removes duplicates.
  static Value set(std::vector<Value> items);
  /// Sorts by key; for duplicate keys the last entry wins.
  static Value object(std::vector<ObjectEntry> entries);
  /// For entries already sorted by key and unique (no check beyond MG_ASSERT in debug).
  static Value objectSorted(std::vector<ObjectEntry> entries);
  static Value setSorted(std::vector<Value> items);
  static Value emptyArray();
  static Value emptySet();
  static Value emptyObject();

  // Inspection.
  Kind kind() const { return static_cast<Kind>(raw_[0] & kKindMask); }
  bool isUndefined() const { return kind() == Kind::Undefined; }
  bool isDefined() const { return kind() != Kind::Undefined; }
  bool isNull() const { return kind() == Kind::Null; }
  bool isBool() const { return kind() == Kind::Bool; }
  bool isNumber() const { return kind() == Kind::Number; }
  bool isString() const { return kind() == Kind::String; }
  bool isArray() const { return kind() == Kind::Array; }
  bool isSet() const { return kind() == Kind::Set; }
  bool isObject() const { return kind() == Kind::Object; }
  bool isCollection() const { return kind() >= Kind::Array; }
  bool isTrue() const { return isBool() && raw_[1] != 0; }
  bool isFalse() const { return isBool() && raw_[1] == 0; }

  bool asBool() const { return raw_[1] != 0; }
  NumRep numRep() const { return static_cast<NumRep>(raw_[1]); }
  /// Valid when numRep() == Int.
  int64_t asInt() const {
    int64_t v;
    std::memcpy(&v, raw_ + 8, sizeof(v));
    return v;
  }
  const BigInt& asBig() const;
  long double asFloat() const;
  /// The literal text of a Float (may be empty).
  const std::string& floatText() const;
  /// Any number as a long double.
  long double toLongDouble() const;
  /// True for Int/Big, and for Floats with no fractional part.
  bool isIntegral() const;
  /// The integer value when it is integral and fits an int64.
  bool toInt64(int64_t* out) const;

  std::string_view asString() const {
    if (raw_[1] == kHeapString) return heapString();
    return std::string_view(reinterpret_cast<const char*>(raw_ + 2), raw_[1]);
  }

  /// Arrays and sets.
  const std::vector<Value>& items() const;
  /// Objects, sorted by key.
  const std::vector<ObjectEntry>& entries() const;
  /// Element count of a collection, byte length of a string, else 0.
  size_t size() const;

  /// Object lookup by key, array lookup by integral number, set membership
  /// (returns the element). nullptr when absent.
  const Value* get(const Value& key) const;
  /// Object lookup by string key.
  const Value* field(std::string_view key) const;
  bool contains(const Value& element) const { return get(element) != nullptr; }

  /// OPA's total order over values (ast.Compare).
  friend int compare(const Value& a, const Value& b);
  friend bool operator==(const Value& a, const Value& b) { return compare(a, b) == 0; }
  friend bool operator!=(const Value& a, const Value& b) { return compare(a, b) != 0; }
  friend bool operator<(const Value& a, const Value& b) { return compare(a, b) < 0; }

  /// A hash consistent with operator== (numbers hash by value).
  size_t hash() const;

  /// Marks this value and everything it references as never freed through
  /// reference counting. Used for process-lifetime constants only.
  void makeImmortal() const;

 private:
  friend class ValueAccess;
  friend class ValueArena;
  friend bool refersToArena(const Value& v);
  detail::HeapNode* node() const {
    detail::HeapNode* p;
    std::memcpy(&p, raw_ + 8, sizeof(p));
    return p;
  }
  // Whether raw_ + 8 points to a node: one bit beside the kind, since
  // copying and dropping values asks it every time.
  bool isHeap() const { return (raw_[0] & kHeapBit) != 0; }
  void setNode(Kind k, uint8_t aux, detail::HeapNode* n) {
    std::memset(raw_, 0, sizeof(raw_));
    raw_[0] = static_cast<unsigned char>(static_cast<unsigned char>(k) | kHeapBit);
    raw_[1] = aux;
    std::memcpy(raw_ + 8, &n, sizeof(n));
  }
  void retain() const {
    if (!isHeap()) return;
    auto* n = node();
    if (n->refs.load(std::memory_order_relaxed) != detail::kImmortal)
      n->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() {
    if (!isHeap()) return;
    auto* n = node();
    if (n->refs.load(std::memory_order_relaxed) == detail::kImmortal) return;
    if (n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(n);
  }
  static void destroy(detail::HeapNode* n);
  // compare() of two strings that are both inline.
  static int compareInline(const Value& a, const Value& b);
  std::string_view heapString() const;

  static constexpr uint8_t kHeapString = 0xFF;
  static constexpr uint8_t kHeapBit = 0x80;
  static constexpr uint8_t kKindMask = 0x7F;
  static constexpr size_t kInlineString = 14;
  alignas(8) unsigned char raw_[16];
};

struct ObjectEntry {
  Value key;
  Value value;
};

/// Builds an object incrementally; detects conflicting values for one key.
class ObjectBuilder {
 public:
  ObjectBuilder();
  ~ObjectBuilder();
  ObjectBuilder(ObjectBuilder&&) noexcept;
  ObjectBuilder& operator=(ObjectBuilder&&) noexcept;
  void reserve(size_t n) { entries_.reserve(n); }
  /// Adds key→value. Returns false when the key is already present with a
  /// different value (an OPA conflict); the first value is kept.
  bool insert(Value key, Value value);
  /// Adds or replaces.
  void put(Value key, Value value);
  const Value* find(const Value& key) const;
  size_t size() const { return entries_.size(); }
  Value build();

 private:
  struct Index;
  Value* findMutable(const Value& key);
  void append(Value key, Value value);
  std::vector<ObjectEntry> entries_;
  Index* index_ = nullptr;  // built once the object grows past a few keys
};

/// Builds a set incrementally (deduplicated at build()).
class SetBuilder {
 public:
  void reserve(size_t n) { items_.reserve(n); }
  void add(Value v) { items_.push_back(std::move(v)); }
  size_t size() const { return items_.size(); }
  Value build() { return Value::set(std::move(items_)); }

 private:
  std::vector<Value> items_;
};

/// Compares numbers only (both must be numbers).
int compareNumbers(const Value& a, const Value& b);

/// OPA's type name of a value: "null", "boolean", "number", "string", "array",
/// "object", "set" ("undefined" for Undefined).
std::string_view typeName(const Value& v);

}  // namespace meshgate::rego
