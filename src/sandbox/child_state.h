// SPDX-License-Identifier: Apache-2.0
// Child's private state, shared by spawn.cc (which fills it) and child.cc
// (which supervises). Not part of the public API.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/clock.h"
#include "sandbox/cgroups.h"
#include "sandbox/plan.h"
#include "sandbox/sandbox.h"

struct seccomp_notif;
struct seccomp_notif_resp;

namespace meshgate::sandbox {

/// A channel Message's `nanos` (CLOCK_MONOTONIC, as steady_clock) as a MonoTime.
inline base::MonoTime monoFromNanos(int64_t nanos) {
  return base::MonoTime(
      std::chrono::duration_cast<base::MonoTime::duration>(std::chrono::nanoseconds(nanos)));
}

struct Child::State {
  ~State();

  SpawnOptions options;
  Plan plan;
  SetupReport report;
  std::unique_ptr<CgroupSet> cgroups;

  pid_t pid = -1;
  int pidfd = -1;
  int channel = -1;
  int listener = -1;
  int command_pid_inside = 0;

  std::chrono::steady_clock::time_point start;
  std::optional<std::chrono::steady_clock::time_point> wall_deadline;
  std::optional<uint64_t> cpu_limit_nanos;
  std::chrono::steady_clock::time_point next_cpu_check;
  SeccompAction default_action;

  /// The command's wait status, as pid 1 reported it.
  std::optional<int> command_status;
  /// Pid 1 reported that every other process of the sandbox is dead and
  /// reaped (kExitedAllReaped).
  bool all_reaped = false;
  /// Why the supervisor killed the sandbox, if it did.
  enum class KillCause { None, Violation, WallTime, CpuTime } kill_cause = KillCause::None;
  bool reaped = false;
  int reaped_status = 0;  // pid 1's, as a wait status
  std::string init_status_text;
  std::string exec_error;

  /// The buffers for seccomp user notifications, allocated once (see
  /// allocNotifyBuffers); null until then or when allocation failed.
  seccomp_notif* request = nullptr;
  seccomp_notif_resp* response = nullptr;
  /// Allocates request/response unless they are; false when that fails.
  bool allocNotifyBuffers();
  std::set<int> learned;
  std::set<int> learned_families;
};

}  // namespace meshgate::sandbox
