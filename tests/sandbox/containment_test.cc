// SPDX-License-Identifier: Apache-2.0
// Containment: each test runs sandbox_probe with one attack and asserts the
// exact outcome: the errno the kernel returned, the signal, or the violation
// event and the exit status. Profiles are the built-ins (plus the probe's own
// directory), so these are also the built-ins' guarantees.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pty.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/file.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/docker_seccomp.h"
#include "sandbox/syscalls.h"
#include "testing/ports.h"
#include "testing/temp_dir.h"
#include "tests/sandbox/sandbox_test_util.h"

namespace meshgate::sandbox {
namespace {

using testing::probeProfile;
using testing::runProbe;
using testing::SandboxRun;

std::string line(std::string_view attack, std::string_view result) {
  return std::string(attack) + ": " + std::string(result) + "\n";
}

// The probe ran, printed `expected`, and exited 0.
void expectProbe(const SandboxRun& run, std::string_view attack, std::string_view result) {
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out, line(attack, result)) << "stderr: " << run.err;
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::Exited) << run.outcome.describe() << " " << run.err;
  EXPECT_EQ(run.outcome.exitStatus(), 0);
}

// Under the shell profile (default action errno EPERM, reported): the call
// fails with EPERM and a violation event names it.
void expectDeniedAndReported(const SandboxRun& run, std::string_view attack,
                             std::string_view syscall) {
  expectProbe(run, attack, "errno=EPERM");
  const Event* e = run.violation(syscall);
  ASSERT_NE(e, nullptr) << "no violation event for " << syscall;
  EXPECT_EQ(e->action, "errno");
  EXPECT_EQ(e->errno_value, EPERM);
  EXPECT_EQ(e->abi, "x86_64");
  EXPECT_EQ(e->nr, *syscallNumber(syscall));
  EXPECT_GT(e->pid, 0);
}

// Under a kill profile: nothing printed, the sandbox is killed, 159.
void expectKilled(const SandboxRun& run, std::string_view syscall,
                  std::string_view abi = "x86_64") {
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::Violation) << run.outcome.describe();
  EXPECT_EQ(run.outcome.exitStatus(), 159);
  const Event* e = run.violation(syscall);
  ASSERT_NE(e, nullptr) << "no violation event for " << syscall << " (" << run.violationCount()
                        << " events)";
  EXPECT_EQ(e->action, "kill");
  EXPECT_EQ(e->abi, abi);
}

class Containment : public ::testing::Test {
 protected:
  void SetUp() override {
    MG_REQUIRE_FEATURE("userns");
    MG_REQUIRE_FEATURE("user-notif");
  }
};

// ---- the file system ----

TEST_F(Containment, WritesOutsideTheWritablePathsAreReadOnly) {
  Profile p = probeProfile("shell");
  expectProbe(runProbe(p, {"write-file", "/usr/pwned"}), "write-file", "errno=EROFS");
  expectProbe(runProbe(p, {"write-file", "/etc/passwd"}), "write-file", "errno=EROFS");
  expectProbe(runProbe(p, {"write-file", "/pwned"}), "write-file", "errno=EROFS");
  expectProbe(runProbe(p, {"write-file", "/dev/pwned"}), "write-file", "errno=EROFS");
  // The one writable place.
  expectProbe(runProbe(p, {"write-file", "/tmp/fine"}), "write-file", "ok");
  EXPECT_FALSE(std::filesystem::exists("/usr/pwned"));
}

TEST_F(Containment, HostFilesOutsideTheViewDoNotExist) {
  Profile p = probeProfile("strict");
  expectProbe(runProbe(p, {"read-file", "/etc/shadow"}), "read-file", "errno=ENOENT");
  expectProbe(runProbe(p, {"read-file", "/root/.bashrc"}), "read-file", "errno=ENOENT");
}

TEST_F(Containment, EtcShadowIsUnreadableEvenWhenEtcIsMounted) {
  // shell binds /etc; the sandbox's host uid (65534) has no right to shadow.
  expectProbe(runProbe(probeProfile("shell"), {"read-file", "/etc/shadow"}), "read-file",
              "errno=EACCES");
}

