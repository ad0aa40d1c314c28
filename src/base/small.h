// SPDX-License-Identifier: Apache-2.0
// Helpers for the small collections of the request path, where a heap
// allocation costs more than the work: a stable sort that needs no buffer for
// short ranges, and a memo of the last few results. Depends on std only.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <utility>

namespace meshgate::base {

/// Sorts [first, last) stably by `less`: by insertion (no allocation) up to 32
/// elements, with std::stable_sort (which allocates a buffer) beyond.
template <typename It, typename Less>
void stableSortSmall(It first, It last, Less less) {
  if (last - first > 32) {
    std::stable_sort(first, last, less);
    return;
  }
  if (first == last) return;
  for (It i = std::next(first); i != last; ++i) {
    auto v = std::move(*i);
    It j = i;
    for (; j != first && less(v, *std::prev(j)); --j)
      *j = std::move(*std::prev(j));
    *j = std::move(v);
  }
}

/// The last N (key, value) pairs put, found by a linear scan; when full, the
/// oldest is replaced. For a handful of entries that repeat (a worker's peers,
/// a client's token), where hashing would cost more than comparing.
template <typename Key, typename Value, size_t N>
class RecentMemo {
 public:
  /// The value of the first key for which `match(key)` holds, or null.
  template <typename Match>
  const Value* findIf(Match match) const {
    for (size_t i = 0; i < size_; ++i) {
      if (match(slots_[i].key)) return &slots_[i].value;
    }
    return nullptr;
  }
  const Value* find(const Key& key) const {
    return findIf([&](const Key& k) { return k == key; });
  }
  /// Stores the pair; the pointer is valid until the N-th next put().
  const Value& put(Key key, Value value) {
    Slot& s = slots_[next_];
    next_ = (next_ + 1) % N;
    size_ = std::min(size_ + 1, N);
    s.key = std::move(key);
    s.value = std::move(value);
    return s.value;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
  };
  std::array<Slot, N> slots_{};
  size_t next_ = 0;
  size_t size_ = 0;
};

}  // namespace meshgate::base
