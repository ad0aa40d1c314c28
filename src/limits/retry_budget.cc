// SPDX-License-Identifier: Apache-2.0
// Retry budget. Depends on limits/.
#include "limits/retry_budget.h"

#include <algorithm>

#include "base/assert.h"

namespace meshgate::limits {

RetryBudget::RetryBudget(const RetryBudgetConfig& config, const ConcurrencyLimit& active,
                         const ConcurrencyLimit& pending)
    : config_(config), active_(active), pending_(pending) {
  MG_ASSERT(config_.budget_percent >= 0.0 && config_.budget_percent <= 100.0,
            "budget_percent must be within [0, 100]");
}

uint64_t RetryBudget::limit() const {
  const uint64_t in_flight = active_.current() + pending_.current();
  // Envoy truncates the product; so do we.
  const auto budget =
      static_cast<uint64_t>(config_.budget_percent / 100.0 * static_cast<double>(in_flight));
  return std::max(budget, config_.min_retry_concurrency);
}

Permit RetryBudget::tryAcquire() {
  uint64_t current = retries_.load(std::memory_order_relaxed);
  do {
    if (current >= limit()) return Permit();
  } while (!retries_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return Permit(&retries_);
}

}  // namespace meshgate::limits
