// SPDX-License-Identifier: Apache-2.0
// The restart side of workload supervision as pure, clock-free logic: whether a
// restart policy restarts after an ending, and the exponential backoff between
// restarts (Kubernetes' CrashLoopBackOff shape). Depends on config and sandbox
// types only; no I/O, no event loop.
#pragma once

#include <chrono>
#include <cstdint>

#include "config/meshgate_kinds.h"
#include "sandbox/sandbox.h"

namespace meshgate::workload {

using Duration = std::chrono::nanoseconds;

/// True when `policy` restarts a workload that ended with `outcome`: Always
/// restarts every ending, OnFailure every ending but a zero exit status,
/// Never none.
bool shouldRestart(config::Workload::RestartPolicy policy, const sandbox::Outcome& outcome);

/// Exponential backoff between restarts: initial, 2x, 4x ... capped at max. A
/// process that stayed up for at least resetAfter() before it ended counts as
/// a fresh failure: its restart waits `initial` again.
class RestartBackoff {
 public:
  RestartBackoff(Duration initial, Duration max);

  /// The process ran for `uptime` and ended; returns how long to wait before
  /// starting it again, and advances the backoff.
  Duration next(Duration uptime);
  /// Consecutive quick endings so far (0 after a reset).
  uint32_t consecutiveFailures() const { return failures_; }
  /// How long a process must stay up for the backoff to start over:
  /// max(backoff max, 10 s).
  Duration resetAfter() const;
  Duration initial() const { return initial_; }
  Duration max() const { return max_; }

 private:
  Duration initial_;
  Duration max_;
  Duration current_;
  uint32_t failures_ = 0;
};

}  // namespace meshgate::workload
