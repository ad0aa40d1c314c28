// SPDX-License-Identifier: Apache-2.0
// SmallList: a list that keeps its first N elements inline and moves to the heap only beyond,
// for the per-request lists of the JWT filter (tokens, rules, verified tokens), which hold one
// or two elements almost always. Depends on std only.
#pragma once

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

namespace meshgate::filters::jwt_authn {

/// T must be default-constructible and movable. Elements are contiguous (inline or on the
/// heap), so data()/begin()/end() work as for a vector; pointers are invalidated by growth.
template <typename T, size_t N>
class SmallList {
 public:
  SmallList() = default;
  /// `n` default-constructed elements.
  explicit SmallList(size_t n) {
    if (n <= N) {
      size_ = n;
    } else {
      heap_.resize(n);
    }
  }

  void push_back(T value) {
    if (heap_.empty() && size_ < N) {
      inline_[size_++] = std::move(value);
      return;
    }
    if (heap_.empty()) {
      heap_.reserve(2 * N);
      for (size_t i = 0; i < size_; ++i)
        heap_.push_back(std::move(inline_[i]));
      size_ = 0;
    }
    heap_.push_back(std::move(value));
  }

  size_t size() const { return heap_.empty() ? size_ : heap_.size(); }
  bool empty() const { return size() == 0; }
  T* data() { return heap_.empty() ? inline_.data() : heap_.data(); }
  const T* data() const { return heap_.empty() ? inline_.data() : heap_.data(); }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }

 private:
  std::array<T, N> inline_{};
  size_t size_ = 0;
  std::vector<T> heap_;
};

}  // namespace meshgate::filters::jwt_authn
