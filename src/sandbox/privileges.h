// SPDX-License-Identifier: Apache-2.0
// Privileges: capabilities (bounding, permitted, effective, inheritable and
// ambient sets), securebits, and no_new_privs. Inside its user namespace the
// child starts with every capability; this is where it loses all but the ones
// the profile keeps. Depends on std only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sandbox/step.h"

namespace meshgate::sandbox {

struct CapabilityPlan {
  uint64_t keep = 0;  // bit per CAP_* number
  int last_cap = 40;  // /proc/sys/kernel/cap_last_cap
};

/// Supervisor side.
CapabilityPlan planCapabilities(const int* caps, size_t count);

/// Child side. Uid 0 inside gains nothing from exec (SECBIT_NOROOT, locked);
/// kept capabilities survive exec as ambient capabilities, whatever the uid.
StepResult dropCapabilities(const CapabilityPlan& plan);

/// Child side: PR_SET_NO_NEW_PRIVS, so exec can never grant privileges
/// (setuid bits, file capabilities) again.
StepResult setNoNewPrivs();

}  // namespace meshgate::sandbox
