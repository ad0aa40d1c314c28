// SPDX-License-Identifier: Apache-2.0
// File descriptor hygiene: the sandbox gets stdin, stdout, stderr (possibly
// redirected) and the fds the profile passes, and nothing else of the
// supervisor's. Depends on std only.
#pragma once

#include <vector>

#include "sandbox/step.h"

namespace meshgate::sandbox {

struct FdPlan {
  /// The supervisor's fds that become 0, 1 and 2 (-1: keep as is).
  int stdio[3] = {-1, -1, -1};
  /// Kept at their numbers, sorted, without duplicates; FD_CLOEXEC cleared.
  std::vector<int> keep;
  /// Kept too, but stays close-on-exec: the channel to the supervisor.
  int channel = -1;
};

/// Child side: installs stdio, then closes everything else (close_range, or
/// /proc/self/fd where close_range is missing).
StepResult setupStdio(const FdPlan& plan);
StepResult closeOtherFds(const FdPlan& plan);

}  // namespace meshgate::sandbox
