// SPDX-License-Identifier: Apache-2.0
// Lock-free bounded counter. Depends on std.
#include "limits/concurrency_limit.h"

namespace meshgate::limits {

Permit ConcurrencyLimit::tryAcquire() {
  uint64_t current = count_.load(std::memory_order_relaxed);
  // Compare-and-swap rather than fetch_add-then-undo: an overshoot, even one undone at once,
  // would make a racing caller see the limit reached and refuse wrongly.
  do {
    if (current >= max_.load(std::memory_order_relaxed)) return Permit();
  } while (!count_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return Permit(&count_);
}

Permit ConcurrencyLimit::acquireUnchecked() {
  count_.fetch_add(1, std::memory_order_relaxed);
  return Permit(&count_);
}

}  // namespace meshgate::limits
