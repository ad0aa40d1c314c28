// SPDX-License-Identifier: Apache-2.0
// Landlock: path rules (read, write, execute, device ioctl), TCP port rules,
// and scopes, best effort across ABI versions 1 to 7. The supervisor decides
// everything from the kernel's ABI; the child only executes the plan, after
// pivot_root, with paths as the sandbox sees them. Depends on base only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/profile.h"
#include "sandbox/step.h"

namespace meshgate::sandbox {

/// The running kernel's Landlock ABI: 0 when Landlock is missing or disabled.
int landlockAbi();

struct LandlockPlanRule {
  std::string path;     // inside the sandbox
  uint64_t access = 0;  // LANDLOCK_ACCESS_FS_* allowed beneath `path`
  bool optional = false;
};

struct LandlockPlan {
  bool enabled = false;
  int abi = 0;               // the kernel's
  uint64_t handled_fs = 0;   // LANDLOCK_ACCESS_FS_* the ruleset restricts
  uint64_t handled_net = 0;  // LANDLOCK_ACCESS_NET_*
  uint64_t scoped = 0;       // LANDLOCK_SCOPE_*
  std::vector<LandlockPlanRule> rules;
  std::vector<uint16_t> bind_ports;
  std::vector<uint16_t> connect_ports;
  /// What the profile asked for but this kernel cannot enforce (best effort).
  std::vector<std::string> not_enforced;

  /// One line for --verbose: "ABI 7: fs (16 rights), tcp bind/connect, scopes".
  std::string describe() const;
};

/// Supervisor side. `abi` is normally landlockAbi(); tests pass others.
/// Required mode fails when the kernel lacks something the profile asks for.
base::Result<LandlockPlan> planLandlock(const Profile& profile, int abi);

/// Child side: builds the ruleset and restricts the calling thread. Needs
/// no_new_privs. Detail: the failing rule's index, or -1.
StepResult applyLandlock(const LandlockPlan& plan);

}  // namespace meshgate::sandbox
