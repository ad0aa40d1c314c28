// SPDX-License-Identifier: Apache-2.0
// The seccomp part of a sandbox profile: a default action, rules per syscall
// with optional argument conditions, and the architectures the filter admits.
// Plain data; compiled to BPF by seccomp_bpf.h. Depends on std only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace meshgate::sandbox {

/// What the filter does with a syscall. Ordered from most to least severe, the
/// way the kernel ranks the results of stacked filters.
enum class SeccompActionKind {
  KillProcess,  // the whole sandbox dies (see docs/sandbox.md "Violations")
  KillThread,   // only the calling thread dies (Docker's SCMP_ACT_KILL)
  Trap,         // SIGSYS to the caller
  Errno,        // the syscall fails with `errno_value`
  Trace,        // a ptrace tracer decides; ENOSYS without one
  Log,          // allowed, and reported
  Allow,
};

struct SeccompAction {
  SeccompActionKind kind = SeccompActionKind::KillProcess;
  /// For Errno: the errno returned. For Trace: the value handed to the tracer.
  int errno_value = 0;

  static SeccompAction allow() { return {SeccompActionKind::Allow, 0}; }
  static SeccompAction fail(int err) { return {SeccompActionKind::Errno, err}; }
  static SeccompAction kill() { return {SeccompActionKind::KillProcess, 0}; }
  bool operator==(const SeccompAction&) const = default;
};

/// "kill", "kill_thread", "trap", "errno", "trace", "log", "allow".
const char* actionName(SeccompActionKind kind);

/// A comparison on one syscall argument, with libseccomp's semantics
/// (SCMP_CMP_*). MaskedEq compares (arg & value) == value_two.
enum class ArgOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq };

struct ArgCondition {
  unsigned index = 0;  // 0..5
  ArgOp op = ArgOp::Eq;
  uint64_t value = 0;
  uint64_t value_two = 0;
  bool operator==(const ArgCondition&) const = default;
};

/// One rule: these syscalls get `action` when every condition in `args`
/// holds. A syscall that no rule matches gets the default action. Two
/// unconditional rules with different actions for one syscall are an error
/// (reported when the filter is compiled).
struct SyscallRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::allow();
  std::vector<ArgCondition> args;
  /// Docker/runc compatibility: when two conditions name the same argument,
  /// runc adds each condition as its own rule (an OR). Set by the Docker
  /// loader only.
  bool split_same_index_conditions = false;
  bool operator==(const SyscallRule&) const = default;
};

/// Syscall ABIs a filter may admit. Native is x86_64 on x86_64 hosts.
enum class SeccompArch { Native, X86, X32 };

struct SeccompPolicy {
  SeccompAction default_action = SeccompAction::kill();
  std::vector<SyscallRule> rules;
  /// Always contains Native. Anything else is refused with KillProcess by the
  /// filter itself (libseccomp's bad-arch action), before any rule runs.
  std::vector<SeccompArch> architectures = {SeccompArch::Native};
  /// Report default-action hits and bad-arch calls through seccomp user
  /// notification (docs/sandbox.md "Violations"). Off: the kernel enforces
  /// the action alone and nothing but SIGSYS is visible.
  bool report = true;
  /// SECCOMP_FILTER_FLAG_LOG: also log non-allow actions to the audit log.
  bool kernel_log = false;
  /// Where the policy came from, for messages: "builtin strict", a file name.
  std::string origin;
  bool operator==(const SeccompPolicy&) const = default;
};

}  // namespace meshgate::sandbox
