// SPDX-License-Identifier: Apache-2.0
// Docker's default profile, loaded as-is and resolved as Docker documents it:
// the filter is then checked call by call with the BPF evaluator.
#include "sandbox/docker_seccomp.h"

#include <linux/audit.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <gtest/gtest.h>

#include "base/file.h"
#include "sandbox/profile.h"
#include "sandbox/seccomp_bpf.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

std::string dockerDefault() {
  auto text = base::readFile(std::string(MG_SOURCE_DIR) +
                             "/../shared/reference/seccomp/docker-default.json");
  MG_ASSERT(text.ok(), "../shared/reference/seccomp/docker-default.json is readable");
  return text.value();
}

DockerContext context(std::vector<std::string> caps, int major = 6, int minor = 1) {
  DockerContext c;
  for (const std::string& name : caps)
    c.capabilities.push_back(*capabilityFromName(name));
  c.kernel_major = major;
  c.kernel_minor = minor;
  return c;
}

BpfProgram compileDocker(const DockerContext& ctx) {
  auto policy = parseDockerSeccomp(dockerDefault(), ctx, "docker-default.json");
  MG_ASSERT(policy.ok(), "docker-default.json loads");
  auto compiled = compilePolicy(policy.value(), FilterMode::Enforce);
  MG_ASSERT(compiled.ok(), "docker-default.json compiles");
  return compiled.value().program;
}

uint32_t run(const BpfProgram& p, const char* name, std::initializer_list<uint64_t> args = {}) {
  return evaluate(p, nativeCall(*syscallNumber(name), args));
}

constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;

TEST(DockerSeccomp, DefaultProfileLoads) {
  auto policy = parseDockerSeccomp(dockerDefault(), context({}), "docker-default.json");
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(policy->default_action, SeccompAction::fail(EPERM));  // defaultErrnoRet 1
  // archMap resolved for amd64; sub-architectures refused unless admitted.
  EXPECT_EQ(policy->architectures, std::vector<SeccompArch>{SeccompArch::Native});
  DockerContext admitted = context({});
  admitted.admit_sub_architectures = true;
  auto with_subs = parseDockerSeccomp(dockerDefault(), admitted, "docker-default.json");
  ASSERT_TRUE(with_subs.ok());
  EXPECT_EQ(with_subs->architectures,
            (std::vector<SeccompArch>{SeccompArch::Native, SeccompArch::X86, SeccompArch::X32}));
}

TEST(DockerSeccomp, BlocksWhatDockerDocumentsAsBlocked) {
  // docs.docker.com/engine/security/seccomp: "Significant syscalls blocked by
  // the default profile" (those that exist on x86_64; clock_adjtime is on
  // that page but the current profile allows it).
  BpfProgram p = compileDocker(context({}));
  for (const char* s : {"acct",
                        "add_key",
                        "bpf",
                        "clock_settime",
                        "create_module",
                        "delete_module",
                        "finit_module",
                        "get_kernel_syms",
                        "get_mempolicy",
                        "init_module",
                        "ioperm",
                        "iopl",
                        "kcmp",
                        "kexec_file_load",
                        "kexec_load",
                        "keyctl",
                        "lookup_dcookie",
                        "mbind",
                        "mount",
                        "move_pages",
                        "nfsservctl",
                        "open_by_handle_at",
                        "perf_event_open",
                        "pivot_root",
                        "query_module",
                        "quotactl",
                        "reboot",
                        "request_key",
                        "set_mempolicy",
                        "setns",
                        "settimeofday",
                        "swapon",
                        "swapoff",
                        "sysfs",
                        "_sysctl",
                        "umount2",
                        "unshare",
                        "uselib",
                        "userfaultfd",
                        "ustat"}) {
    auto nr = syscallNumber(s);
    if (!nr) continue;  // not an x86_64 syscall
    EXPECT_EQ(evaluate(p, nativeCall(*nr)), kEperm) << s;
  }
  EXPECT_EQ(run(p, "clock_adjtime"), SECCOMP_RET_ALLOW);
  // Everyday calls are allowed.
  for (const char* s : {"read", "write", "openat", "execve", "mmap", "futex", "epoll_wait",
                        "accept4", "clone3" /* see below */}) {
    uint32_t r = run(p, s);
    if (std::string(s) == "clone3") {
      // Without CAP_SYS_ADMIN, clone3 is ENOSYS so that glibc falls back to
      // clone, whose flags the filter can inspect.
      EXPECT_EQ(r, SECCOMP_RET_ERRNO | ENOSYS);
    } else {
      EXPECT_EQ(r, SECCOMP_RET_ALLOW) << s;
    }
  }
}

