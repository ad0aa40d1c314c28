// SPDX-License-Identifier: Apache-2.0
#include "sandbox/syscalls.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <cstdlib>
#include <cstring>

#include "base/strings.h"

namespace meshgate::sandbox {
namespace {

constexpr int kX32SyscallBit = 0x40000000;

// Syscalls added to Linux after the tables of libseccomp 2.5.4 (which ends at
// futex_requeue, 456). Since 5.1 new syscalls share one number on every ABI
// but alpha, and x32 adds its bit.
struct NewSyscall {
  const char* name;
  int nr;
};
constexpr NewSyscall kNewSyscalls[] = {
    {"statmount", 457},         {"listmount", 458},        {"lsm_get_self_attr", 459},
    {"lsm_set_self_attr", 460}, {"lsm_list_modules", 461}, {"mseal", 462},
    {"setxattrat", 463},        {"getxattrat", 464},       {"listxattrat", 465},
    {"removexattrat", 466},     {"open_tree_attr", 467},   {"file_getattr", 468},
    {"file_setattr", 469},
};

uint32_t scmpArch(SeccompArch arch) {
  switch (arch) {
    case SeccompArch::Native:
      return SCMP_ARCH_NATIVE;
    case SeccompArch::X86:
      return SCMP_ARCH_X86;
    case SeccompArch::X32:
      return SCMP_ARCH_X32;
  }
  return SCMP_ARCH_NATIVE;
}

}  // namespace

uint32_t auditArch(SeccompArch arch) {
  switch (arch) {
    case SeccompArch::Native:
      return AUDIT_ARCH_X86_64;
    case SeccompArch::X86:
      return AUDIT_ARCH_I386;
    // x32 shares AUDIT_ARCH_X86_64 and is told apart by the syscall number.
    case SeccompArch::X32:
      return AUDIT_ARCH_X86_64;
  }
  return AUDIT_ARCH_X86_64;
}

const char* archName(SeccompArch arch) {
  switch (arch) {
    case SeccompArch::Native:
      return "x86_64";
    case SeccompArch::X86:
      return "x86";
    case SeccompArch::X32:
      return "x32";
  }
  return "?";
}

std::optional<SeccompArch> archFromName(std::string_view name) {
  std::string n = base::toLower(name);
  if (n.rfind("scmp_arch_", 0) == 0) n.erase(0, 10);
  if (n == "native" || n == "x86_64" || n == "amd64") return SeccompArch::Native;
  if (n == "x86" || n == "i386" || n == "i686" || n == "386") return SeccompArch::X86;
  if (n == "x32") return SeccompArch::X32;
  return std::nullopt;
}

std::optional<int> syscallNumber(std::string_view name, SeccompArch arch) {
  std::string n(name);
  int nr = seccomp_syscall_resolve_name_arch(scmpArch(arch), n.c_str());
  if (nr >= 0) return nr;
  if (nr != __NR_SCMP_ERROR) {
    // A libseccomp pseudo number: the ABI multiplexes this call (socket
    // calls through socketcall on x86) or lacks it.
    return std::nullopt;
  }
  for (const NewSyscall& s : kNewSyscalls) {
    if (n == s.name) return arch == SeccompArch::X32 ? (s.nr | kX32SyscallBit) : s.nr;
  }
  if (n == "uretprobe" && arch == SeccompArch::Native) return 335;
  return std::nullopt;
}

DecodedSyscall decodeSyscall(uint32_t audit_arch, int nr) {
  SeccompArch arch = SeccompArch::Native;
  if (audit_arch == AUDIT_ARCH_I386) {
    arch = SeccompArch::X86;
  } else if (audit_arch == AUDIT_ARCH_X86_64 && (nr & kX32SyscallBit) != 0) {
    arch = SeccompArch::X32;
  } else if (audit_arch != AUDIT_ARCH_X86_64) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08x", audit_arch);
    return {"syscall_" + std::to_string(nr), buf};
  }
  DecodedSyscall out;
  out.abi = archName(arch);
  char* name = seccomp_syscall_resolve_num_arch(scmpArch(arch), nr);
  if (name != nullptr) {
    out.name = name;
    std::free(name);
    return out;
  }
  int plain = arch == SeccompArch::X32 ? (nr & ~kX32SyscallBit) : nr;
  for (const NewSyscall& s : kNewSyscalls) {
    if (s.nr == plain) {
      out.name = s.name;
      return out;
    }
  }
  out.name = "syscall_" + std::to_string(nr);
  return out;
}

}  // namespace meshgate::sandbox