TEST_F(Containment, ProcOneIsTheSandboxsOwnInitAndItsEnvironIsClosed) {
  // The host's pid 1 is not in the pid namespace; pid 1 is meshgate's
  // non-dumpable init, whose environment the command cannot read.
  expectProbe(runProbe(probeProfile("shell"), {"read-file", "/proc/1/environ"}), "read-file",
              "errno=EACCES");
}

TEST_F(Containment, ProcSysIsReadOnly) {
  expectProbe(runProbe(probeProfile("shell"), {"write-proc-sys"}), "write-proc-sys", "errno=EROFS");
}

// ---- processes ----

TEST_F(Containment, PtraceOfAHostProcessIsAViolation) {
  pid_t victim = ::fork();
  if (victim == 0) {
    ::pause();
    ::_exit(0);
  }
  SandboxRun run = runProbe(probeProfile("shell"), {"ptrace", std::to_string(victim)});
  expectDeniedAndReported(run, "ptrace", "ptrace");
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
}

TEST_F(Containment, PtraceOfAHostProcessFindsNothingWhenSeccompAllowsIt) {
  // Docker's profile allows ptrace on kernels >= 4.8: the pid namespace is
  // what stops it then.
  pid_t victim = ::fork();
  if (victim == 0) {
    ::pause();
    ::_exit(0);
  }
  Profile p = probeProfile("shell");
  auto json = base::readFile(std::string(MG_SOURCE_DIR) +
                             "/../shared/reference/seccomp/docker-default.json");
  ASSERT_TRUE(json.ok());
  auto policy = parseDockerSeccomp(json.value(), hostDockerContext({}));
  ASSERT_TRUE(policy.ok()) << policy.error().describe();
  p.seccomp = std::move(policy).value();
  expectProbe(runProbe(p, {"ptrace", std::to_string(victim)}), "ptrace", "errno=ESRCH");
  // And pid 1 (meshgate's init) is non-dumpable.
  expectProbe(runProbe(p, {"ptrace", "1"}), "ptrace", "errno=EPERM");
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
}

TEST_F(Containment, KillOfAHostPidFindsNothing) {
  pid_t victim = ::fork();
  if (victim == 0) {
    ::pause();
    ::_exit(0);
  }
  expectProbe(runProbe(probeProfile("shell"), {"kill", std::to_string(victim)}), "kill",
              "errno=ESRCH");
  EXPECT_EQ(::waitpid(victim, nullptr, WNOHANG), 0) << "the victim must still be alive";
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
}

// ---- namespaces and mounts ----

TEST_F(Containment, MountUmountPivotRootUnshareSetnsAreViolations) {
  Profile p = probeProfile("shell");
  expectDeniedAndReported(runProbe(p, {"mount"}), "mount", "mount");
  expectDeniedAndReported(runProbe(p, {"umount", "/proc"}), "umount", "umount2");
  expectDeniedAndReported(runProbe(p, {"pivot_root"}), "pivot_root", "pivot_root");
  expectDeniedAndReported(runProbe(p, {"unshare"}), "unshare", "unshare");
  expectDeniedAndReported(runProbe(p, {"setns"}), "setns", "setns");
}

TEST_F(Containment, MountKillsTheSandboxUnderStrict) {
  expectKilled(runProbe(probeProfile("strict"), {"mount"}), "mount");
}

TEST_F(Containment, MountFailsWithoutCapabilitiesWhenSeccompAllowsIt) {
  // Under Docker's profile mount is an EPERM from the filter (no
  // CAP_SYS_ADMIN), and unshare(CLONE_NEWUSER) too.
  Profile p = probeProfile("shell");
  auto json = base::readFile(std::string(MG_SOURCE_DIR) +
                             "/../shared/reference/seccomp/docker-default.json");
  ASSERT_TRUE(json.ok());
  p.seccomp = parseDockerSeccomp(json.value(), hostDockerContext({})).value();
  SandboxRun run = runProbe(p, {"mount"});
  expectProbe(run, "mount", "errno=EPERM");
  ASSERT_NE(run.violation("mount"), nullptr);
  EXPECT_EQ(run.violation("mount")->action, "errno");
}

