// SPDX-License-Identifier: Apache-2.0
// The sandbox recipe: the one place that says in which order the steps run.
// Depends on the step headers only.
#pragma once

#include <string>

#include "sandbox/plan.h"

namespace meshgate::sandbox {

/// The child's side, from just after clone3 (already in the new user, pid,
/// mount, net, ipc and uts namespaces) to exec. Never returns: it execs the
/// command (through pid 1 in init mode) or reports the failed step on
/// `channel` and exits with 125. Async-signal-safe: reads `plan`, allocates
/// nothing.
[[noreturn]] void runSandboxChild(const Plan& plan, int channel);

/// "mount: bind /usr -> /usr (ro)": what step `step` was doing with item
/// `detail` of its plan, for error messages.
std::string describeStep(const Plan& plan, Step step, int detail);

}  // namespace meshgate::sandbox
