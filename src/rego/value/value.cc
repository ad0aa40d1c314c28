// SPDX-License-Identifier: Apache-2.0
#include "rego/value/value.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <new>
#include <unordered_map>

#include "base/assert.h"
#include "base/small.h"
#include "rego/value/arena.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define MG_ARENA_ASAN 1
#endif
#endif

namespace meshgate::rego {
namespace {

// A string's bytes follow its node in one allocation (a std::string member
// would allocate again for anything longer than its 15-byte buffer).
struct StringNode : detail::HeapNode {
  explicit StringNode(size_t n) : HeapNode(Kind::String, 0), size(n) {}
  static StringNode* make(std::string_view s) {
    void* mem = ::operator new(sizeof(StringNode) + s.size());
    auto* node = new (mem) StringNode(s.size());
    if (!s.empty()) std::memcpy(node->bytes(), s.data(), s.size());
    return node;
  }
  static void free(StringNode* n) {
    n->~StringNode();
    ::operator delete(n);
  }
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  size_t size;
};
struct BigNode : detail::HeapNode {
  explicit BigNode(BigInt b)
      : HeapNode(Kind::Number, static_cast<uint8_t>(NumRep::Big)), big(std::move(b)) {}
  BigInt big;
};
struct FloatNode : detail::HeapNode {
  FloatNode(long double v, std::string t)
      : HeapNode(Kind::Number, static_cast<uint8_t>(NumRep::Float)), f(v), text(std::move(t)) {}
  long double f;
  std::string text;
};
struct ListNode : detail::HeapNode {
  ListNode(Kind k, std::vector<Value> v) : HeapNode(k, 0), items(std::move(v)) {}
  std::vector<Value> items;
};
struct ObjectNode : detail::HeapNode {
  explicit ObjectNode(std::vector<ObjectEntry> e)
      : HeapNode(Kind::Object, 0), entries(std::move(e)) {}
  std::vector<ObjectEntry> entries;
};

const std::string kEmptyString;
const std::vector<Value> kEmptyItems;
const std::vector<ObjectEntry> kEmptyEntries;

// string_view::compare for the short keys of objects: eight bytes at a time
// (compared as big-endian words, which orders them as bytes), then byte by
// byte, beats a call to memcmp; longer strings go to memcmp.
int compareBytes(std::string_view a, std::string_view b) {
  static_assert(std::endian::native == std::endian::little);
  size_t n = std::min(a.size(), b.size());
  if (n > 32) {
    int c = std::memcmp(a.data(), b.data(), n);
    if (c != 0) return c < 0 ? -1 : 1;
  } else {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    for (; i < n; ++i) {
      auto x = static_cast<unsigned char>(a[i]);
      auto y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y ? -1 : 1;
    }
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// a == b for short strings: the length first, then eight bytes at a time.
bool equalBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n > 32) return std::memcmp(a.data(), b.data(), n) == 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Objects up to this size are searched by scanning rather than bisecting.
constexpr size_t kScanEntries = 8;

bool entryLess(const ObjectEntry& a, const ObjectEntry& b) {
  return compare(a.key, b.key) < 0;
}

// Lookups binary-search the keys: a caller that claims an order it does not
// have would get wrong answers, not an error (checked in debug builds only:
// the check costs as much as building a small object).
void checkSorted(const std::vector<ObjectEntry>& entries) {
#if MG_DEBUG_CHECKS
  MG_ASSERT(std::adjacent_find(entries.begin(), entries.end(),
                               [](const ObjectEntry& a, const ObjectEntry& b) {
                                 return compare(a.key, b.key) >= 0;
                               }) == entries.end(),
            "objectSorted: entries not sorted by key or not unique");
#else
  (void)entries;
#endif
}

Value makeImmortalValue(Value v) {
  v.makeImmortal();
  return v;
}

}  // namespace

void Value::destroy(detail::HeapNode* n) {
  switch (n->kind) {
    case Kind::String:
      StringNode::free(static_cast<StringNode*>(n));
      return;
    case Kind::Number:
      if (n->sub == static_cast<uint8_t>(NumRep::Big)) {
        delete static_cast<BigNode*>(n);
      } else {
        delete static_cast<FloatNode*>(n);
      }
      return;
    case Kind::Array:
    case Kind::Set:
      delete static_cast<ListNode*>(n);
      return;
    case Kind::Object:
      delete static_cast<ObjectNode*>(n);
      return;
    default:
      MG_BUG("rego value: destroying a node of unknown kind");
      return;
  }
}

Value Value::null() {
  Value v;
  v.raw_[0] = static_cast<unsigned char>(Kind::Null);
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.raw_[0] = static_cast<unsigned char>(Kind::Bool);
  v.raw_[1] = b ? 1 : 0;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.raw_[0] = static_cast<unsigned char>(Kind::Number);
  v.raw_[1] = static_cast<unsigned char>(NumRep::Int);
  std::memcpy(v.raw_ + 8, &i, sizeof(i));
  return v;
}

Value Value::bigInt(BigInt b) {
  if (auto i = b.toInt64()) return integer(*i);
  Value v;
  v.setNode(Kind::Number, static_cast<uint8_t>(NumRep::Big), new BigNode(std::move(b)));
  return v;
}

Value Value::floating(long double f, std::string text) {
  Value v;
  v.setNode(Kind::Number, static_cast<uint8_t>(NumRep::Float), new FloatNode(f, std::move(text)));
  return v;
}

Value Value::numberFromText(std::string_view text) {
  if (text.empty()) return Value();
  bool integral = true;
  size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i >= text.size()) return Value();
  for (size_t j = i; j < text.size(); ++j) {
    char c = text[j];
    if (c >= '0' && c <= '9') continue;
    if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
      integral = false;
      continue;
    }
    return Value();
  }
  if (integral) {
    auto b = BigInt::parse(text);
    if (!b) return Value();
    return bigInt(std::move(*b));
  }
  std::string owned(text);
  char* end = nullptr;
  errno = 0;
  long double f = std::strtold(owned.c_str(), &end);
  if (end != owned.c_str() + owned.size()) return Value();
  if (!std::isfinite(f)) return Value();
  return floating(f, std::move(owned));
}

