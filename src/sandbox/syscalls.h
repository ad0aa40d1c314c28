// SPDX-License-Identifier: Apache-2.0
// Syscall names and numbers per ABI, from libseccomp's tables plus the syscalls
// newer than the installed libseccomp. Depends on base and libseccomp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/seccomp_policy.h"

namespace meshgate::sandbox {

/// AUDIT_ARCH_* value of an ABI, as seccomp_data.arch reports it.
uint32_t auditArch(SeccompArch arch);
/// "x86_64", "x86", "x32".
const char* archName(SeccompArch arch);
/// Parses "native", "x86_64"/"amd64", "x86"/"i386", "x32", or libseccomp's
/// "SCMP_ARCH_X86_64"-style names.
std::optional<SeccompArch> archFromName(std::string_view name);

/// The syscall's number on `arch`, or nullopt when the ABI has no such syscall
/// (e.g. "socketcall" on x86_64). x32 numbers include __X32_SYSCALL_BIT.
std::optional<int> syscallNumber(std::string_view name, SeccompArch arch = SeccompArch::Native);

/// Decodes a (seccomp_data.arch, nr) pair for reports: {"read", "x86_64"}.
/// Unknown numbers give "syscall_<nr>"; x32 calls are recognised by the x32
/// bit even on x86_64 filters.
struct DecodedSyscall {
  std::string name;
  std::string abi;
};
DecodedSyscall decodeSyscall(uint32_t audit_arch, int nr);

}  // namespace meshgate::sandbox