// ---- dangerous kernel interfaces ----

TEST_F(Containment, KernelAttackSurfaceSyscallsAreViolations) {
  Profile p = probeProfile("shell");
  expectDeniedAndReported(runProbe(p, {"bpf"}), "bpf", "bpf");
  expectDeniedAndReported(runProbe(p, {"keyctl"}), "keyctl", "keyctl");
  expectDeniedAndReported(runProbe(p, {"perf_event_open"}), "perf_event_open", "perf_event_open");
  expectDeniedAndReported(runProbe(p, {"userfaultfd"}), "userfaultfd", "userfaultfd");
  expectDeniedAndReported(runProbe(p, {"io_uring_setup"}), "io_uring_setup", "io_uring_setup");
  expectDeniedAndReported(runProbe(p, {"open_by_handle_at"}), "open_by_handle_at",
                          "open_by_handle_at");
}

TEST_F(Containment, ClockRebootAndModulesAreViolations) {
  Profile p = probeProfile("shell");
  expectDeniedAndReported(runProbe(p, {"clock_settime"}), "clock_settime", "clock_settime");
  expectDeniedAndReported(runProbe(p, {"reboot"}), "reboot", "reboot");
  expectDeniedAndReported(runProbe(p, {"delete_module"}), "delete_module", "delete_module");
  expectDeniedAndReported(runProbe(p, {"finit_module"}), "finit_module", "finit_module");
}

TEST_F(Containment, MknodOfADeviceIsRefused) {
  // shell allows mknod (for FIFOs); Landlock never grants device creation,
  // and without Landlock the user namespace lacks CAP_MKNOD.
  Profile p = probeProfile("shell");
  bool landlock = !testing::missing("landlock").has_value();
  expectProbe(runProbe(p, {"mknod", "/tmp/null"}), "mknod",
              landlock ? "errno=EACCES" : "errno=EPERM");
  p.landlock.mode = LandlockMode::Off;
  expectProbe(runProbe(p, {"mknod", "/tmp/null"}), "mknod", "errno=EPERM");
}

// ---- the network ----

TEST_F(Containment, PacketAndNetlinkSocketsAreRefused) {
  Profile p = probeProfile("http-service");
  p.seccomp.rules.push_back(SyscallRule{{"write"}, SeccompAction::allow(), {}, false});
  expectProbe(runProbe(p, {"socket", "packet"}), "socket", "errno=EAFNOSUPPORT");
  expectProbe(runProbe(p, {"socket", "netlink"}), "socket", "errno=EAFNOSUPPORT");
  expectProbe(runProbe(p, {"socket", "vsock"}), "socket", "errno=EAFNOSUPPORT");
  // The families the profile allows still work.
  expectProbe(runProbe(p, {"socket-stream", "inet"}), "socket-stream", "ok");
}

TEST_F(Containment, NoNetworkMeansNoInetSockets) {
  Profile p = probeProfile("shell");  // network none: AF_UNIX only
  expectProbe(runProbe(p, {"socket-stream", "inet"}), "socket-stream", "errno=EAFNOSUPPORT");
  expectProbe(runProbe(p, {"socket-stream", "unix"}), "socket-stream", "ok");
  // Even with inet sockets allowed, a none namespace has no route anywhere.
  p.network.socket_families = std::vector<int>{AF_UNIX, AF_INET};
  expectProbe(runProbe(p, {"connect-tcp", "127.0.0.1", "80"}), "connect-tcp", "errno=ENETUNREACH");
}

