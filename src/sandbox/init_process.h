// SPDX-License-Identifier: Apache-2.0
// The end of the recipe: the sandbox's pid 1. In init mode it starts the
// command in a vfork-style child (CLONE_VM | CLONE_VFORK | CLONE_FILES) that
// installs the seccomp filters and execs; sharing the fd table hands the
// seccomp listener to pid 1, which passes it to the supervisor. Pid 1 then
// reaps, forwards signals to the command and reports its wait status, under a
// seccomp filter of its own. Without init the child installs the filters and
// execs itself. Depends on the step headers only.
#pragma once

#include "sandbox/plan.h"

namespace meshgate::sandbox {

/// Runs the command under pid 1; never returns. Async-signal-safe.
[[noreturn]] void runInit(const Plan& plan, int channel);

/// No-init mode: the calling process becomes the command; never returns.
[[noreturn]] void execAsPid1(const Plan& plan, int channel);

}  // namespace meshgate::sandbox
