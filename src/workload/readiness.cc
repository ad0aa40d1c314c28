// SPDX-License-Identifier: Apache-2.0
#include "workload/readiness.h"

#include <algorithm>

namespace meshgate::workload {

ReadinessState::ReadinessState(uint32_t success_threshold, uint32_t failure_threshold) {
  setThresholds(success_threshold, failure_threshold);
}

void ReadinessState::setThresholds(uint32_t success_threshold, uint32_t failure_threshold) {
  success_threshold_ = std::max(success_threshold, 1u);
  failure_threshold_ = std::max(failure_threshold, 1u);
}

bool ReadinessState::record(bool success) {
  const bool before = ready_;
  if (success) {
    failures_ = 0;
    if (successes_ < success_threshold_) ++successes_;
    if (successes_ >= success_threshold_) ready_ = true;
  } else {
    successes_ = 0;
    if (failures_ < failure_threshold_) ++failures_;
    if (failures_ >= failure_threshold_) ready_ = false;
  }
  return before != ready_;
}

void ReadinessState::reset() {
  successes_ = 0;
  failures_ = 0;
  ready_ = false;
}

}  // namespace meshgate::workload
