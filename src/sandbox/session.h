// SPDX-License-Identifier: Apache-2.0
// Process hygiene that is not about files: default signal dispositions and an
// empty mask (a supervisor's ignored SIGPIPE must not leak in), and a new
// session, so the caller's terminal is no longer the sandbox's controlling
// terminal and TIOCSTI cannot push input into it. Depends on std only.
#pragma once

#include <cstdint>

#include "sandbox/step.h"

namespace meshgate::sandbox {

/// Supervisor side: the signals this process ignores (SigIgn in
/// /proc/self/status), the ones SIG_IGN would carry across exec.
uint64_t ignoredSignals();

/// Child side: nothing blocked, and SIG_DFL for the signals in `ignored`, or
/// for every signal when `all` (clone3 could not clear the handlers itself).
StepResult resetSignals(uint64_t ignored, bool all);
/// Child side: setsid().
StepResult newSession();

}  // namespace meshgate::sandbox
