// SPDX-License-Identifier: Apache-2.0
// Pid 1's own seccomp filter: the only calls the sandbox's init makes once the
// command runs. Shared by the supervisor (compileInitFilter) and the
// freestanding init that pid 1 execs (init_freestanding.cc, ADR 0205), so it
// depends on kernel headers only.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

namespace meshgate::sandbox {

// clock_gettime stamps the command's exit for MG_SANDBOX_TRACE: every process
// reads that clock through the vDSO without a syscall anyway.
inline constexpr unsigned kInitSyscalls[] = {
    SYS_rt_sigtimedwait, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_wait4, SYS_kill,
    SYS_sendmsg,         SYS_write,          SYS_close,        SYS_exit,  SYS_exit_group,
    SYS_restart_syscall, SYS_clock_gettime,
};
inline constexpr size_t kInitSyscallCount = sizeof kInitSyscalls / sizeof kInitSyscalls[0];
inline constexpr size_t kInitFilterLength = kInitSyscallCount + 6;

/// x86_64 only, then one comparison per allowed syscall; everything else kills.
constexpr void buildInitFilter(sock_filter (&out)[kInitFilterLength]) {
  constexpr uint16_t kLoad = BPF_LD | BPF_W | BPF_ABS;
  constexpr uint16_t kJeq = BPF_JMP | BPF_JEQ | BPF_K;
  constexpr uint16_t kRet = BPF_RET | BPF_K;
  size_t i = 0;
  out[i++] = sock_filter{kLoad, 0, 0, offsetof(seccomp_data, arch)};
  out[i++] = sock_filter{kJeq, 1, 0, AUDIT_ARCH_X86_64};
  out[i++] = sock_filter{kRet, 0, 0, SECCOMP_RET_KILL_PROCESS};
  out[i++] = sock_filter{kLoad, 0, 0, offsetof(seccomp_data, nr)};
  for (size_t k = 0; k < kInitSyscallCount; ++k) {
    // Past the remaining comparisons and the kill, onto the allow.
    out[i++] = sock_filter{kJeq, static_cast<uint8_t>(kInitSyscallCount - k), 0, kInitSyscalls[k]};
  }
  out[i++] = sock_filter{kRet, 0, 0, SECCOMP_RET_KILL_PROCESS};
  out[i++] = sock_filter{kRet, 0, 0, SECCOMP_RET_ALLOW};
}

}  // namespace meshgate::sandbox
