// SPDX-License-Identifier: Apache-2.0
// `meshgate sandbox run|learn|show` through the real binary: exit codes,
// violation events, verbose reports, signal forwarding, learning.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/strings.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/profile_yaml.h"
#include "sandbox/seccomp_bpf.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate {
namespace {

using testing::runCommand;

const std::string kProbeDir = std::filesystem::path(SANDBOX_PROBE).parent_path().string();

std::vector<std::string> sandbox(std::vector<std::string> args) {
  std::vector<std::string> argv = {MG_BINARY, "sandbox"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view l : base::split(text, '\n')) {
    if (!l.empty()) out.emplace_back(l);
  }
  return out;
}

std::vector<std::string> jsonLines(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& l : lines(text)) {
    if (l.rfind("{\"time\":", 0) == 0) out.push_back(l);
  }
  return out;
}

TEST(SandboxCli, RunsACommandAndReturnsItsStatus) {
  auto r = runCommand(sandbox({"run", "--builtin", "strict", "--", "/bin/echo", "hi"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(r.err, "");
  auto three = runCommand(sandbox({"run", "--", "/bin/sh", "-c", "exit 3"}));
  EXPECT_EQ(three.exit_code, 3) << three.err;
}

// docs/sandbox.md, "When run returns": the command's status, promptly, with
// every process of the sandbox (here a background grandchild) killed and
// reaped.
TEST(SandboxCli, ReturnsOnceTheCommandEndsAndItsBackgroundProcessesAreGone) {
  const std::string marker = "98765." + std::to_string(::getpid());
  const auto start = std::chrono::steady_clock::now();
  auto r =
      runCommand(sandbox({"run", "--builtin", "shell", "--", "/bin/sh", "-c",
                          "sleep " + marker + " & i=0; while [ $i -lt 100000 ] && ! grep -qs " +
                              marker + " /proc/$!/cmdline; do i=$((i+1)); done; exit 3"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(testing::processesWithCommandLine("sleep " + marker), std::vector<pid_t>{});
  // With a limit that needs cgroups, the same.
  auto limited = runCommand(sandbox({"run", "--builtin", "shell", "--cpu-time", "60s", "--",
                                     "/bin/sh", "-c", "sleep " + marker + " & exit 4"}));
  EXPECT_EQ(limited.exit_code, 4) << limited.err;
  EXPECT_EQ(testing::processesWithCommandLine("sleep " + marker), std::vector<pid_t>{});
}

TEST(SandboxCli, ViolationIsAJsonEventAndExit159) {
  auto r = runCommand(
      sandbox({"run", "--builtin", "strict", "--ro", kProbeDir, "--", SANDBOX_PROBE, "mount"}));
  EXPECT_EQ(r.exit_code, 159) << r.err;
  EXPECT_EQ(r.out, "");
  auto events = jsonLines(r.err);
  ASSERT_EQ(events.size(), 1u) << r.err;
  const std::string& e = events[0];
  EXPECT_NE(e.find("\"event\":\"seccomp_violation\",\"syscall\":\"mount\",\"nr\":165,"
                   "\"abi\":\"x86_64\",\"pid\":"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("\"action\":\"kill\",\"args\":["), std::string::npos) << e;
  EXPECT_NE(r.err.find("meshgate sandbox: command killed: seccomp violation"), std::string::npos);
}

TEST(SandboxCli, ViolationsGoToAFileWhenAsked) {
  testing::TempDir dir;
  std::string file = dir.file("violations.jsonl");
  auto r = runCommand(
      sandbox({"run", "--violations", file, "--ro", kProbeDir, "--", SANDBOX_PROBE, "keyctl"}));
  // shell's default action is errno: the probe carries on and exits 0.
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "keyctl: errno=EPERM\n");
  EXPECT_EQ(jsonLines(r.err).size(), 0u);
  auto text = base::readFile(file);
  ASSERT_TRUE(text.ok());
  auto events = jsonLines(text.value());
  ASSERT_EQ(events.size(), 1u) << text.value();
  EXPECT_NE(events[0].find("\"syscall\":\"keyctl\",\"nr\":250,\"abi\":\"x86_64\""),
            std::string::npos);
  EXPECT_NE(events[0].find("\"action\":\"errno\",\"errno\":\"EPERM\""), std::string::npos);
}

TEST(SandboxCli, ExitCodesForLimitsAndFailures) {
  auto wall =
      runCommand(sandbox({"run", "--wall-time", "200ms", "--", "/bin/sh", "-c", "sleep 30"}));
  EXPECT_EQ(wall.exit_code, 124) << wall.err;
  EXPECT_NE(wall.err.find("\"event\":\"limit_exceeded\",\"limit\":\"wall_time\""),
            std::string::npos);
  auto cpu = runCommand(
      sandbox({"run", "--cpu-time", "1s", "--ro", kProbeDir, "--", SANDBOX_PROBE, "cpu-hog"}));
  EXPECT_EQ(cpu.exit_code, 152) << cpu.err;
  auto missing = runCommand(sandbox({"run", "--", "/no/such/program"}));
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("/no/such/program: could not execute the command: ENOENT"),
            std::string::npos)
      << missing.err;
  auto not_exec = runCommand(sandbox({"run", "--", "/etc/passwd"}));
  EXPECT_EQ(not_exec.exit_code, 126);
  auto bad_flag = runCommand(sandbox({"run", "--frobnicate", "--", "true"}));
  EXPECT_EQ(bad_flag.exit_code, 125);
  EXPECT_NE(bad_flag.err.find("unknown option '--frobnicate'"), std::string::npos);
  auto bad_dir = runCommand(sandbox({"run", "--chdir", "/no/such/dir", "--", "true"}));
  EXPECT_EQ(bad_dir.exit_code, 125);
  EXPECT_EQ(bad_dir.err,
            "meshgate sandbox: step working-dir: /no/such/dir failed (ENOENT): No such file or "
            "directory\n");
  auto bad_bind = runCommand(sandbox({"run", "--ro", "/no/such/dir", "--", "true"}));
  EXPECT_EQ(bad_bind.exit_code, 125);
  EXPECT_NE(bad_bind.err.find("mount: bind source /no/such/dir: No such file or directory"),
            std::string::npos)
      << bad_bind.err;
}

TEST(SandboxCli, MemoryLimitExit137) {
  auto r = runCommand(sandbox(
      {"run", "--mem", "64Mi", "--ro", kProbeDir, "--", SANDBOX_PROBE, "memory-hog", "1024"}));
  if (r.err.find("no hierarchy offers the 'memory' controller") != std::string::npos) {
    GTEST_SKIP() << "no memory cgroup controller: " << r.err;
  }
  EXPECT_EQ(r.exit_code, 137) << r.err;
  EXPECT_NE(r.err.find("\"limit\":\"memory\""), std::string::npos) << r.err;
}

TEST(SandboxCli, ProfileErrorsNameFileLineAndColumn) {
  testing::TempDir dir;
  std::string profile =
      dir.write("p.yaml",
                "apiVersion: meshgate.io/v1\nkind: SandboxProfile\nmetadata: {name: p}\nspec:\n"
                "  limits:\n    pids: many\n");
  auto r = runCommand(sandbox({"run", "--profile", profile, "--", "true"}));
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.err, "meshgate sandbox: " + profile +
                       ":6:11: spec.limits.pids: expected an integer from 0 to 4194304, got "
                       "'many'\n");
}

TEST(SandboxCli, EnvironmentIsEmptyPlusTheAllowlist) {
  testing::SubprocessOptions o;
  o.env["MESHGATE_TEST_SECRET"] = "hunter2";
  o.env["LANG"] = "C.UTF-8";
  auto r =
      runCommand(sandbox({"run", "--env", "FOO=bar", "--env", "LANG", "--", "/usr/bin/env"}), o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PATH=/usr/local/bin:/usr/bin:/bin\nFOO=bar\nLANG=C.UTF-8\n");
}

TEST(SandboxCli, IgnoredSignalsOfTheCallerDoNotLeakIn) {
  // A caller that ignores SIGPIPE and SIGINT (as servers and background jobs
  // do): the sandboxed command starts with default dispositions, nothing blocked.
  auto r = runCommand(
      {"/bin/bash", "-c",
       "trap '' PIPE INT; grep SigIgn /proc/self/status; exec " + std::string(MG_BINARY) +
           " sandbox run -- /bin/sh -c 'grep -E \"SigIgn|SigBlk\" /proc/self/status'"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "SigIgn:\t0000000000001002\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(SandboxCli, VerboseReportsStepsAndTheLandlockAbi) {
  auto r = runCommand(sandbox({"run", "--verbose", "--builtin", "strict", "--", "/bin/true"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* want :
       {"meshgate sandbox: step user-ids done", "meshgate sandbox: step pivot-root done",
        "meshgate sandbox: step landlock done", "meshgate sandbox: step exec done",
        "meshgate sandbox: ids: uid 0 -> host 65534", "meshgate sandbox: landlock: ",
        "meshgate sandbox: seccomp: policy ", "meshgate sandbox: namespaces: user pid mount",
        "meshgate sandbox: command exited with status 0"}) {
    EXPECT_NE(r.err.find(want), std::string::npos) << want << "\n" << r.err;
  }
  std::string abi;
  for (const std::string& l : lines(r.err)) {
    if (l.rfind("meshgate sandbox: landlock: ", 0) == 0) abi = l;
  }
  EXPECT_TRUE(abi.find("ABI ") != std::string::npos || abi.find("off (") != std::string::npos)
      << abi;
}

TEST(SandboxCli, SignalsAreForwardedToTheCommand) {
  testing::Subprocess meshgate(sandbox({"run", "--", "/bin/sh", "-c",
                                        "trap 'echo got TERM; exit 7' TERM; echo ready; "
                                        "while true; do sleep 0.05; done"}));
  ASSERT_TRUE(meshgate.waitForOutput("ready"));
  meshgate.signal(SIGTERM);
  auto status = meshgate.wait(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(meshgate.exitCode(), 7) << meshgate.stderrText();
  EXPECT_NE(meshgate.stdoutText().find("got TERM"), std::string::npos);
}

TEST(SandboxCli, LearnWritesAMinimalProfileThatRunsTheCommand) {
  testing::TempDir dir;
  std::string out = dir.file("learned.yaml");
  auto learn = runCommand(sandbox({"learn", "-o", out, "--", "/bin/echo", "learned"}));
  ASSERT_EQ(learn.exit_code, 0) << learn.err;
  EXPECT_EQ(learn.out, "learned\n");
  auto text = base::readFile(out);
  ASSERT_TRUE(text.ok());
  auto profile = sandbox::parseProfileYaml(text.value());
  ASSERT_TRUE(profile.ok()) << profile.error().message << "\n" << text.value();
  EXPECT_EQ(profile->name, "learned-echo");
  EXPECT_EQ(profile->seccomp.default_action.kind, sandbox::SeccompActionKind::KillProcess);
  const auto& allowed = profile->seccomp.rules[0].names;
  for (const char* s : {"execve", "write", "exit_group", "mmap"}) {
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), s), allowed.end()) << s;
  }
  EXPECT_LT(allowed.size(), 30u);
  EXPECT_EQ(std::find(allowed.begin(), allowed.end(), "socket"), allowed.end());
  // The learned profile runs the program, and nothing else it did not do.
  auto again = runCommand(sandbox({"run", "--profile", out, "--", "/bin/echo", "again"}));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "again\n");
  auto other = runCommand(sandbox({"run", "--profile", out, "--", "/bin/ls", "/"}));
  EXPECT_EQ(other.exit_code, 159) << other.err;
}

TEST(SandboxCli, ShowPrintsTheEffectiveProfile) {
  auto r = runCommand(sandbox({"show", "--builtin", "http-service", "--mem", "128Mi"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("# Effective profile. Seccomp: 40 syscalls allowed"), std::string::npos)
      << r.out;
  auto profile = sandbox::parseProfileYaml(r.out);
  ASSERT_TRUE(profile.ok()) << profile.error().message;
  EXPECT_EQ(profile->name, "http-service");
  EXPECT_EQ(*profile->limits.memory_bytes, 128u << 20);
}

// `sandbox bpf` writes the filters meshgate installs, as raw sock_filter
// arrays, and bubblewrap enforces them the same way.
TEST(SandboxCli, BpfExportsTheFiltersForBubblewrap) {
  testing::TempDir dir;
  const std::string policy_file = dir.file("strict.bpf");
  const std::string baseline_file = dir.file("baseline.bpf");
  auto policy_run = runCommand(sandbox({"bpf", "--builtin", "strict", "-o", policy_file}));
  ASSERT_EQ(policy_run.exit_code, 0) << policy_run.err;
  auto baseline_run = runCommand(
      sandbox({"bpf", "--builtin", "strict", "--filter", "baseline", "-o", baseline_file}));
  ASSERT_EQ(baseline_run.exit_code, 0) << baseline_run.err;
  auto strict = sandbox::builtinProfile("strict");
  ASSERT_TRUE(strict.ok());
  auto compiled = sandbox::compilePolicy(strict->seccomp, sandbox::FilterMode::Enforce);
  ASSERT_TRUE(compiled.ok());
  const auto& insns = compiled->program.insns;
  auto policy_bytes = base::readFile(policy_file);
  ASSERT_TRUE(policy_bytes.ok());
  EXPECT_EQ(policy_bytes.value(), std::string(reinterpret_cast<const char*>(insns.data()),
                                              insns.size() * sizeof(sock_filter)));
  const auto baseline =
      sandbox::compileBaseline(strict->effectiveSocketFamilies(), strict->seccomp.architectures);
  auto baseline_bytes = base::readFile(baseline_file);
  ASSERT_TRUE(baseline_bytes.ok());
  EXPECT_EQ(baseline_bytes.value(),
            std::string(reinterpret_cast<const char*>(baseline.insns.data()),
                        baseline.insns.size() * sizeof(sock_filter)));
  // To stdout as well; a command or a bad --filter is refused.
  auto to_stdout = runCommand(sandbox({"bpf", "--builtin", "strict"}));
  EXPECT_EQ(to_stdout.exit_code, 0);
  EXPECT_EQ(to_stdout.out, policy_bytes.value());
  EXPECT_EQ(runCommand(sandbox({"bpf", "--", "/bin/true"})).exit_code, 125);
  EXPECT_EQ(runCommand(sandbox({"bpf", "--filter", "other"})).exit_code, 125);

  auto bwrap = runCommand({"/bin/sh", "-c", "command -v bwrap"});
  if (bwrap.exit_code != 0) GTEST_SKIP() << "bwrap is not installed";
  // bubblewrap's own init would run under the filters too: --as-pid-1.
  auto underBwrap = [&](const std::string& command) {
    return runCommand({"/bin/sh", "-c",
                       "exec bwrap --unshare-all --die-with-parent --as-pid-1 --ro-bind / / "
                       "--proc /proc --dev /dev --add-seccomp-fd 3 --add-seccomp-fd 4 " +
                           command + " 3<" + baseline_file + " 4<" + policy_file});
  };
  auto echo = underBwrap("/bin/echo hi");
  EXPECT_EQ(echo.exit_code, 0) << echo.err;
  EXPECT_EQ(echo.out, "hi\n");
  // strict kills the sandbox on anything else (the kernel's own action here).
  EXPECT_EQ(underBwrap(std::string(SANDBOX_PROBE) + " mount").exit_code, 128 + SIGSYS);
}

TEST(SandboxCli, DockerProfileIsAcceptedAsIs) {
  const std::string docker =
      std::string(MG_SOURCE_DIR) + "/../shared/reference/seccomp/docker-default.json";
  auto mount = runCommand(
      sandbox({"run", "--seccomp", docker, "--ro", kProbeDir, "--", SANDBOX_PROBE, "mount"}));
  EXPECT_EQ(mount.exit_code, 0) << mount.err;
  EXPECT_EQ(mount.out, "mount: errno=EPERM\n");
  EXPECT_NE(mount.err.find("\"syscall\":\"mount\""), std::string::npos);
  // The same file as --profile: the shell view with Docker's filter.
  auto sh = runCommand(sandbox({"run", "--profile", docker, "--", "/bin/sh", "-c", "echo ok"}));
  EXPECT_EQ(sh.exit_code, 0) << sh.err;
  EXPECT_EQ(sh.out, "ok\n");
  // With CAP_SYS_ADMIN kept, the profile's includes let mount through the
  // filter (no event); Landlock still forbids any mount change...
  auto admin = runCommand(sandbox({"run", "--seccomp", docker, "--cap", "CAP_SYS_ADMIN", "--ro",
                                   kProbeDir, "--", SANDBOX_PROBE, "mount"}));
  EXPECT_EQ(admin.exit_code, 0) << admin.err;
  EXPECT_EQ(admin.out, "mount: errno=EPERM\n");
  EXPECT_EQ(admin.err.find("\"syscall\":\"mount\""), std::string::npos) << admin.err;
  // ...and without Landlock the sandbox may mount inside its own namespace.
  auto no_landlock =
      runCommand(sandbox({"run", "--seccomp", docker, "--cap", "CAP_SYS_ADMIN", "--landlock", "off",
                          "--ro", kProbeDir, "--", SANDBOX_PROBE, "mount"}));
  EXPECT_EQ(no_landlock.exit_code, 0) << no_landlock.err;
  EXPECT_EQ(no_landlock.out, "mount: ok\n");
}

TEST(SandboxCli, Help) {
  auto r = runCommand(sandbox({"--help"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: meshgate sandbox run"), std::string::npos);
  auto none = runCommand(sandbox({}));
  EXPECT_EQ(none.exit_code, 125);
  auto h = runCommand(sandbox({"run", "--help"}));
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("usage: meshgate sandbox run"), std::string::npos);
}

}  // namespace
}  // namespace meshgate
