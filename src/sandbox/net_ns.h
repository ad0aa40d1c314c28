// SPDX-License-Identifier: Apache-2.0
// Network namespace: none (a new namespace with loopback down), loopback (a new
// namespace with lo up: 127.0.0.1 and ::1 reach only the sandbox itself), or
// the host's. Depends on base only.
#pragma once

#include "sandbox/profile.h"
#include "sandbox/step.h"

namespace meshgate::sandbox {

/// CLONE_NEWNET unless the mode is Host.
bool needsNetworkNamespace(NetworkMode mode);

/// Child side: brings lo up for Loopback; nothing otherwise.
StepResult setupNetwork(NetworkMode mode);

}  // namespace meshgate::sandbox
