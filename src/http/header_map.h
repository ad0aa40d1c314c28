// SPDX-License-Identifier: Apache-2.0
// HeaderMap: an ordered multimap of HTTP fields. Names are stored lower-cased (as Envoy
// does), values as given. Storage is a block arena reused across clear(), so a connection
// parses request after request without heap allocation. Depends on std only (no codec).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace meshgate::http {

/// Fields the proxy looks at on every request get an id, so that lookups by id are O(1).
/// Every other name is HeaderId::Other.
enum class HeaderId : uint8_t {
  Host,
  ContentLength,
  TransferEncoding,
  Connection,
  KeepAlive,
  ProxyConnection,
  Te,
  Trailer,
  Upgrade,
  Expect,
  Http2Settings,
  ProxyAuthenticate,
  ProxyAuthorization,
  XForwardedFor,
  XForwardedProto,
  XForwardedHost,
  XRequestId,
  Authorization,
  Cookie,
  SetCookie,
  ContentType,
  UserAgent,
  Date,
  Server,
  Via,
  Location,
  RetryAfter,
  Other,  // not a known field; must stay last
};

inline constexpr size_t kKnownHeaderCount = static_cast<size_t>(HeaderId::Other);

/// The lower-case name of a known field ("" for Other).
std::string_view headerName(HeaderId id);
/// The id of `name` (any case), or HeaderId::Other.
HeaderId headerIdOf(std::string_view name);

/// True when `name` is a non-empty token (RFC 9110 §5.1).
bool isValidHeaderName(std::string_view name);
/// True when `value` has no NUL, CR, LF, DEL or other control except HTAB, and no
/// leading or trailing whitespace (RFC 9110 §5.5).
bool isValidHeaderValue(std::string_view value);

/// One field. The views point into the map's arena.
struct HeaderField {
  std::string_view name;   // lower-case
  std::string_view value;  // as given
  HeaderId id = HeaderId::Other;
};

/// An ordered multimap of fields with case-insensitive (stored lower-case) names.
///
/// Lifetime of views: the name/value views returned by lookups and iteration stay valid
/// until clear(), releaseMemory(), assignment or destruction of the map, even across
/// add/set/remove (the arena never moves bytes; removed or replaced values become garbage
/// until clear()). Iterators are invalidated by any mutation.
///
/// Memory: clear() keeps up to kRetainedBytes of arena and the entry vector's capacity, so
/// steady-state parsing of similar requests allocates nothing. Not thread-safe; a map
/// belongs to one worker.
class HeaderMap {
 public:
  /// Arena kept across clear(); bigger blocks (from an unusually large head) are freed.
  static constexpr size_t kRetainedBytes = 32 * 1024;

  HeaderMap() = default;
  HeaderMap(const HeaderMap& other);
  HeaderMap& operator=(const HeaderMap& other);
  /// The moved-from map is empty and reusable.
  HeaderMap(HeaderMap&& other) noexcept;
  HeaderMap& operator=(HeaderMap&& other) noexcept;
  ~HeaderMap() = default;

  /// Appends a field. Returns false (and changes nothing) when `name` is not a token or
  /// `value` is not a valid field value (see isValidHeaderValue): nothing that reaches the
  /// map this way can inject a line into a serialized head.
  bool add(std::string_view name, std::string_view value);
  /// Replaces every field named `name` by one with `value`, at the position of the first
  /// one (appended when absent). Same validation and return as add().
  bool set(std::string_view name, std::string_view value);
  bool set(HeaderId id, std::string_view value);
  /// Appends `separator` + `value` to the first field named `name` (e.g. X-Forwarded-For),
  /// or adds the field when absent. Same validation and return as add().
  bool append(std::string_view name, std::string_view value, std::string_view separator = ", ");

  /// For codecs: appends a field whose `value` the codec already validated (trimmed field
  /// content), validating and lower-casing `name` in the same pass as the copy. Returns
  /// false (nothing added) when `name` is empty or not a token.
  bool addCodecField(std::string_view name, std::string_view value);

