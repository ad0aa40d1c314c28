// SPDX-License-Identifier: Apache-2.0
// ConcurrencyLimit: an exact cross-worker cap on things in flight (connections, requests,
// pending requests, retries), and the Permit that gives a slot back. Lock-free. Depends on
// base.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace meshgate::limits {

/// A held slot of a counter. Move-only; the slot is released when the Permit is destroyed or
/// release()d. An empty Permit (the request was refused) holds nothing.
class [[nodiscard]] Permit {
 public:
  Permit() = default;
  Permit(Permit&& other) noexcept : counter_(std::exchange(other.counter_, nullptr)) {}
  Permit& operator=(Permit&& other) noexcept {
    if (this != &other) {
      release();
      counter_ = std::exchange(other.counter_, nullptr);
    }
    return *this;
  }
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;
  ~Permit() { release(); }

  /// Whether a slot is held.
  bool held() const { return counter_ != nullptr; }
  explicit operator bool() const { return held(); }
  /// Gives the slot back now.
  void release() {
    if (counter_) counter_->fetch_sub(1, std::memory_order_relaxed);
    counter_ = nullptr;
  }

 private:
  friend class ConcurrencyLimit;
  friend class RetryBudget;
  explicit Permit(std::atomic<uint64_t>* counter) : counter_(counter) {}

  std::atomic<uint64_t>* counter_ = nullptr;
};

/// At most max() holders at once, across every worker: tryAcquire never lets the count pass
/// the limit, even for an instant, so a refusal is never caused by a racing refusal. Must
/// outlive its Permits.
class ConcurrencyLimit {
 public:
  explicit ConcurrencyLimit(uint64_t max) : max_(max) {}
  ConcurrencyLimit(const ConcurrencyLimit&) = delete;
  ConcurrencyLimit& operator=(const ConcurrencyLimit&) = delete;

  /// A Permit when fewer than max() are held; an empty Permit otherwise.
  Permit tryAcquire();
  /// Takes a slot even above the limit (for work that cannot be refused but must be counted,
  /// such as a request already queued when the limit was lowered).
  Permit acquireUnchecked();

  uint64_t current() const { return count_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_.load(std::memory_order_relaxed); }
  /// Changes the limit (config reload); holders above a lowered limit keep their slots.
  void setMax(uint64_t max) { max_.store(max, std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> max_;
};

}  // namespace meshgate::limits
