// SPDX-License-Identifier: Apache-2.0
#include "sandbox/profile.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "sandbox/command.h"
#include "sandbox/event.h"
#include "sandbox/sandbox.h"
#include "sandbox/user_ns.h"

namespace meshgate::sandbox {
namespace {

TEST(Profile, DefaultIsValid) {
  EXPECT_TRUE(Profile{}.validate().ok());
}

TEST(Profile, ValidationRefusesUnsafeOrBrokenSettings) {
  auto fails = [](auto mutate, const std::string& message) {
    Profile p;
    mutate(p);
    auto s = p.validate();
    ASSERT_FALSE(s.ok()) << message;
    EXPECT_EQ(s.error().message, message);
  };
  fails([](Profile& p) { p.user.host_uid = 0; },
        "spec.user: sandbox ids may not map onto host uid or gid 0");
  fails([](Profile& p) { p.user.host_gid = 0; },
        "spec.user: sandbox ids may not map onto host uid or gid 0");
  fails([](Profile& p) { p.user.uid = 3, p.user.count = 2; },
        "spec.user.uid and spec.user.gid must be below spec.user.count (2)");
  fails([](Profile& p) { p.user.host_uid = 0xFFFFFFF0u, p.user.count = 100; },
        "spec.user: the host id range overflows");
  fails([](Profile& p) { p.process.working_dir = "/a/../b"; },
        "spec.process.workingDir must be an absolute path without . or ..: '/a/../b'");
  fails([](Profile& p) { p.process.pass_fds = {1}; },
        "spec.process.passFds: fds 0-2 are always passed; got 1");
  fails([](Profile& p) { addBind(p, "/usr", "/", true); },
        "spec.filesystem: cannot mount over '/' (the root is the sandbox's own tmpfs; bind the "
        "directories you need)");
  fails([](Profile& p) { addBind(p, "/x", "/proc/sys", true); },
        "spec.filesystem: '/proc/sys' lies under the sandbox's own /proc or /dev");
  fails([](Profile& p) { p.limits.memory_bytes = 4096; },
        "spec.limits.memory must be at least 1Mi");
  fails([](Profile& p) { p.seccomp.architectures = {SeccompArch::X86}; },
        "spec.seccomp.architectures must start with the native architecture");
}

TEST(Profile, SocketFamiliesFollowTheNetworkMode) {
  Profile p;
  EXPECT_EQ(p.effectiveSocketFamilies(), std::vector<int>{AF_UNIX});
  p.network.mode = NetworkMode::Loopback;
  EXPECT_EQ(p.effectiveSocketFamilies(), (std::vector<int>{AF_UNIX, AF_INET, AF_INET6}));
  p.network.socket_families = std::vector<int>{AF_INET};
  EXPECT_EQ(p.effectiveSocketFamilies(), std::vector<int>{AF_INET});
}

TEST(Profile, NameTables) {
  EXPECT_EQ(capabilityFromName("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capabilityFromName("net_bind_service"), 10);
  EXPECT_EQ(capabilityFromName("CAP_NOPE"), std::nullopt);
  EXPECT_EQ(capabilityName(40), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(socketFamilyFromName("AF_NETLINK"), AF_NETLINK);
  EXPECT_EQ(socketFamilyFromName("local"), AF_UNIX);
  EXPECT_EQ(socketFamilyName(AF_PACKET), "packet");
  EXPECT_EQ(rlimitFromName("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(rlimitName(RLIMIT_CORE), "core");
  EXPECT_EQ(errnoFromName("EAFNOSUPPORT"), EAFNOSUPPORT);
  EXPECT_EQ(errnoFromName("38"), 38);
  EXPECT_EQ(errnoFromName("EWHATEVER"), std::nullopt);
  EXPECT_EQ(errnoName(EPERM), "EPERM");
}

TEST(Command, EnvironmentIsTheAllowlistOnly) {
  char a[] = "SECRET=hunter2";
  char b[] = "LANG=C.UTF-8";
  char c[] = "HOME=/root";
  char* caller[] = {a, b, c, nullptr};
  std::vector<EnvVar> env = {{"PATH", std::string("/bin")},
                             {"LANG", std::nullopt},
                             {"MISSING", std::nullopt},
                             {"PATH", std::string("/usr/bin")}};
  auto plan = planCommand(Command{{"prog", "x"}}, env, caller);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->envp_storage, (std::vector<std::string>{"PATH=/usr/bin", "LANG=C.UTF-8"}));
  EXPECT_EQ(plan->path_env, "/usr/bin");
  EXPECT_EQ(plan->envp.back(), nullptr);
  EXPECT_EQ(plan->argv.size(), 3u);
  EXPECT_FALSE(planCommand(Command{}, env, caller).ok());
  EXPECT_FALSE(planCommand(Command{{std::string("a\0b", 3)}}, env, caller).ok());
}

TEST(UserNamespace, NeverMapsOntoHostRoot) {
  UserSpec spec;
  auto plan = planUser(spec);
  ASSERT_TRUE(plan.ok());
  if (::geteuid() == 0) {
    EXPECT_EQ(plan->uid_map, "0 65534 1\n");
    EXPECT_EQ(plan->gid_map, "0 65534 1\n");
    EXPECT_TRUE(plan->drop_groups);
  } else {
    EXPECT_EQ(plan->uid_map, "0 " + std::to_string(::geteuid()) + " 1\n");
    EXPECT_FALSE(plan->drop_groups);
  }
  // One id maps itself; a range starts at inside 0.
  spec.uid = 101;
  spec.gid = 102;
  if (::geteuid() == 0) {
    EXPECT_EQ(planUser(spec)->uid_map, "101 65534 1\n");
    EXPECT_EQ(planUser(spec)->gid_map, "102 65534 1\n");
    spec.count = 1000;
    spec.host_uid = 100000;
    EXPECT_EQ(planUser(spec)->uid_map, "0 100000 1000\n");
    spec.host_uid = 0;
    EXPECT_FALSE(planUser(spec).ok());
  }
}

TEST(Outcome, ExitStatuses) {
  auto status = [](Outcome::Kind k, int code = 0, int sig = 0, int err = 0) {
    Outcome o;
    o.kind = k;
    o.exit_code = code;
    o.signal = sig;
    o.exec_errno = err;
    return o.exitStatus();
  };
  EXPECT_EQ(status(Outcome::Kind::Exited, 3), 3);
  EXPECT_EQ(status(Outcome::Kind::Signaled, 0, SIGTERM), 143);
  EXPECT_EQ(status(Outcome::Kind::Violation), 159);
  EXPECT_EQ(status(Outcome::Kind::WallTimeLimit), 124);
  EXPECT_EQ(status(Outcome::Kind::CpuTimeLimit), 152);
  EXPECT_EQ(status(Outcome::Kind::MemoryLimit), 137);
  EXPECT_EQ(status(Outcome::Kind::ExecFailed, 0, 0, ENOENT), 127);
  EXPECT_EQ(status(Outcome::Kind::ExecFailed, 0, 0, EACCES), 126);
}

TEST(Event, ViolationJson) {
  Event e;
  e.kind = EventKind::Violation;
  e.time = base::SystemTime(std::chrono::microseconds(1'700'000'000'123'456));
  e.syscall = "ptrace";
  e.nr = 101;
  e.abi = "x86_64";
  e.pid = 4242;
  e.action = "errno";
  e.errno_value = EPERM;
  e.has_args = true;
  e.args = {16, 1, 0, 0, 0, 0};
  EXPECT_EQ(e.toJson(),
            "{\"time\":\"2023-11-14T22:13:20.123456Z\",\"event\":\"seccomp_violation\","
            "\"syscall\":\"ptrace\",\"nr\":101,\"abi\":\"x86_64\",\"pid\":4242,"
            "\"action\":\"errno\",\"errno\":\"EPERM\",\"args\":[16,1,0,0,0,0]}");
  Event l;
  l.kind = EventKind::Limit;
  l.time = e.time;
  l.limit = "memory";
  l.detail = "1 OOM kill(s)";
  EXPECT_EQ(l.toJson(),
            "{\"time\":\"2023-11-14T22:13:20.123456Z\",\"event\":\"limit_exceeded\","
            "\"limit\":\"memory\",\"detail\":\"1 OOM kill(s)\"}");
}

}  // namespace
}  // namespace meshgate::sandbox
