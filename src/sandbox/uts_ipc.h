// SPDX-License-Identifier: Apache-2.0
// UTS and IPC namespaces: a hostname of the sandbox's own, and System V IPC
// and POSIX message queues that the host cannot see (the namespace alone does
// that). Depends on base only.
#pragma once

#include <string>

#include "sandbox/step.h"

namespace meshgate::sandbox {

/// Child side: sethostname and a "(none)" NIS domain name.
StepResult setupUts(const std::string& hostname);

}  // namespace meshgate::sandbox