  /// Removes every field named `name`; returns how many were removed.
  size_t remove(std::string_view name);
  size_t remove(HeaderId id);
  /// Removes every field for which `pred(const HeaderField&)` is true; returns the count.
  template <typename Pred>
  size_t removeIf(Pred&& pred) {
    using P = std::remove_reference_t<Pred>;  // possibly const
    return removeIfImpl(
        [](void* ctx, const HeaderField& f) {
          return static_cast<bool>((*static_cast<P*>(ctx))(f));
        },
        const_cast<void*>(static_cast<const void*>(&pred)));
  }

  /// The first value of `name`, or nullopt when absent (an empty value is present).
  std::optional<std::string_view> get(std::string_view name) const;
  std::optional<std::string_view> get(HeaderId id) const;
  size_t count(std::string_view name) const;
  size_t count(HeaderId id) const { return id == HeaderId::Other ? 0 : counts_[idx(id)]; }
  bool has(HeaderId id) const { return count(id) != 0; }
  bool has(std::string_view name) const { return get(name).has_value(); }
  /// Calls `fn(std::string_view value)` for each field named `name`, in order.
  template <typename Fn>
  void forEachValue(std::string_view name, Fn&& fn) const {
    const HeaderId id = headerIdOf(name);
    for (const Entry& e : entries_) {
      if (id != HeaderId::Other ? e.id == id : matches(e, name)) fn(valueOf(e));
    }
  }
  template <typename Fn>
  void forEachValue(HeaderId id, Fn&& fn) const {
    if (count(id) == 0) return;
    for (const Entry& e : entries_) {
      if (e.id == id) fn(valueOf(e));
    }
  }
  /// Every value of `name` joined with ", " into `out` (cleared first), as RFC 9110 §5.3
  /// allows for list fields. Returns false when the field is absent.
  bool getJoined(std::string_view name, std::string& out) const;

  /// Fields in order.
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  HeaderField at(size_t i) const { return fieldOf(entries_[i]); }
  /// Sum of the name and value lengths of the fields (not counting ": " and CRLF).
  size_t byteSize() const { return byte_size_; }

  class Iterator {
   public:
    using value_type = HeaderField;
    using difference_type = std::ptrdiff_t;
    HeaderField operator*() const { return map_->at(i_); }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    friend class HeaderMap;
    Iterator(const HeaderMap* map, size_t i) : map_(map), i_(i) {}
    const HeaderMap* map_;
    size_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, entries_.size()); }

  /// Removes every field, keeping memory for reuse (see kRetainedBytes).
  void clear();
  /// Frees all memory (e.g. when a keep-alive connection goes idle).
  void releaseMemory();

  /// Field-by-field equality (names and values, in order).
  bool operator==(const HeaderMap& other) const;

 private:
  struct Entry {
    const char* name;
    const char* value;
    uint32_t name_len;
    uint32_t value_len;
    HeaderId id;
  };
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };

  static size_t idx(HeaderId id) { return static_cast<size_t>(id); }
  static std::string_view nameOf(const Entry& e) { return {e.name, e.name_len}; }
  static std::string_view valueOf(const Entry& e) { return {e.value, e.value_len}; }
  static HeaderField fieldOf(const Entry& e) { return {nameOf(e), valueOf(e), e.id}; }
  static bool matches(const Entry& e, std::string_view name);

  char* allocate(size_t n);
  const char* copyValue(std::string_view value);
  template <bool kValidateName>
  bool appendEntry(std::string_view name, std::string_view value);
  int findFirst(std::string_view name, HeaderId id) const;
  size_t removeIfImpl(bool (*pred)(void*, const HeaderField&), void* ctx);
  void rebuildIndex();

  std::vector<Entry> entries_;
  std::array<uint32_t, kKnownHeaderCount> first_{};  // index + 1 of the first field; 0 = none
  std::array<uint32_t, kKnownHeaderCount> counts_{};
  size_t byte_size_ = 0;
  std::vector<Block> blocks_;
  size_t block_ = 0;  // current block
  size_t used_ = 0;   // bytes used in the current block
};

}  // namespace meshgate::http
