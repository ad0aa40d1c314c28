// SPDX-License-Identifier: Apache-2.0
// BPF construction: the compiled programs are run through the evaluator (the
// kernel's semantics, deterministic) and, for a few, installed for real in a
// forked child.
#include "sandbox/seccomp_bpf.h"

#include <asm/ioctls.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

SeccompPolicy policy(std::vector<std::string> allow, SeccompAction def = SeccompAction::kill()) {
  SeccompPolicy p;
  p.default_action = def;
  allow.push_back("execve");
  p.rules.push_back(SyscallRule{allow, SeccompAction::allow(), {}, false});
  return p;
}

uint32_t call(const BpfProgram& p, const char* name, std::initializer_list<uint64_t> args = {}) {
  return evaluate(p, nativeCall(*syscallNumber(name), args));
}

seccomp_data i386Call(int nr, std::initializer_list<uint64_t> args = {}) {
  seccomp_data d = nativeCall(nr, args);
  d.arch = AUDIT_ARCH_I386;
  return d;
}

TEST(SeccompBpf, EnforceModeUsesKernelActions) {
  auto c = compilePolicy(policy({"read", "write"}), FilterMode::Enforce);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->uses_notification);
  EXPECT_EQ(c->allowed_syscalls, 3u);
  EXPECT_EQ(call(c->program, "read"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(c->program, "ptrace"), SECCOMP_RET_KILL_PROCESS);
  auto e = compilePolicy(policy({"read"}, SeccompAction::fail(EACCES)), FilterMode::Enforce);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(call(e->program, "ptrace"), SECCOMP_RET_ERRNO | EACCES);
}

TEST(SeccompBpf, ReportModeNotifiesTheDefaultAction) {
  for (SeccompAction def : {SeccompAction::kill(), SeccompAction::fail(EPERM),
                            SeccompAction{SeccompActionKind::Log, 0}}) {
    auto c = compilePolicy(policy({"read"}, def), FilterMode::Report);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->uses_notification);
    EXPECT_EQ(call(c->program, "read"), SECCOMP_RET_ALLOW);
    EXPECT_EQ(call(c->program, "ptrace"), SECCOMP_RET_USER_NOTIF);
  }
  // Trap and kill-thread cannot be carried out by a supervisor: they stay
  // with the kernel.
  auto t = compilePolicy(policy({"read"}, {SeccompActionKind::Trap, 0}), FilterMode::Report);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(call(t->program, "ptrace"), SECCOMP_RET_TRAP);
}