TEST_F(Containment, LoopbackOnlySandboxCannotReachTheHostsLoopback) {
  // A listener on the host's 127.0.0.1; the sandbox's own loopback has none.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof sa;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len);
  const std::string port = std::to_string(ntohs(sa.sin_port));

  Profile p = probeProfile("shell");
  p.network.mode = NetworkMode::Loopback;
  p.seccomp.rules.push_back(SyscallRule{{"bind"}, SeccompAction::allow(), {}, false});
  expectProbe(runProbe(p, {"connect-tcp", "127.0.0.1", port}), "connect-tcp", "errno=ECONNREFUSED");
  // The sandbox's own loopback is up: it can bind and serve itself.
  expectProbe(runProbe(p, {"bind-tcp", port}), "bind-tcp", "ok");
  // With the host's network the same connect reaches the listener.
  p.network.mode = NetworkMode::Host;
  expectProbe(runProbe(p, {"connect-tcp", "127.0.0.1", port}), "connect-tcp", "ok");
  ::close(listener);
}

TEST_F(Containment, LandlockPinsTcpPorts) {
  MG_REQUIRE_FEATURE("landlock-net");
  Profile p = probeProfile("shell");
  p.network.mode = NetworkMode::Loopback;
  p.seccomp.rules.push_back(SyscallRule{{"bind"}, SeccompAction::allow(), {}, false});
  p.landlock.bind_tcp = std::vector<uint16_t>{18080};
  p.landlock.connect_tcp = std::vector<uint16_t>{};
  expectProbe(runProbe(p, {"bind-tcp", "18080"}), "bind-tcp", "ok");
  expectProbe(runProbe(p, {"bind-tcp", "18081"}), "bind-tcp", "errno=EACCES");
  expectProbe(runProbe(p, {"connect-tcp", "127.0.0.1", "18080"}), "connect-tcp", "errno=EACCES");
}

// ---- privileges ----