Value Value::string(std::string_view s) {
  Value v;
  if (s.size() <= kInlineString) {
    v.raw_[0] = static_cast<unsigned char>(Kind::String);
    v.raw_[1] = static_cast<unsigned char>(s.size());
    if (!s.empty()) std::memcpy(v.raw_ + 2, s.data(), s.size());
    return v;
  }
  v.setNode(Kind::String, kHeapString, StringNode::make(s));
  return v;
}

Value Value::array(std::vector<Value> items) {
  if (items.empty()) return emptyArray();
  Value v;
  v.setNode(Kind::Array, 0, new ListNode(Kind::Array, std::move(items)));
  return v;
}

Value Value::set(std::vector<Value> items) {
  if (items.empty()) return emptySet();
  // Small sets (a partial rule's, per evaluation) by insertion, dropping a duplicate when it
  // meets its equal: one comparison pass instead of a sort and a second pass for unique.
  // Of equal elements the first is kept, as the stable insertion sort below 16 elements
  // and std::unique did.
  if (items.size() <= 16) {
    size_t out = 0;  // items[0, out) sorted and unique
    for (size_t i = 0; i < items.size(); ++i) {
      size_t j = out;
      int c = 1;
      while (j > 0 && (c = compare(items[j - 1], items[i])) > 0)
        --j;
      if (j > 0 && c == 0) continue;
      if (j == out) {
        if (out != i) items[out] = std::move(items[i]);
      } else {
        Value v = std::move(items[i]);
        for (size_t k = out; k > j; --k)
          items[k] = std::move(items[k - 1]);
        items[j] = std::move(v);
      }
      ++out;
    }
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(out), items.end());
    return setSorted(std::move(items));
  }
  std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return a < b; });
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return setSorted(std::move(items));
}