TEST(DockerSeccomp, CloneWithNamespaceFlagsNeedsSysAdmin) {
  BpfProgram p = compileDocker(context({}));
  EXPECT_EQ(run(p, "clone", {SIGCHLD}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "clone", {CLONE_VM | CLONE_THREAD | CLONE_SIGHAND}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "clone", {CLONE_NEWUSER | SIGCHLD}), kEperm);
  EXPECT_EQ(run(p, "clone", {CLONE_NEWNS}), kEperm);
  BpfProgram admin = compileDocker(context({"CAP_SYS_ADMIN"}));
  EXPECT_EQ(run(admin, "clone", {CLONE_NEWUSER | SIGCHLD}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(admin, "clone3"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(admin, "mount"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(admin, "bpf"), SECCOMP_RET_ALLOW);
}

TEST(DockerSeccomp, IncludesResolveAgainstCapabilities) {
  BpfProgram none = compileDocker(context({}));
  BpfProgram caps = compileDocker(
      context({"CAP_SYS_TIME", "CAP_SYS_BOOT", "CAP_SYS_MODULE", "CAP_SYS_PTRACE", "CAP_BPF",
               "CAP_PERFMON", "CAP_DAC_READ_SEARCH", "CAP_SYS_CHROOT", "CAP_SYSLOG"}));
  for (const char* s :
       {"clock_settime", "settimeofday", "reboot", "init_module", "finit_module", "delete_module",
        "kcmp", "pidfd_getfd", "bpf", "perf_event_open", "open_by_handle_at", "chroot", "syslog"}) {
    EXPECT_EQ(run(none, s), kEperm) << s;
    EXPECT_EQ(run(caps, s), SECCOMP_RET_ALLOW) << s;
  }
}

TEST(DockerSeccomp, MinKernelDecidesPtrace) {
  // ptrace, process_vm_readv/writev: allowed from kernel 4.8 on.
  EXPECT_EQ(run(compileDocker(context({}, 4, 8)), "ptrace"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(compileDocker(context({}, 5, 10)), "ptrace"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(compileDocker(context({}, 4, 4)), "ptrace"), kEperm);
  EXPECT_EQ(run(compileDocker(context({}, 3, 18)), "process_vm_readv"), kEperm);
}

TEST(DockerSeccomp, ArchIncludesUseTheHostArchitecture) {
  BpfProgram p = compileDocker(context({}));
  EXPECT_EQ(run(p, "arch_prctl"), SECCOMP_RET_ALLOW);  // includes arches [amd64, x32]
  EXPECT_EQ(run(p, "modify_ldt"), SECCOMP_RET_ALLOW);  // [amd64, x32, x86]
  DockerContext arm = context({});
  arm.arch = "arm64";
  EXPECT_EQ(run(compileDocker(arm), "arch_prctl"), kEperm);
}

TEST(DockerSeccomp, SocketFamiliesAndPersonality) {
  BpfProgram p = compileDocker(context({}));
  EXPECT_EQ(run(p, "socket", {AF_INET}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "socket", {AF_NETLINK}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "socket", {AF_ALG}), kEperm);    // 38
  EXPECT_EQ(run(p, "socket", {AF_VSOCK}), kEperm);  // 40
  EXPECT_EQ(run(p, "socket", {39}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "socket", {41}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "personality", {0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "personality", {8}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "personality", {0xffffffff}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(p, "personality", {0x0020000 | 0x0400000}), kEperm);
}

TEST(DockerSeccomp, NonNativeAbisAreRefusedUnlessAdmitted) {
  BpfProgram p = compileDocker(context({}));
  seccomp_data i386{};
  i386.arch = AUDIT_ARCH_I386;
  i386.nr = 20;
  EXPECT_EQ(evaluate(p, i386), SECCOMP_RET_KILL_PROCESS);
  seccomp_data x32 = nativeCall(0x40000000 | SYS_getpid);
  EXPECT_EQ(evaluate(p, x32), SECCOMP_RET_KILL_PROCESS);
  DockerContext admitted = context({});
  admitted.admit_sub_architectures = true;
  BpfProgram q = compileDocker(admitted);
  EXPECT_EQ(evaluate(q, i386), SECCOMP_RET_ALLOW);  // getpid on i386
  EXPECT_EQ(evaluate(q, x32), SECCOMP_RET_ALLOW);
}

TEST(DockerSeccomp, RuncSplitsConditionsOnTheSameArgument) {
  // Two conditions on arg 0: runc adds one rule per condition (an OR), not
  // one rule with both (an AND, which could never match here).
  auto policy = parseDockerSeccomp(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["execve"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]})",
                                   context({}));
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_TRUE(policy->rules[1].split_same_index_conditions);
  auto compiled = compilePolicy(policy.value(), FilterMode::Enforce);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  EXPECT_EQ(run(compiled->program, "personality", {0}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(compiled->program, "personality", {8}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(run(compiled->program, "personality", {4}), kEperm);
}

TEST(DockerSeccomp, ActionsAndErrnoRet) {
  auto policy = parseDockerSeccomp(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [
      {"name": "execve", "action": "SCMP_ACT_ALLOW"},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["getpid"], "action": "SCMP_ACT_LOG"},
      {"names": ["gettid"], "action": "SCMP_ACT_TRAP"},
      {"names": ["getppid"], "action": "SCMP_ACT_KILL"},
      {"names": ["no_such_syscall_in_any_kernel"], "action": "SCMP_ACT_ALLOW"}]})",
                                   context({}));
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  auto compiled = compilePolicy(policy.value(), FilterMode::Enforce);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  const BpfProgram& p = compiled->program;
  EXPECT_EQ(run(p, "mkdir"), kEperm);  // ERRNO without errnoRet: EPERM, as runc
  EXPECT_EQ(run(p, "rmdir"), SECCOMP_RET_ERRNO | EACCES);
  EXPECT_EQ(run(p, "getpid"), SECCOMP_RET_LOG);
  EXPECT_EQ(run(p, "gettid"), SECCOMP_RET_TRAP);
  EXPECT_EQ(run(p, "getppid"), SECCOMP_RET_KILL_THREAD);  // SCMP_ACT_KILL kills the thread
  EXPECT_EQ(run(p, "read"), SECCOMP_RET_KILL_PROCESS);
  // Unknown names are skipped, as runc does, and listed.
  EXPECT_EQ(compiled->unknown_syscalls, std::vector<std::string>{"no_such_syscall_in_any_kernel"});
}

std::string errorOf(std::string_view json) {
  auto r = parseDockerSeccomp(json, context({}), "p.json");
  return r.ok() ? "<parsed>" : r.error().message;
}

TEST(DockerSeccomp, ErrorsPointAtLineAndColumn) {
  EXPECT_EQ(errorOf("{\"defaultAction\": 7}"), "p.json:1:19: defaultAction: expected a string");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_NOPE\"}"),
            "p.json:1:19: defaultAction: unknown action 'SCMP_ACT_NOPE'");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [\n  {\"names\": "
                    "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\",\n   \"args\": [{\"index\": 9, "
                    "\"op\": \"SCMP_CMP_EQ\", \"value\": 1}]}]}"),
            "p.json:4:23: syscalls[0].args[0].index: argument index above 5");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"read\", "
                    "\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"),
            "p.json:1:50: syscalls[0]: both 'name' and 'names' are specified in the seccomp "
            "profile, use either 'name' or 'names'");
  EXPECT_EQ(
      errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"], "
              "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}"),
      "p.json:1:1: both 'architectures' and 'archMap' are specified in the seccomp profile, "
      "use either 'architectures' or 'archMap'");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                    "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
                    "\"4\"}}]}"),
            "p.json:1:124: syscalls[0].includes.minKernel: invalid kernel version '4', expected "
            "\"<kernel>.<major>\"");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}")
                .rfind("p.json:1:19: defaultAction: SCMP_ACT_NOTIFY needs", 0),
            0u);
  EXPECT_EQ(errorOf("[1, 2]"), "p.json:1:1: expected a JSON object (a Docker seccomp profile)");
  EXPECT_EQ(errorOf("{}"),
            "p.json:1:1: no defaultAction and no syscalls (Docker would disable "
            "seccomp; meshgate refuses that)");
  EXPECT_NE(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\"} x").find("trailing content"),
            std::string::npos);
  EXPECT_NE(errorOf("{\"defaultAction\": ").find("p.json:"), std::string::npos);
}

