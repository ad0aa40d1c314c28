// SPDX-License-Identifier: Apache-2.0
// Process hygiene that is not about files: default signal dispositions and an
// empty mask (a supervisor's ignored SIGPIPE must not leak in), and a new
// session, so the caller's terminal is no longer the sandbox's controlling
// terminal and TIOCSTI cannot push input into it. Depends on std only.
#pragma once

#include "sandbox/step.h"

namespace meshgate::sandbox {

/// Child side: SIG_DFL for every signal, nothing blocked.
StepResult resetSignals();
/// Child side: setsid().
StepResult newSession();

}  // namespace meshgate::sandbox