Value Value::setSorted(std::vector<Value> items) {
  if (items.empty()) return emptySet();
  Value v;
  v.setNode(Kind::Set, 0, new ListNode(Kind::Set, std::move(items)));
  return v;
}

Value Value::object(std::vector<ObjectEntry> entries) {
  if (entries.empty()) return emptyObject();
  // Objects are mostly small and often built in key order: check first, and
  // sort without stable_sort's buffer when they are small.
  bool sorted_unique = true;
  for (size_t i = 1; i < entries.size(); ++i) {
    if (compare(entries[i - 1].key, entries[i].key) >= 0) {
      sorted_unique = false;
      break;
    }
  }
  if (sorted_unique) return objectSorted(std::move(entries));
  base::stableSortSmall(entries.begin(), entries.end(), entryLess);
  // Keep the last of equal keys (the sort is stable), compacting in place.
  size_t out = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (out > 0 && entries[out - 1].key == entries[i].key) {
      entries[out - 1].value = std::move(entries[i].value);
    } else {
      if (out != i) entries[out] = std::move(entries[i]);
      ++out;
    }
  }
  entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(out), entries.end());
  return objectSorted(std::move(entries));
}

Value Value::objectSorted(std::vector<ObjectEntry> entries) {
  if (entries.empty()) return emptyObject();
  checkSorted(entries);
  Value v;
  v.setNode(Kind::Object, 0, new ObjectNode(std::move(entries)));
  return v;
}

Value Value::emptyArray() {
  static const Value kEmpty = [] {
    Value v;
    v.setNode(Kind::Array, 0, new ListNode(Kind::Array, {}));
    return makeImmortalValue(v);
  }();
  return kEmpty;
}

Value Value::emptySet() {
  static const Value kEmpty = [] {
    Value v;
    v.setNode(Kind::Set, 0, new ListNode(Kind::Set, {}));
    return makeImmortalValue(v);
  }();
  return kEmpty;
}

Value Value::emptyObject() {
  static const Value kEmpty = [] {
    Value v;
    v.setNode(Kind::Object, 0, new ObjectNode({}));
    return makeImmortalValue(v);
  }();
  return kEmpty;
}

const BigInt& Value::asBig() const {
  return static_cast<const BigNode*>(node())->big;
}

long double Value::asFloat() const {
  return static_cast<const FloatNode*>(node())->f;
}

const std::string& Value::floatText() const {
  if (kind() != Kind::Number || numRep() != NumRep::Float) return kEmptyString;
  return static_cast<const FloatNode*>(node())->text;
}

long double Value::toLongDouble() const {
  switch (numRep()) {
    case NumRep::Int:
      return static_cast<long double>(asInt());
    case NumRep::Big:
      return asBig().toLongDouble();
    case NumRep::Float:
      return asFloat();
  }
  return 0;
}

bool Value::isIntegral() const {
  if (!isNumber()) return false;
  if (numRep() != NumRep::Float) return true;
  long double f = asFloat();
  return std::isfinite(f) && std::floor(f) == f;
}

bool Value::toInt64(int64_t* out) const {
  if (!isNumber()) return false;
  switch (numRep()) {
    case NumRep::Int:
      *out = asInt();
      return true;
    case NumRep::Big:
      return false;
    case NumRep::Float: {
      long double f = asFloat();
      if (!std::isfinite(f) || std::floor(f) != f) return false;
      if (f < -9223372036854775808.0L || f >= 9223372036854775808.0L) return false;
      *out = static_cast<int64_t>(f);
      return true;
    }
  }
  return false;
}

std::string_view Value::heapString() const {
  const auto* n = static_cast<const StringNode*>(node());
  return std::string_view(n->bytes(), n->size);
}

