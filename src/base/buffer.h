// SPDX-License-Identifier: Apache-2.0
// A growable contiguous byte buffer with a read cursor, for connection I/O.
// Readable bytes are [data(), data()+size()); free space is handed out by
// prepare()/commit(). Memory is allocated lazily and can be released when idle,
// so that idle keep-alive connections cost almost nothing. Depends on std only.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace meshgate::base {

class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;

  const char* data() const { return storage_.get() + read_; }
  char* data() { return storage_.get() + read_; }
  size_t size() const { return write_ - read_; }
  bool empty() const { return write_ == read_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {data(), size()}; }

  /// Drops `n` bytes from the front.
  void consume(size_t n);
  /// Returns at least `min_free` writable bytes at the end (compacting or growing).
  char* prepare(size_t min_free);
  /// Free bytes after the last prepare() without moving anything.
  size_t freeSpace() const { return capacity_ - write_; }
  /// Marks `n` bytes written after prepare().
  void commit(size_t n) { write_ += n; }
  void append(std::string_view s);
  void append(const char* p, size_t n) { append(std::string_view(p, n)); }
  /// Empties the buffer, keeping its memory.
  void clear() { read_ = write_ = 0; }
  /// Frees the memory when the buffer is empty.
  void releaseIfEmpty();

 private:
  std::unique_ptr<char[]> storage_;
  size_t capacity_ = 0;
  size_t read_ = 0;
  size_t write_ = 0;
};

}  // namespace meshgate::base
