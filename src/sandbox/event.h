// SPDX-License-Identifier: Apache-2.0
// What a running sandbox reports: seccomp violations, limits hit, setup steps
// (verbose) and, when learning, each syscall seen. Each event is one JSON
// object on one line (docs/sandbox.md "Violation events"). Depends on base.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "sandbox/step.h"

namespace meshgate::sandbox {

enum class EventKind {
  Violation,  // a syscall hit the default action or came from a refused ABI
  Limit,      // a limit ended the sandbox: wall_time, cpu_time, memory
  Step,       // a setup step finished (SpawnOptions::trace_steps)
};

struct Event {
  EventKind kind = EventKind::Violation;
  base::SystemTime time;
  // Violation
  std::string syscall;  // "ptrace", or "syscall_<nr>" when unknown
  int nr = -1;
  std::string abi;      // "x86_64", "x86", "x32"
  pid_t pid = 0;        // host pid of the caller
  std::string action;   // "kill", "errno", "log"
  int errno_value = 0;  // action errno: the error returned
  std::array<uint64_t, 6> args{};
  bool has_args = false;
  // Limit
  std::string limit;  // "wall_time", "cpu_time", "memory"
  std::string detail;
  // Step
  Step step = Step::None;
  std::chrono::nanoseconds elapsed{0};  // since the previous step
  base::MonoTime at;                    // when the step finished (CLOCK_MONOTONIC)

  /// One line of JSON without the trailing newline, e.g.
  /// {"time":"...","event":"seccomp_violation","syscall":"ptrace","nr":101,...}
  std::string toJson() const;
};

}  // namespace meshgate::sandbox
