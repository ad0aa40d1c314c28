// SPDX-License-Identifier: Apache-2.0
// Everything the child needs, decided and allocated by the supervisor before
// clone: the child reads it and allocates nothing. Each recipe step gets only
// its own member. Depends on base and the step headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/command.h"
#include "sandbox/fds.h"
#include "sandbox/landlock.h"
#include "sandbox/mount_ns.h"
#include "sandbox/privileges.h"
#include "sandbox/profile.h"
#include "sandbox/seccomp_bpf.h"
#include "sandbox/user_ns.h"

namespace meshgate::sandbox {

struct Plan {
  uint64_t clone_flags = 0;
  UserPlan user;
  MountPlan mounts;
  NetworkMode network = NetworkMode::None;
  std::string hostname;
  std::vector<Rlimit> rlimits;
  CapabilityPlan capabilities;
  LandlockPlan landlock;
  FdPlan fds;
  std::string working_dir;
  CommandPlan command;
  BpfProgram baseline_filter;
  CompiledPolicy policy_filter;
  FilterMode filter_mode = FilterMode::Enforce;
  BpfProgram init_filter;
  bool use_init = true;
  /// Signals the supervisor ignores (they would survive exec), and whether
  /// clone3 left handled signals for the child to reset too.
  uint64_t ignored_signals = 0;
  bool reset_all_signals = false;
  /// Send a Progress message after each step (for --verbose).
  bool trace_steps = false;
  bool die_with_parent = true;
};

}  // namespace meshgate::sandbox
