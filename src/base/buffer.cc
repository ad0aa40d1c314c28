// SPDX-License-Identifier: Apache-2.0
#include "base/buffer.h"

#include "base/assert.h"

namespace meshgate::base {

void Buffer::consume(size_t n) {
  MG_ASSERT(n <= size(), "Buffer::consume past the end");
  read_ += n;
  if (read_ == write_) read_ = write_ = 0;
}

char* Buffer::prepare(size_t min_free) {
  if (capacity_ - write_ >= min_free) return storage_.get() + write_;
  const size_t used = size();
  // Compact when that alone makes room and the live bytes are few (cheap memmove).
  if (capacity_ - used >= min_free && used <= capacity_ / 2) {
    std::memmove(storage_.get(), storage_.get() + read_, used);
    read_ = 0;
    write_ = used;
    return storage_.get() + write_;
  }
  size_t cap = capacity_ ? capacity_ : 4096;
  while (cap - used < min_free)
    cap *= 2;
  auto fresh = std::make_unique_for_overwrite<char[]>(cap);
  if (used) std::memcpy(fresh.get(), storage_.get() + read_, used);
  storage_ = std::move(fresh);
  capacity_ = cap;
  read_ = 0;
  write_ = used;
  return storage_.get() + write_;
}

void Buffer::append(std::string_view s) {
  if (s.empty()) return;
  char* p = prepare(s.size());
  std::memcpy(p, s.data(), s.size());
  commit(s.size());
}

void Buffer::releaseIfEmpty() {
  if (!empty()) return;
  storage_.reset();
  capacity_ = read_ = write_ = 0;
}

}  // namespace meshgate::base
