// SPDX-License-Identifier: Apache-2.0
// Resource limits (setrlimit) for the sandboxed processes, including the
// per-process CPU-time limit. Depends on base only.
#pragma once

#include <vector>

#include "sandbox/profile.h"
#include "sandbox/step.h"

namespace meshgate::sandbox {

/// Supervisor side: the profile's rlimits plus RLIMIT_CPU from
/// limits.cpu_time (soft: SIGXCPU at the limit; hard one second later: SIGKILL).
std::vector<Rlimit> planRlimits(const LimitsSpec& limits);

/// Child side: applies each; detail = index on failure.
StepResult applyRlimits(const std::vector<Rlimit>& rlimits);

}  // namespace meshgate::sandbox