const std::vector<Value>& Value::items() const {
  if (kind() != Kind::Array && kind() != Kind::Set) return kEmptyItems;
  return static_cast<const ListNode*>(node())->items;
}

const std::vector<ObjectEntry>& Value::entries() const {
  if (kind() != Kind::Object) return kEmptyEntries;
  return static_cast<const ObjectNode*>(node())->entries;
}

size_t Value::size() const {
  switch (kind()) {
    case Kind::String:
      return asString().size();
    case Kind::Array:
    case Kind::Set:
      return items().size();
    case Kind::Object:
      return entries().size();
    default:
      return 0;
  }
}

const Value* Value::field(std::string_view key) const {
  if (kind() != Kind::Object) return nullptr;
  const auto& es = entries();
  // Small objects (most of a request's) are scanned: a length check rejects
  // most keys at once, where each step of a binary search orders two strings.
  if (es.size() <= kScanEntries) {
    for (const ObjectEntry& e : es) {
      if (e.key.kind() == Kind::String && equalBytes(e.key.asString(), key)) return &e.value;
    }
    return nullptr;
  }
  // Strings sort after null/bool/number keys and before composite keys, and
  // among themselves bytewise, so a binary search on the string part works.
  size_t lo = 0;
  size_t hi = es.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const Value& k = es[mid].key;
    int c;
    if (k.kind() < Kind::String) {
      c = -1;
    } else if (k.kind() > Kind::String) {
      c = 1;
    } else {
      c = compareBytes(k.asString(), key);
    }
    if (c == 0) return &es[mid].value;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return nullptr;
}

const Value* Value::get(const Value& key) const {
  switch (kind()) {
    case Kind::Object: {
      if (key.isString()) return field(key.asString());
      const auto& es = entries();
      auto it = std::lower_bound(
          es.begin(), es.end(), key,
          [](const ObjectEntry& e, const Value& k) { return compare(e.key, k) < 0; });
      if (it != es.end() && compare(it->key, key) == 0) return &it->value;
      return nullptr;
    }
    case Kind::Array: {
      int64_t i;
      if (!key.isNumber() || !key.toInt64(&i)) return nullptr;
      const auto& its = items();
      if (i < 0 || static_cast<uint64_t>(i) >= its.size()) return nullptr;
      return &its[static_cast<size_t>(i)];
    }
    case Kind::Set: {
      const auto& its = items();
      auto it = std::lower_bound(its.begin(), its.end(), key,
                                 [](const Value& e, const Value& k) { return compare(e, k) < 0; });
      if (it != its.end() && compare(*it, key) == 0) return &*it;
      return nullptr;
    }
    default:
      return nullptr;
  }
}