TEST(SeccompBpf, ExplicitDenialsStayQuietInReportMode) {
  SeccompPolicy p = policy({"read"}, SeccompAction::fail(EPERM));
  p.rules.push_back(SyscallRule{{"clone3"}, SeccompAction::fail(ENOSYS), {}, false});
  p.rules.push_back(SyscallRule{{"uname"}, SeccompAction::fail(EPERM), {}, false});
  auto c = compilePolicy(p, FilterMode::Report);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(call(c->program, "clone3"), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(call(c->program, "uname"), SECCOMP_RET_ERRNO | EPERM);  // not a notification
  EXPECT_EQ(call(c->program, "mount"), SECCOMP_RET_USER_NOTIF);
}

TEST(SeccompBpf, ArgumentFilters) {
  SeccompPolicy p = policy({"read"});
  p.rules.push_back(
      SyscallRule{{"clone"}, SeccompAction::allow(), {{0, ArgOp::MaskedEq, 0x7e020000, 0}}, false});
  p.rules.push_back(
      SyscallRule{{"ioctl"}, SeccompAction::allow(), {{1, ArgOp::Eq, TCGETS, 0}}, false});
  p.rules.push_back(SyscallRule{{"mmap"}, SeccompAction::allow(), {{2, ArgOp::Le, 3, 0}}, false});
  auto c = compilePolicy(p, FilterMode::Enforce);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(call(c->program, "clone", {0x11}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(c->program, "clone", {0x10000000 | 0x11}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(call(c->program, "ioctl", {1, TCGETS}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(c->program, "ioctl", {1, TIOCSTI}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(call(c->program, "mmap", {0, 4096, 3}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(c->program, "mmap", {0, 4096, 7}), SECCOMP_RET_KILL_PROCESS);
}

TEST(SeccompBpf, NonNativeAbisAreRefused) {
  auto enforce = compilePolicy(policy({"getpid"}), FilterMode::Enforce);
  ASSERT_TRUE(enforce.ok());
  // i386 (int 0x80): bad architecture.
  EXPECT_EQ(evaluate(enforce->program, i386Call(20)), SECCOMP_RET_KILL_PROCESS);
  // x32: the x86_64 arch with __X32_SYSCALL_BIT set.
  EXPECT_EQ(evaluate(enforce->program, nativeCall(0x40000000 | SYS_getpid)),
            SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(evaluate(enforce->program, nativeCall(SYS_getpid)), SECCOMP_RET_ALLOW);
  // In report mode the supervisor hears of them (and kills).
  auto report = compilePolicy(policy({"getpid"}), FilterMode::Report);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(evaluate(report->program, i386Call(20)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(evaluate(report->program, nativeCall(0x40000000 | SYS_getpid)), SECCOMP_RET_USER_NOTIF);
}

TEST(SeccompBpf, AdmittedAbisGetTheSameRulesByName) {
  SeccompPolicy p = policy({"getpid"});
  p.architectures = {SeccompArch::Native, SeccompArch::X86};
  auto c = compilePolicy(p, FilterMode::Enforce);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(evaluate(c->program, i386Call(20 /* getpid */)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(evaluate(c->program, i386Call(26 /* ptrace */)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(evaluate(c->program, nativeCall(0x40000000 | SYS_getpid)), SECCOMP_RET_KILL_PROCESS);
}

TEST(SeccompBpf, LearnModeNotifiesEverythingButExecve) {
  auto c = compilePolicy(SeccompPolicy{}, FilterMode::Learn);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(call(c->program, "execve"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(c->program, "read"), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(evaluate(c->program, i386Call(20)), SECCOMP_RET_USER_NOTIF);
}

TEST(SeccompBpf, PolicyMustAllowExecve) {
  SeccompPolicy p;
  p.rules.push_back(SyscallRule{{"read"}, SeccompAction::allow(), {}, false});
  auto c = compilePolicy(p, FilterMode::Enforce);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("must allow execve"), std::string::npos);
}

TEST(SeccompBpf, ConflictingUnconditionalRulesAreAnError) {
  SeccompPolicy p = policy({"read"});
  p.rules.push_back(SyscallRule{{"read"}, SeccompAction::fail(EPERM), {}, false});
  auto c = compilePolicy(p, FilterMode::Enforce);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "seccomp: conflicting unconditional rules for 'read': allow and errno");
}

TEST(SeccompBpf, BaselineRestrictsFamiliesAndTiocsti) {
  BpfProgram b = compileBaseline({AF_UNIX, AF_INET}, {SeccompArch::Native});
  EXPECT_EQ(call(b, "socket", {AF_UNIX, SOCK_STREAM}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(b, "socket", {AF_INET, SOCK_DGRAM}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(b, "socket", {AF_PACKET, SOCK_RAW}), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(call(b, "socket", {AF_NETLINK, SOCK_RAW}), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(call(b, "socketpair", {AF_INET6}), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  // The kernel reads the family as an int: high bits change nothing.
  EXPECT_EQ(call(b, "socket", {0x100000000ull | AF_PACKET}), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(call(b, "socket", {0x100000000ull | AF_INET}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(b, "ioctl", {0, TIOCSTI}), SECCOMP_RET_ERRNO | EPERM);
  EXPECT_EQ(call(b, "ioctl", {0, 0xdead00000000ull | TIOCSTI}), SECCOMP_RET_ERRNO | EPERM);
  EXPECT_EQ(call(b, "ioctl", {0, TIOCLINUX}), SECCOMP_RET_ERRNO | EPERM);
  EXPECT_EQ(call(b, "ioctl", {0, TCGETS}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(call(b, "read"), SECCOMP_RET_ALLOW);
  // Refused ABIs are left to the policy filter.
  EXPECT_EQ(evaluate(b, i386Call(102, {1})), SECCOMP_RET_ALLOW);
}

TEST(SeccompBpf, BaselineCoversAdmittedAbisIncludingSocketcall) {
  BpfProgram b =
      compileBaseline({AF_UNIX}, {SeccompArch::Native, SeccompArch::X86, SeccompArch::X32});
  EXPECT_EQ(evaluate(b, i386Call(359, {AF_PACKET})), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(evaluate(b, i386Call(359, {AF_UNIX})), SECCOMP_RET_ALLOW);
  // socketcall(SYS_SOCKET, args) cannot be inspected: refused whatever the family.
  EXPECT_EQ(evaluate(b, i386Call(102, {1})), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(evaluate(b, i386Call(102, {8})), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(evaluate(b, i386Call(102, {3 /* SYS_CONNECT */})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(evaluate(b, i386Call(54, {0, TIOCSTI})), SECCOMP_RET_ERRNO | EPERM);
  EXPECT_EQ(evaluate(b, nativeCall(0x40000000 | SYS_socket, {AF_PACKET})),
            SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  EXPECT_EQ(evaluate(b, nativeCall(0x40000000 | 514, {0, TIOCSTI})), SECCOMP_RET_ERRNO | EPERM);
}

TEST(SeccompBpf, InitFilterAllowsOnlyWhatPidOneNeeds) {
  BpfProgram f = compileInitFilter();
  for (const char* s : {"rt_sigtimedwait", "wait4", "kill", "sendmsg", "exit_group"}) {
    EXPECT_EQ(call(f, s), SECCOMP_RET_ALLOW) << s;
  }
  for (const char* s : {"execve", "openat", "ptrace", "socket", "mmap"}) {
    EXPECT_EQ(call(f, s), SECCOMP_RET_KILL_PROCESS) << s;
  }
  EXPECT_EQ(evaluate(f, i386Call(20)), SECCOMP_RET_KILL_PROCESS);
}

TEST(SeccompBpf, EvaluatorRejectsMalformedPrograms) {
  BpfProgram empty;
  EXPECT_EQ(evaluate(empty, nativeCall(0)), SECCOMP_RET_KILL_PROCESS);
  BpfProgram bad{{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 1000)}};
  EXPECT_EQ(evaluate(bad, nativeCall(0)), SECCOMP_RET_KILL_PROCESS);
}

// The compiled programs do what the evaluator says when the kernel runs them.
TEST(SeccompBpf, InstalledFilterBehavesAsEvaluated) {
  // socket is allowed by the policy: the baseline's family check decides.
  SeccompPolicy p = policy({"read", "write", "exit_group", "exit", "getppid", "socket"},
                           SeccompAction::fail(EACCES));
  p.rules.push_back(SyscallRule{{"getuid"}, SeccompAction::fail(ENOSYS), {}, false});
  auto c = compilePolicy(p, FilterMode::Enforce);
  ASSERT_TRUE(c.ok());
  BpfProgram baseline = compileBaseline({AF_UNIX}, {SeccompArch::Native});
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(10);
    if (installFilter(baseline, 0) < 0) ::_exit(11);
    if (installFilter(c->program, 0) < 0) ::_exit(12);
    if (::syscall(SYS_getppid) <= 0) ::_exit(13);
    if (::syscall(SYS_getuid) != -1 || errno != ENOSYS) ::_exit(14);
    if (::syscall(SYS_getpid) != -1 || errno != EACCES) ::_exit(15);
    if (::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0) != -1 || errno != EAFNOSUPPORT) ::_exit(16);
    ::syscall(SYS_exit_group, 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompBpf, InstalledKillFilterKillsWithSigsys) {
  auto c = compilePolicy(policy({"exit_group"}), FilterMode::Enforce);
  ASSERT_TRUE(c.ok());
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(10);
    if (installFilter(c->program, 0) < 0) ::_exit(12);
    ::syscall(SYS_getpid);
    ::syscall(SYS_exit_group, 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(Syscalls, NamesNumbersAndDecoding) {
  EXPECT_EQ(syscallNumber("read"), 0);
  EXPECT_EQ(syscallNumber("getpid", SeccompArch::X86), 20);
  EXPECT_EQ(syscallNumber("getpid", SeccompArch::X32), 0x40000000 | 39);
  EXPECT_EQ(syscallNumber("socketcall"), std::nullopt);  // x86_64 has none
  EXPECT_EQ(syscallNumber("socketcall", SeccompArch::X86), 102);
  EXPECT_EQ(syscallNumber("mseal"), 462);  // newer than libseccomp's table
  EXPECT_EQ(syscallNumber("frobnicate"), std::nullopt);
  EXPECT_EQ(decodeSyscall(AUDIT_ARCH_X86_64, 101).name, "ptrace");
  EXPECT_EQ(decodeSyscall(AUDIT_ARCH_X86_64, 0x40000000 | 39).abi, "x32");
  EXPECT_EQ(decodeSyscall(AUDIT_ARCH_X86_64, 0x40000000 | 39).name, "getpid");
  EXPECT_EQ(decodeSyscall(AUDIT_ARCH_I386, 102).name, "socketcall");
  EXPECT_EQ(decodeSyscall(AUDIT_ARCH_I386, 102).abi, "x86");
  EXPECT_EQ(decodeSyscall(AUDIT_ARCH_X86_64, 9999).name, "syscall_9999");
  EXPECT_EQ(archFromName("SCMP_ARCH_X86_64"), SeccompArch::Native);
  EXPECT_EQ(archFromName("i386"), SeccompArch::X86);
  EXPECT_EQ(archFromName("mips"), std::nullopt);
}

}  // namespace
}  // namespace meshgate::sandbox
