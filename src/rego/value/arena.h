// SPDX-License-Identifier: Apache-2.0
// Value storage for one request, released all at once. Depends on value.h.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "rego/value/value.h"

namespace meshgate::rego {

/// Storage for the values of one request (the policy input), owned by one
/// thread and released all at once by reset(). A string or collection built
/// here costs a pointer bump instead of a heap allocation, and copying or
/// dropping a value that refers to it touches no reference count.
///
/// The rule: every value built since the last reset() dies at reset(). No copy
/// of one, and no collection holding one, may be used afterwards, and none may
/// cross to another thread. What must outlive the request is copied out with
/// detachFromArena() (the evaluator does so for the results it keeps across
/// evaluations). Arena values may hold heap values (they keep a reference until
/// reset()); heap values built by Value's own constructors may hold arena
/// values only for as long as the arena lives. Under AddressSanitizer released
/// storage is poisoned, so a value used after reset() is reported.
class ValueArena {
 public:
  ValueArena();
  ~ValueArena();
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;

  /// As Value::string (short strings are inline and use no storage).
  Value string(std::string_view s);
  /// As Value::array.
  Value array(std::vector<Value> items);
  /// As Value::objectSorted: entries sorted by key and unique.
  Value objectSorted(std::vector<ObjectEntry> entries);
  /// An empty vector with room for `n`, for array() or objectSorted(): the
  /// vectors of collections released by reset() are reused.
  std::vector<Value> itemsVector(size_t n);
  std::vector<ObjectEntry> entriesVector(size_t n);

  /// Ends the lifetime of every value built since the last reset.
  void reset();
  /// Bytes of strings and nodes handed out since the last reset.
  size_t bytesUsed() const { return bytes_used_; }

 private:
  void* allocate(size_t n);
  template <typename T>
  std::vector<T> takeVector(std::vector<std::vector<T>>& spares, size_t n);
  template <typename T>
  void recycleVector(std::vector<T>&& v, std::vector<std::vector<T>>& spares);

  static constexpr size_t kChunkBytes = 8192;
  // Chunks kept across resets; a larger request's extra chunks are freed.
  static constexpr size_t kKeptChunks = 4;
  // Vectors kept for reuse, and the largest capacity kept.
  static constexpr size_t kKeptVectors = 64;
  static constexpr size_t kKeptCapacity = 256;

  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  size_t chunk_ = 0;  // the chunk being filled
  size_t used_ = 0;   // bytes used in it
  // Allocations too large for a chunk, freed at reset.
  std::vector<std::unique_ptr<std::byte[]>> large_;
  // Collection nodes, whose vectors are released (and kept) at reset.
  std::vector<detail::HeapNode*> collections_;
  std::vector<std::vector<Value>> spare_items_;
  std::vector<std::vector<ObjectEntry>> spare_entries_;
  size_t bytes_used_ = 0;
};

/// True when `v` or anything inside it lives in a ValueArena.
bool refersToArena(const Value& v);
/// `v` itself when no part of it lives in a ValueArena; otherwise a copy in
/// which every part that does is on the heap (what outlives the arena).
Value detachFromArena(const Value& v);

}  // namespace meshgate::rego
