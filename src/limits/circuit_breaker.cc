// SPDX-License-Identifier: Apache-2.0
// Circuit breaker counters. Depends on limits/.
#include "limits/circuit_breaker.h"

namespace meshgate::limits {

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig& config)
    : connections_(config.max_connections),
      pending_(config.max_pending_requests),
      requests_(config.max_requests),
      retries_(config.max_retries) {
  if (config.retry_budget) budget_.emplace(*config.retry_budget, requests_, pending_);
}

Permit CircuitBreaker::tryStartRetry() {
  return budget_ ? budget_->tryAcquire() : retries_.tryAcquire();
}

uint64_t CircuitBreaker::retries() const {
  return budget_ ? budget_->current() : retries_.current();
}

}  // namespace meshgate::limits