TEST(DockerSeccomp, JsonEdgeCases) {
  EXPECT_EQ(errorOf(""), "p.json:1:1: malformed JSON: the document is empty");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{},]}"),
            "p.json:2:18: malformed JSON: invalid value");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_\xff\"}"),
            "p.json:1:25: malformed JSON: invalid UTF-8");
  EXPECT_EQ(errorOf(std::string("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\0", 36)),
            "p.json:1:36: malformed JSON: unexpected NUL byte");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                    "[\"read\", 3], \"action\": \"SCMP_ACT_ALLOW\"}]}"),
            "p.json:1:69: syscalls[0].names[1]: expected a string");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                    "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, "
                    "\"value\": 1.5, \"op\": \"SCMP_CMP_EQ\"}]}]}"),
            "p.json:1:129: syscalls[0].args[0].value: expected an unsigned integer");
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                    "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1}]}]}"),
            "p.json:1:107: syscalls[0].args[0]: missing 'op'");
  // Unknown keys may hold any JSON, big numbers and deep nesting (up to 1024) included.
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(errorOf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"x\": [1e400, {\"a\": " + deep +
                    "}], \"syscalls\": null}"),
            "<parsed>");
  EXPECT_NE(errorOf("{\"x\": " + std::string(1100, '[') + std::string(1100, ']') + "}")
                .find("malformed JSON: nesting deeper than 1024 levels"),
            std::string::npos);
  // A repeated "syscalls" adds its rules, as before.
  auto twice = parseDockerSeccomp(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action":
          "SCMP_ACT_ALLOW"}], "syscalls": [{"names": ["write"], "action": "SCMP_ACT_ALLOW"}]})",
      context({}));
  ASSERT_TRUE(twice.ok()) << twice.error().message;
  EXPECT_EQ(twice->rules.size(), 2u);
}

TEST(DockerSeccomp, KeysMatchCaseInsensitivelyAndUnknownKeysAreIgnored) {
  // As Go's encoding/json does for Docker.
  auto r = parseDockerSeccomp(R"({"DefaultAction": "SCMP_ACT_ERRNO", "x-comment": [1, {"a": 2}],
      "syscalls": [{"Names": ["execve"], "Action": "SCMP_ACT_ALLOW", "comment": "hi"}]})",
                              context({}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rules.size(), 1u);
}

TEST(DockerSeccomp, LooksLikeJson) {
  EXPECT_TRUE(looksLikeJson("  \n{\"a\": 1}"));
  EXPECT_FALSE(looksLikeJson("apiVersion: meshgate.io/v1"));
  EXPECT_FALSE(looksLikeJson(""));
}

}  // namespace
}  // namespace meshgate::sandbox