TEST_F(Containment, SetuidBinaryDoesNotEscalate) {
  MG_REQUIRE_FEATURE("root");
  // A setuid-root copy of the probe, in a directory the sandbox can read.
  meshgate::testing::TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  std::string suid = dir.file("suid-probe");
  std::filesystem::copy_file(testing::probePath(), suid);
  ASSERT_EQ(::chown(suid.c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(suid.c_str(), 04755), 0);
  Profile p = probeProfile("shell");
  addBind(p, dir.path(), "/suid", true);
  p.user.uid = 1000;
  p.user.gid = 1000;
  SandboxRun run = runProbe(p, {"exec", "/suid/suid-probe", "whoami"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out, "whoami: uid=1000 euid=1000 gid=1000 egid=1000 caps=0000000000000000 nnp=1\n")
      << run.err;
  EXPECT_EQ(run.outcome.exitStatus(), 0);
}

TEST_F(Containment, OnlyStdioAndPassedFdsReachTheSandbox) {
  // Fds the supervisor has open, close-on-exec or not, stay outside.
  int leaked = ::open("/etc/hostname", O_RDONLY);  // no O_CLOEXEC, on purpose
  int passed = ::memfd_create("passed", 0);
  ASSERT_GE(leaked, 3);
  ASSERT_GE(passed, 3);
  Profile p = probeProfile("shell");
  expectProbe(runProbe(p, {"list-fds"}), "list-fds", "0 1 2");
  p.process.pass_fds = {passed};
  expectProbe(runProbe(p, {"list-fds"}), "list-fds", "0 1 2 " + std::to_string(passed));
  expectProbe(runProbe(p, {"write-fd", std::to_string(passed)}), "write-fd", "ok");
  char buf[64] = {};
  EXPECT_EQ(::pread(passed, buf, sizeof buf - 1, 0), 20);
  EXPECT_STREQ(buf, "through a passed fd\n");
  ::close(leaked);
  ::close(passed);
}

TEST_F(Containment, RootInsideHasNoCapabilities) {
  SandboxRun run = runProbe(probeProfile("shell"), {"whoami"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out, "whoami: uid=0 euid=0 gid=0 egid=0 caps=0000000000000000 nnp=1\n");
}

// ---- other ABIs ----

TEST_F(Containment, X32SyscallIsRefused) {
  expectKilled(runProbe(probeProfile("shell"), {"x32"}), "getpid", "x32");
}

TEST_F(Containment, I386SyscallIsRefused) {
  MG_REQUIRE_FEATURE("ia32");
  expectKilled(runProbe(probeProfile("shell"), {"int80"}), "getpid", "x86");
  expectKilled(runProbe(probeProfile("shell"), {"int80-socket"}), "socketcall", "x86");
}

TEST_F(Containment, AdmittedI386AbiStillCannotOpenSocketsThroughSocketcall) {
  MG_REQUIRE_FEATURE("ia32");
  Profile p = probeProfile("shell");
  p.seccomp.architectures = {SeccompArch::Native, SeccompArch::X86};
  p.seccomp.rules.push_back(SyscallRule{{"socketcall"}, SeccompAction::allow(), {}, false});
  p.seccomp.rules.push_back(SyscallRule{{"mmap"}, SeccompAction::allow(), {}, false});
  // getpid through int 0x80 works once x86 is admitted...
  SandboxRun ok = runProbe(p, {"int80"});
  expectProbe(ok, "int80", "ok");
  // ...but socketcall(SYS_SOCKET) cannot be inspected, so it never opens one.
  expectProbe(runProbe(p, {"int80-socket"}), "int80-socket", "errno=EAFNOSUPPORT");
}

// ---- the terminal ----

TEST_F(Containment, TiocstiCannotInjectInput) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  Profile p = probeProfile("shell");
  expectProbe(runProbe(p, {"tiocsti"}, {}, slave), "tiocsti", "errno=EPERM");
  // The classic bypass: high bits in the command word.
  expectProbe(runProbe(p, {"tiocsti-high-bits"}, {}, slave), "tiocsti-high-bits", "errno=EPERM");
  ::close(master);
  ::close(slave);
}

// ---- limits ----

TEST_F(Containment, ForkBombHitsThePidsLimit) {
  MG_REQUIRE_FEATURE("cgroup-pids");
  Profile p = probeProfile("shell");
  p.limits.pids = 16;
  SandboxRun run = runProbe(p, {"fork-bomb", "1000"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  // init + the probe are 2 of the 16.
  EXPECT_EQ(run.out, "fork-bomb: forks=14 errno=EAGAIN\n") << run.err;
  EXPECT_EQ(run.outcome.exitStatus(), 0);
}

TEST_F(Containment, MemoryHogHitsTheMemoryLimit) {
  MG_REQUIRE_FEATURE("cgroup-memory");
  Profile p = probeProfile("shell");
  p.limits.memory_bytes = 64ull << 20;
  SandboxRun run = runProbe(p, {"memory-hog", "1024"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::MemoryLimit) << run.outcome.describe();
  EXPECT_EQ(run.outcome.exitStatus(), 137);
  ASSERT_NE(run.limit("memory"), nullptr);
}

TEST_F(Containment, MemoryLimitUsesCgroupV2WhereItHasTheController) {
  MG_REQUIRE_FEATURE("cgroup2-memory");
  Profile p = probeProfile("shell");
  p.limits.memory_bytes = 64ull << 20;
  auto child = spawn(p, Command{{testing::probePath(), "memory-hog", "1024"}});
  ASSERT_TRUE(child.ok()) << child.error().describe();
  EXPECT_EQ(child.value()->report().cgroups.rfind("v2 memory", 0), 0u)
      << child.value()->report().cgroups;
  EXPECT_EQ(child.value()->wait().kind, Outcome::Kind::MemoryLimit);
}

TEST_F(Containment, CpuHogHitsTheCpuTimeLimit) {
  Profile p = probeProfile("shell");
  p.limits.cpu_time = std::chrono::seconds(1);
  SandboxRun run = runProbe(p, {"cpu-hog"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::CpuTimeLimit) << run.outcome.describe();
  EXPECT_EQ(run.outcome.exitStatus(), 152);
  ASSERT_NE(run.limit("cpu_time"), nullptr);
}

TEST_F(Containment, CpuTimeCountsEveryProcessInTheSandbox) {
  MG_REQUIRE_FEATURE("cgroup-cpuacct");
  // Two hogs at once: each stays under its own RLIMIT_CPU of 2 s, but the
  // cgroup's total reaches the 2 s limit first.
  Profile p = probeProfile("shell");
  p.limits.cpu_time = std::chrono::seconds(2);
  const std::string probe = testing::probePath();
  SandboxRun run = testing::runSandboxed(
      p, {"/bin/sh", "-c", probe + " cpu-hog & " + probe + " cpu-hog & wait"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::CpuTimeLimit) << run.outcome.describe();
  EXPECT_EQ(run.outcome.exitStatus(), 152);
  const Event* e = run.limit("cpu_time");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->detail.rfind("the sandbox's processes used ", 0), 0u) << e->detail;
  ASSERT_TRUE(run.outcome.cpu_nanos.has_value());
  EXPECT_GE(*run.outcome.cpu_nanos, 2'000'000'000u);
}

TEST_F(Containment, SleeperHitsTheWallTimeLimit) {
  Profile p = probeProfile("shell");
  p.limits.wall_time = std::chrono::milliseconds(300);
  SandboxRun run = runProbe(p, {"sleep", "30"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::WallTimeLimit) << run.outcome.describe();
  EXPECT_EQ(run.outcome.exitStatus(), 124);
  EXPECT_LT(run.outcome.wall_time, std::chrono::seconds(20));
  ASSERT_NE(run.limit("wall_time"), nullptr);
}

// ---- Landlock escapes ----

class LandlockEscape : public Containment {
 protected:
  void SetUp() override {
    Containment::SetUp();
    MG_REQUIRE_FEATURE("landlock");
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0777), 0);
    std::filesystem::create_directory(dir_.file("allowed"));
    std::filesystem::create_directory(dir_.file("secret"));
    dir_.write("secret/file", "the secret\n");
    for (const char* d : {"allowed", "secret"})
      ASSERT_EQ(::chmod(dir_.file(d).c_str(), 0777), 0);
    ASSERT_EQ(::chmod(dir_.file("secret/file").c_str(), 0666), 0);
    // One read-write mount holds both folders; Landlock allows only one.
    profile_ = probeProfile("shell");
    addBind(profile_, dir_.path(), "/data", false);
    std::vector<LandlockPathRule> rules;
    rules.push_back({"/", kLandlockRead});
    rules.push_back({"/usr", kLandlockRead | kLandlockExecute});
    rules.push_back({"/data/allowed", kLandlockRead | kLandlockWrite});
    rules.push_back({"/dev", kLandlockRead | kLandlockWrite});
    rules.push_back({std::filesystem::path(testing::probePath()).parent_path().string(),
                     kLandlockRead | kLandlockExecute});
    // "/" read would cover /data/secret: narrow it to everything else.
    rules.erase(rules.begin());
    rules.push_back({"/etc", kLandlockRead});
    rules.push_back({"/proc", kLandlockRead});
    profile_.landlock.paths = rules;
  }
  meshgate::testing::TempDir dir_;
  Profile profile_;
};

TEST_F(LandlockEscape, DirectReadOutsideTheAllowedFolderIsDenied) {
  expectProbe(runProbe(profile_, {"read-file", "/data/secret/file"}), "read-file", "errno=EACCES");
  expectProbe(runProbe(profile_, {"write-file", "/data/allowed/new"}), "write-file", "ok");
}

TEST_F(LandlockEscape, SymlinkDoesNotLeadOut) {
  expectProbe(runProbe(profile_, {"symlink-escape", "/data/allowed/link", "/data/secret/file"}),
              "symlink-escape", "errno=EACCES");
}

TEST_F(LandlockEscape, HardLinkCannotBeMade) {
  expectProbe(runProbe(profile_, {"hardlink-escape", "/data/allowed/hard", "/data/secret/file"}),
              "hardlink-escape", "errno=EXDEV");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("allowed/hard")));
}

TEST_F(LandlockEscape, RenameCannotPullAFileIn) {
  // Moving the file out of secret/ needs the right to remove it there.
  expectProbe(runProbe(profile_, {"rename-escape", "/data/allowed/moved", "/data/secret/file"}),
              "rename-escape", "errno=EACCES");
  EXPECT_TRUE(std::filesystem::exists(dir_.file("secret/file")));
}

}  // namespace
}  // namespace meshgate::sandbox
