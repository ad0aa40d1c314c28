// SPDX-License-Identifier: Apache-2.0
// User namespace: the id maps the supervisor writes for the child, and the ids
// the child takes inside. Sandbox uid/gid 0 never maps onto host 0. Depends on
// base only.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"
#include "sandbox/profile.h"
#include "sandbox/step.h"

namespace meshgate::sandbox {

struct UserPlan {
  uid_t uid = 0;  // inside
  gid_t gid = 0;
  std::string uid_map;  // "0 65534 1\n"
  std::string gid_map;
  /// Privileged supervisors map any range and drop supplementary groups;
  /// unprivileged ones can map only their own ids and must deny setgroups(2).
  bool drop_groups = true;
};

/// Supervisor side, before clone. Unprivileged callers get their own uid/gid
/// as the only host id (never 0, since they are not root).
base::Result<UserPlan> planUser(const UserSpec& spec);

/// Supervisor side, after clone: setgroups policy, gid_map, uid_map of `pid`.
base::Status writeIdMaps(pid_t pid, const UserPlan& plan);

/// Child side: drop supplementary groups and become plan.uid/plan.gid.
StepResult enterIds(const UserPlan& plan);

}  // namespace meshgate::sandbox