int compareNumbers(const Value& a, const Value& b) {
  NumRep ra = a.numRep();
  NumRep rb = b.numRep();
  if (ra == NumRep::Int && rb == NumRep::Int) {
    int64_t x = a.asInt();
    int64_t y = b.asInt();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (ra != NumRep::Float && rb != NumRep::Float) {
    BigInt x = ra == NumRep::Int ? BigInt(a.asInt()) : a.asBig();
    BigInt y = rb == NumRep::Int ? BigInt(b.asInt()) : b.asBig();
    return BigInt::compare(x, y);
  }
  long double x = a.toLongDouble();
  long double y = b.toLongDouble();
  return x < y ? -1 : (x > y ? 1 : 0);
}

// Two inline strings (at most 14 bytes each, zero-padded: Value::string is their only
// maker) as two big-endian words of their padded bytes, then by length. Where the padded bytes
// first differ past the shorter one's end, the shorter has a zero and the longer a non-zero
// byte there, so it is ordered first, as it should be; equal padded bytes mean one is the
// other plus NUL bytes, and the length decides.
int Value::compareInline(const Value& a, const Value& b) {
  uint64_t x, y;
  std::memcpy(&x, a.raw_ + 2, 8);
  std::memcpy(&y, b.raw_ + 2, 8);
  if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  std::memcpy(&x, a.raw_ + 8, 8);
  std::memcpy(&y, b.raw_ + 8, 8);
  if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
  return a.raw_[1] < b.raw_[1] ? -1 : (a.raw_[1] > b.raw_[1] ? 1 : 0);
}

int compare(const Value& a, const Value& b) {
  Kind ka = a.kind();
  Kind kb = b.kind();
  if (ka != kb) return ka < kb ? -1 : 1;
  switch (ka) {
    case Kind::Undefined:
    case Kind::Null:
      return 0;
    case Kind::Bool:
      return static_cast<int>(a.asBool()) - static_cast<int>(b.asBool());
    case Kind::Number:
      return compareNumbers(a, b);
    case Kind::String:
      if (!a.isHeap() && !b.isHeap()) return Value::compareInline(a, b);
      return compareBytes(a.asString(), b.asString());
    case Kind::Array:
    case Kind::Set: {
      if (a.node() == b.node()) return 0;
      const auto& x = a.items();
      const auto& y = b.items();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(x[i], y[i]);
        if (c != 0) return c;
      }
      return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    case Kind::Object: {
      if (a.node() == b.node()) return 0;
      const auto& x = a.entries();
      const auto& y = b.entries();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(x[i].key, y[i].key);
        if (c != 0) return c;
        c = compare(x[i].value, y[i].value);
        if (c != 0) return c;
      }
      return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
  }
  return 0;
}

size_t Value::hash() const {
  auto mix = [](size_t h, size_t v) {
    return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  };
  switch (kind()) {
    case Kind::Undefined:
      return 0;
    case Kind::Null:
      return 1;
    case Kind::Bool:
      return asBool() ? 3 : 2;
    case Kind::Number: {
      int64_t i;
      if (toInt64(&i)) return std::hash<int64_t>()(i);
      return std::hash<long double>()(toLongDouble());
    }
    case Kind::String:
      return std::hash<std::string_view>()(asString());
    case Kind::Array:
    case Kind::Set: {
      size_t h = static_cast<size_t>(kind());
      for (const auto& v : items())
        h = mix(h, v.hash());
      return h;
    }
    case Kind::Object: {
      size_t h = 7;
      for (const auto& e : entries())
        h = mix(mix(h, e.key.hash()), e.value.hash());
      return h;
    }
  }
  return 0;
}

void Value::makeImmortal() const {
  if (!isHeap()) return;
  auto* n = node();
  if (n->refs.load(std::memory_order_relaxed) == detail::kImmortal) return;
  n->refs.store(detail::kImmortal, std::memory_order_relaxed);
  if (kind() == Kind::Array || kind() == Kind::Set) {
    for (const auto& v : items())
      v.makeImmortal();
  } else if (kind() == Kind::Object) {
    for (const auto& e : entries()) {
      e.key.makeImmortal();
      e.value.makeImmortal();
    }
  }
}

std::string_view typeName(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined:
      return "undefined";
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "boolean";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array:
      return "array";
    case Kind::Object:
      return "object";
    case Kind::Set:
      return "set";
  }
  return "undefined";
}

// ObjectBuilder

namespace {
struct ValueHash {
  size_t operator()(const Value& v) const { return v.hash(); }
};
struct ValueEq {
  bool operator()(const Value& a, const Value& b) const { return a == b; }
};
constexpr size_t kIndexThreshold = 16;
}  // namespace

struct ObjectBuilder::Index {
  std::unordered_map<Value, size_t, ValueHash, ValueEq> pos;
};

ObjectBuilder::ObjectBuilder() = default;
ObjectBuilder::~ObjectBuilder() {
  delete index_;
}
ObjectBuilder::ObjectBuilder(ObjectBuilder&& o) noexcept
    : entries_(std::move(o.entries_)), index_(o.index_) {
  o.index_ = nullptr;
}
ObjectBuilder& ObjectBuilder::operator=(ObjectBuilder&& o) noexcept {
  if (this != &o) {
    delete index_;
    entries_ = std::move(o.entries_);
    index_ = o.index_;
    o.index_ = nullptr;
  }
  return *this;
}

