// SPDX-License-Identifier: Apache-2.0
// Compiles seccomp policies to classic BPF, evaluates programs (for tests and
// for `meshgate sandbox` diagnostics) and installs them. Compilation runs in
// the supervisor, before clone; installation is a single syscall and is
// async-signal-safe. Depends on base and libseccomp.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/seccomp_policy.h"

namespace meshgate::sandbox {

struct BpfProgram {
  std::vector<sock_filter> insns;
  size_t size() const { return insns.size(); }
};

/// How the policy's default action reaches the kernel.
enum class FilterMode {
  /// Every action is the kernel's own (SECCOMP_RET_KILL_PROCESS, ERRNO, LOG).
  Enforce,
  /// Default-action hits that are kill, errno or log, and calls from refused
  /// ABIs, become SECCOMP_RET_USER_NOTIF: the supervisor reports each one, then
  /// enforces the action (docs/sandbox.md "Violations").
  Report,
  /// Learning: every native syscall is a notification that the supervisor
  /// records and lets through; other ABIs are still refused.
  Learn,
};

struct CompiledPolicy {
  BpfProgram program;
  /// Syscall names the policy named but no admitted ABI has (skipped, as runc
  /// does for Docker profiles).
  std::vector<std::string> unknown_syscalls;
  /// Distinct syscalls that some rule allows (unconditionally or not) on the
  /// native ABI.
  size_t allowed_syscalls = 0;
  /// True when the program can return SECCOMP_RET_USER_NOTIF.
  bool uses_notification = false;
  /// Install with SECCOMP_FILTER_FLAG_LOG (policy.kernel_log).
  bool kernel_log = false;

  /// The SECCOMP_FILTER_FLAG_* to install the program with.
  unsigned installFlags() const;
};

/// Compiles the profile's policy. Fails on conflicting rules, and when execve
/// is not unconditionally allowed (the sandbox execs the command after the
/// filter is installed).
base::Result<CompiledPolicy> compilePolicy(const SeccompPolicy& policy, FilterMode mode);
/// The same without the cache and the built-ins' precompiled programs (for
/// the build-time generator and the tests that check its output).
base::Result<CompiledPolicy> compilePolicyUncached(const SeccompPolicy& policy, FilterMode mode);
/// Everything compilation depends on, as a string (the cache's key).
std::string policyCacheKey(const SeccompPolicy& policy, FilterMode mode);

/// meshgate's own filter, stacked under every policy: socket(2) and
/// socketpair(2) only for `families` (else EAFNOSUPPORT), and no TIOCSTI or
/// TIOCLINUX ioctl (EPERM). On admitted 32-bit ABIs the socketcall(2)
/// multiplexer cannot be inspected, so SYS_SOCKET and SYS_SOCKETPAIR through it
/// fail with EAFNOSUPPORT. Arguments are compared on their low 32 bits, as the
/// kernel reads them (int family, unsigned int cmd).
BpfProgram compileBaseline(const std::vector<int>& families,
                           const std::vector<SeccompArch>& architectures);

/// The sandbox's pid-1 reaper's own filter: just what it needs to wait, forward
/// signals and report (docs/sandbox.md "The init process").
BpfProgram compileInitFilter();

/// Runs `program` on `data` the way the kernel would and returns the
/// SECCOMP_RET_* value (action and data).
uint32_t evaluate(const BpfProgram& program, const seccomp_data& data);

/// A seccomp_data for the native ABI.
seccomp_data nativeCall(int nr, std::initializer_list<uint64_t> args = {});

/// seccomp(SECCOMP_SET_MODE_FILTER, flags, program). Returns the listener fd
/// with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0; -errno on failure.
/// Async-signal-safe: no allocation.
int installFilter(const BpfProgram& program, unsigned flags);

/// Kernel support, probed once.
struct SeccompSupport {
  bool user_notif = false;      // SECCOMP_RET_USER_NOTIF (5.0)
  bool notif_continue = false;  // SECCOMP_USER_NOTIF_FLAG_CONTINUE (5.5)
  bool kill_process = false;    // SECCOMP_RET_KILL_PROCESS (4.14)
};
const SeccompSupport& seccompSupport();

}  // namespace meshgate::sandbox
