// SPDX-License-Identifier: Apache-2.0
// The readiness verdict of one workload process from its probe results, with
// Kubernetes' thresholds: not ready at start; successThreshold consecutive
// successes make it ready, failureThreshold consecutive failures make it not
// ready. Pure logic. Depends on std only.
#pragma once

#include <cstdint>

namespace meshgate::workload {

class ReadinessState {
 public:
  ReadinessState(uint32_t success_threshold, uint32_t failure_threshold);

  /// Records one probe result; returns true when ready() changed.
  bool record(bool success);
  bool ready() const { return ready_; }
  /// A new process: not ready, counts cleared.
  void reset();
  /// New thresholds (a reload that changed only the probe); keeps the verdict.
  void setThresholds(uint32_t success_threshold, uint32_t failure_threshold);

 private:
  uint32_t success_threshold_;
  uint32_t failure_threshold_;
  uint32_t successes_ = 0;
  uint32_t failures_ = 0;
  bool ready_ = false;
};

}  // namespace meshgate::workload
