// SPDX-License-Identifier: Apache-2.0
// RetryBudget: Envoy's retry_budget. Retries in flight are capped at a percentage of the
// requests in flight (active + pending), with a floor, so that retries cannot multiply the
// load on a failing upstream. Lock-free, shared by every worker. Depends on limits/.
#pragma once

#include <atomic>
#include <cstdint>

#include "limits/concurrency_limit.h"

namespace meshgate::limits {

struct RetryBudgetConfig {
  /// Retries in flight as a percentage of requests in flight (Envoy's default: 20%).
  double budget_percent = 20.0;
  /// Retries always allowed in flight, however few requests there are (Envoy's default: 3).
  uint64_t min_retry_concurrency = 3;
};

class RetryBudget {
 public:
  /// `active` and `pending` are the cluster's request counters; they must outlive the budget.
  RetryBudget(const RetryBudgetConfig& config, const ConcurrencyLimit& active,
              const ConcurrencyLimit& pending);
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  /// A Permit for one retry while fewer than limit() retries are in flight.
  Permit tryAcquire();
  /// max(min_retry_concurrency, budget_percent% of (active + pending)), as Envoy computes it.
  uint64_t limit() const;
  uint64_t current() const { return retries_.load(std::memory_order_relaxed); }
  const RetryBudgetConfig& config() const { return config_; }

 private:
  RetryBudgetConfig config_;
  const ConcurrencyLimit& active_;
  const ConcurrencyLimit& pending_;
  alignas(64) std::atomic<uint64_t> retries_{0};
};

}  // namespace meshgate::limits