Value* ObjectBuilder::findMutable(const Value& key) {
  if (index_ != nullptr) {
    auto it = index_->pos.find(key);
    return it == index_->pos.end() ? nullptr : &entries_[it->second].value;
  }
  for (auto& e : entries_) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

const Value* ObjectBuilder::find(const Value& key) const {
  return const_cast<ObjectBuilder*>(this)->findMutable(key);
}

void ObjectBuilder::append(Value key, Value value) {
  if (index_ != nullptr) {
    index_->pos.emplace(key, entries_.size());
  } else if (entries_.size() + 1 > kIndexThreshold) {
    index_ = new Index;
    for (size_t i = 0; i < entries_.size(); ++i)
      index_->pos.emplace(entries_[i].key, i);
    index_->pos.emplace(key, entries_.size());
  }
  entries_.push_back({std::move(key), std::move(value)});
}

bool ObjectBuilder::insert(Value key, Value value) {
  if (const Value* existing = find(key)) return *existing == value;
  append(std::move(key), std::move(value));
  return true;
}

void ObjectBuilder::put(Value key, Value value) {
  if (Value* existing = findMutable(key)) {
    *existing = std::move(value);
    return;
  }
  append(std::move(key), std::move(value));
}

Value ObjectBuilder::build() {
  std::sort(entries_.begin(), entries_.end(), entryLess);
  Value v = Value::objectSorted(std::move(entries_));
  entries_.clear();
  delete index_;
  index_ = nullptr;
  return v;
}

// ---- ValueArena ----

namespace {

void poison(const void* p, size_t n) {
#ifdef MG_ARENA_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

void unpoison(const void* p, size_t n) {
#ifdef MG_ARENA_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

// Arena nodes are immortal to reference counting (copies and drops are free)
// and flagged, so that detachFromArena can find them.
template <typename Node>
Node* arenaNode(Node* n) {
  n->refs.store(detail::kImmortal, std::memory_order_relaxed);
  n->in_arena = 1;
  return n;
}

}  // namespace

ValueArena::ValueArena() = default;

ValueArena::~ValueArena() {
  reset();
  for (auto& c : chunks_)
    unpoison(c.get(), kChunkBytes);
}

void* ValueArena::allocate(size_t n) {
  n = (n + 15) & ~size_t{15};
  bytes_used_ += n;
  if (n > kChunkBytes / 4) {
    large_.push_back(std::make_unique<std::byte[]>(n));
    return large_.back().get();
  }
  if (chunks_.empty() || used_ + n > kChunkBytes) {
    if (!chunks_.empty() && chunk_ + 1 < chunks_.size()) {
      ++chunk_;
    } else {
      chunks_.push_back(std::make_unique_for_overwrite<std::byte[]>(kChunkBytes));
      poison(chunks_.back().get(), kChunkBytes);
      chunk_ = chunks_.size() - 1;
    }
    used_ = 0;
  }
  void* p = chunks_[chunk_].get() + used_;
  used_ += n;
  unpoison(p, n);
  return p;
}

Value ValueArena::string(std::string_view s) {
  if (s.size() <= Value::kInlineString) return Value::string(s);
  void* mem = allocate(sizeof(StringNode) + s.size());
  auto* node = arenaNode(new (mem) StringNode(s.size()));
  std::memcpy(node->bytes(), s.data(), s.size());
  Value v;
  v.setNode(Kind::String, Value::kHeapString, node);
  return v;
}

Value ValueArena::array(std::vector<Value> items) {
  if (items.empty()) {
    recycleVector(std::move(items), spare_items_);
    return Value::emptyArray();
  }
  auto* node = arenaNode(new (allocate(sizeof(ListNode))) ListNode(Kind::Array, std::move(items)));
  collections_.push_back(node);
  Value v;
  v.setNode(Kind::Array, 0, node);
  return v;
}

Value ValueArena::objectSorted(std::vector<ObjectEntry> entries) {
  if (entries.empty()) {
    recycleVector(std::move(entries), spare_entries_);
    return Value::emptyObject();
  }
  checkSorted(entries);
  auto* node = arenaNode(new (allocate(sizeof(ObjectNode))) ObjectNode(std::move(entries)));
  collections_.push_back(node);
  Value v;
  v.setNode(Kind::Object, 0, node);
  return v;
}

template <typename T>
std::vector<T> ValueArena::takeVector(std::vector<std::vector<T>>& spares, size_t n) {
  std::vector<T> v;
  if (!spares.empty()) {
    v = std::move(spares.back());
    spares.pop_back();
  }
  v.reserve(n);
  return v;
}

template <typename T>
void ValueArena::recycleVector(std::vector<T>&& v, std::vector<std::vector<T>>& spares) {
  v.clear();
  if (v.capacity() == 0 || v.capacity() > kKeptCapacity || spares.size() >= kKeptVectors) {
    std::vector<T>().swap(v);
    return;
  }
  spares.push_back(std::move(v));
}

std::vector<Value> ValueArena::itemsVector(size_t n) {
  return takeVector(spare_items_, n);
}

std::vector<ObjectEntry> ValueArena::entriesVector(size_t n) {
  return takeVector(spare_entries_, n);
}

void ValueArena::reset() {
  // Collections release what they hold (heap values among it) and give their
  // vectors back for reuse; strings need nothing.
  for (detail::HeapNode* n : collections_) {
    if (n->kind == Kind::Object) {
      auto* o = static_cast<ObjectNode*>(n);
      recycleVector(std::move(o->entries), spare_entries_);
      o->~ObjectNode();
    } else {
      auto* l = static_cast<ListNode*>(n);
      recycleVector(std::move(l->items), spare_items_);
      l->~ListNode();
    }
  }
  collections_.clear();
  large_.clear();
  while (chunks_.size() > kKeptChunks) {
    unpoison(chunks_.back().get(), kChunkBytes);
    chunks_.pop_back();
  }
  for (size_t i = 0; i < chunks_.size() && i <= chunk_; ++i)
    poison(chunks_[i].get(), kChunkBytes);
  chunk_ = 0;
  used_ = 0;
  bytes_used_ = 0;
}

bool refersToArena(const Value& v) {
  if (!v.isHeap()) return false;
  if (v.node()->in_arena) return true;
  switch (v.kind()) {
    case Kind::Array:
    case Kind::Set:
      for (const Value& item : v.items()) {
        if (refersToArena(item)) return true;
      }
      return false;
    case Kind::Object:
      for (const ObjectEntry& e : v.entries()) {
        if (refersToArena(e.key) || refersToArena(e.value)) return true;
      }
      return false;
    default:
      return false;
  }
}

Value detachFromArena(const Value& v) {
  if (!refersToArena(v)) return v;
  switch (v.kind()) {
    case Kind::String:
      return Value::string(v.asString());
    case Kind::Array:
    case Kind::Set: {
      std::vector<Value> items;
      items.reserve(v.items().size());
      for (const Value& item : v.items())
        items.push_back(detachFromArena(item));
      return v.isSet() ? Value::setSorted(std::move(items)) : Value::array(std::move(items));
    }
    case Kind::Object: {
      std::vector<ObjectEntry> entries;
      entries.reserve(v.entries().size());
      for (const ObjectEntry& e : v.entries())
        entries.push_back({detachFromArena(e.key), detachFromArena(e.value)});
      return Value::objectSorted(std::move(entries));
    }
    default:
      return v;
  }
}

}  // namespace meshgate::rego
