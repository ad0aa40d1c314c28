// SPDX-License-Identifier: Apache-2.0
// Real programs under the built-in profiles: /bin/true and /bin/echo under
// strict, sh and the coreutils under shell, python3's http.server under
// http-service, and nginx (master and worker) under the http-service-derived
// examples/sandbox/nginx.yaml. Each must work, and raise no violation.
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "base/file.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/profile_yaml.h"
#include "sandbox/seccomp_bpf.h"
#include "sandbox/syscalls.h"
#include "testing/http_client.h"
#include "testing/ports.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"
#include "tests/sandbox/sandbox_test_util.h"

namespace meshgate::sandbox {
namespace {

using testing::runSandboxed;
using testing::SandboxRun;

std::string violations(const SandboxRun& run) {
  std::string out;
  for (const Event& e : run.events) {
    if (e.kind == EventKind::Violation) out += e.toJson() + "\n";
  }
  return out;
}

class Functional : public ::testing::Test {
 protected:
  void SetUp() override {
    MG_REQUIRE_FEATURE("userns");
    MG_REQUIRE_FEATURE("user-notif");
  }
};

TEST_F(Functional, StrictRunsTrueAndEcho) {
  auto p = builtinProfile("strict");
  ASSERT_TRUE(p.ok()) << p.error().message;
  SandboxRun t = runSandboxed(p.value(), {"/bin/true"});
  ASSERT_TRUE(t.spawned) << t.spawn_error;
  EXPECT_EQ(t.outcome.kind, Outcome::Kind::Exited) << t.outcome.describe() << violations(t);
  EXPECT_EQ(t.outcome.exitStatus(), 0);
  SandboxRun e = runSandboxed(p.value(), {"/bin/echo", "hello", "sandbox"});
  ASSERT_TRUE(e.spawned) << e.spawn_error;
  EXPECT_EQ(e.out, "hello sandbox\n");
  EXPECT_EQ(e.outcome.exitStatus(), 0) << e.outcome.describe() << violations(e);
  EXPECT_EQ(violations(e), "");
  // PATH lookup inside the sandbox, and the command's own exit status.
  SandboxRun f = runSandboxed(p.value(), {"false"});
  EXPECT_EQ(f.outcome.exitStatus(), 1) << f.outcome.describe() << violations(f);
}

TEST_F(Functional, StrictRefusesAnythingMore) {
  auto p = builtinProfile("strict");
  ASSERT_TRUE(p.ok());
  // ls needs statx/getdents64/ioctl: the first of them kills the sandbox.
  SandboxRun run = runSandboxed(p.value(), {"/bin/ls", "/"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.outcome.kind, Outcome::Kind::Violation);
  EXPECT_EQ(run.outcome.exitStatus(), 159);
  ASSERT_EQ(run.violationCount(), 1u) << violations(run);
  EXPECT_EQ(run.events[0].action, "kill");
}

TEST_F(Functional, ExecFailuresHaveShellExitCodes) {
  auto p = builtinProfile("strict");
  ASSERT_TRUE(p.ok());
  SandboxRun missing = runSandboxed(p.value(), {"/no/such/program"});
  ASSERT_TRUE(missing.spawned) << missing.spawn_error;
  EXPECT_EQ(missing.outcome.kind, Outcome::Kind::ExecFailed);
  EXPECT_EQ(missing.outcome.exec_errno, ENOENT);
  EXPECT_EQ(missing.outcome.exitStatus(), 127);
  SandboxRun not_exec = runSandboxed(p.value(), {"/etc/ld.so.cache"});
  EXPECT_EQ(not_exec.outcome.exec_errno, EACCES);
  EXPECT_EQ(not_exec.outcome.exitStatus(), 126);
}

TEST_F(Functional, ShellRunsScriptsWithCoreutils) {
  auto p = builtinProfile("shell");
  ASSERT_TRUE(p.ok());
  const std::string script =
      "set -e\n"
      "echo $((6 * 7))\n"
      "ls / | sort | tr '\\n' ' '; echo\n"
      "mkdir -p /tmp/a/b && printf 'one\\ntwo\\n' > /tmp/a/b/f\n"
      "cp /tmp/a/b/f /tmp/a/g && mv /tmp/a/g /tmp/a/h && ln -s h /tmp/a/l\n"
      "cat /tmp/a/l | wc -l\n"
      "sed s/one/1/ /tmp/a/h | head -1\n"
      "test -r /etc/passwd && grep -c '^root:' /etc/passwd\n"
      "stat -c %s /tmp/a/h; du -s /tmp/a >/tmp/du; find /tmp/a -name h\n"
      "id -u; hostname; pwd\n"
      "rm -r /tmp/a && echo done\n";
  SandboxRun run = runSandboxed(p.value(), {"/bin/sh", "-c", script});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out,
            "42\n"
            "bin dev etc lib lib64 proc sbin tmp usr \n"
            "2\n"
            "1\n"
            "1\n"
            "8\n"
            "/tmp/a/h\n"
            "0\nsandbox\n/\n"
            "done\n")
      << run.err;
  EXPECT_EQ(run.outcome.exitStatus(), 0) << run.outcome.describe() << run.err;
  EXPECT_EQ(violations(run), "");
}

TEST_F(Functional, ShellSeesOnlyItsOwnProcesses) {
  auto p = builtinProfile("shell");
  ASSERT_TRUE(p.ok());
  // /proc lists pid 1 (meshgate's init) and the shell: nothing of the host's.
  SandboxRun run = runSandboxed(p.value(), {"/bin/sh", "-c", "cd /proc && echo [0-9]*"});
  EXPECT_EQ(run.out, "1 2\n") << run.err;
}

TEST_F(Functional, Python3RunsUnderShell) {
  MG_REQUIRE_FEATURE("python3");
  auto p = builtinProfile("shell");
  ASSERT_TRUE(p.ok());
  SandboxRun run = runSandboxed(
      p.value(), {"/usr/bin/python3", "-c",
                  "import json, os, hashlib; print(json.dumps({'pid': os.getpid(), "
                  "'sum': sum(range(10)), 'sha': hashlib.sha256(b'x').hexdigest()[:8]}))"});
  ASSERT_TRUE(run.spawned) << run.spawn_error;
  EXPECT_EQ(run.out, "{\"pid\": 2, \"sum\": 45, \"sha\": \"2d711642\"}\n") << run.err;
  EXPECT_EQ(run.outcome.exitStatus(), 0) << run.outcome.describe() << violations(run);
}

// ---- the end of a sandbox (docs/adr/0206) ----

// Whether host pid `pid` is still a process (a zombie included).
bool exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// A marker for sleep's command line, unique to this test process.
std::string sleepMarker() {
  return "98765." + std::to_string(::getpid());
}

// The shell leaves a sleeping grandchild behind, once it really runs.
std::vector<std::string> leaveABackgroundSleeper(const std::string& marker, int code) {
  return {"/bin/sh", "-c",
          "sleep " + marker + " & i=0; while [ $i -lt 100000 ] && ! grep -qs " + marker +
              " /proc/$!/cmdline; do i=$((i+1)); done; exit " + std::to_string(code)};
}

TEST_F(Functional, WaitReturnsOnceEveryProcessIsDeadAndPidOneIsStillReaped) {
  auto p = builtinProfile("shell");
  ASSERT_TRUE(p.ok());
  const std::string marker = sleepMarker();
  for (bool destroy_at_once : {true, false}) {
    SCOPED_TRACE(destroy_at_once ? "destructor" : "poll");
    auto child = spawn(p.value(), Command{leaveABackgroundSleeper(marker, 3)});
    ASSERT_TRUE(child.ok()) << child.error().describe();
    const pid_t init = child.value()->pid();
    const Outcome out = child.value()->wait();
    EXPECT_EQ(out.kind, Outcome::Kind::Exited) << out.describe();
    EXPECT_EQ(out.exitStatus(), 3);
    // The grandchild is gone (killed and reaped) when the outcome is known.
    EXPECT_EQ(meshgate::testing::processesWithCommandLine("sleep " + marker), std::vector<pid_t>{});
    if (destroy_at_once) {
      // The destructor reaps pid 1, however far its exit has come.
      child.value().reset();
      EXPECT_FALSE(exists(init));
    } else {
      // poll() reaps pid 1 later: no zombie is left behind.
      EXPECT_TRUE(meshgate::testing::waitUntil([&] { return child.value()->poll(); },
                                               std::chrono::seconds(20)));
      EXPECT_FALSE(exists(init));
      EXPECT_EQ(child.value()->outcome().exitStatus(), 3);
    }
  }
}

TEST_F(Functional, PollNeverEndsTheSandboxBeforePidOneIsReaped) {
  auto p = builtinProfile("shell");
  ASSERT_TRUE(p.ok());
  const std::string marker = sleepMarker();
  auto child = spawn(p.value(), Command{leaveABackgroundSleeper(marker, 4)});
  ASSERT_TRUE(child.ok()) << child.error().describe();
  Child& c = *child.value();
  // As a workload supervisor does: poll() on the pidfd only.
  ASSERT_TRUE(meshgate::testing::waitUntil(
      [&] {
        bool done = c.poll();
        EXPECT_EQ(done, c.ended());
        return done;
      },
      std::chrono::seconds(20)));
  EXPECT_FALSE(exists(c.pid()));
  EXPECT_EQ(c.outcome().exitStatus(), 4);
  EXPECT_EQ(meshgate::testing::processesWithCommandLine("sleep " + marker), std::vector<pid_t>{});
}

TEST_F(Functional, WithCgroupsTheOutcomeWaitsForPidOneAndCarriesTheStats) {
  MG_REQUIRE_FEATURE("cgroup-cpuacct");
  auto p = builtinProfile("shell");
  ASSERT_TRUE(p.ok());
  Profile profile = p.value();
  profile.limits.cpu_time = std::chrono::seconds(60);
  const std::string marker = sleepMarker();
  auto child = spawn(profile, Command{leaveABackgroundSleeper(marker, 5)});
  ASSERT_TRUE(child.ok()) << child.error().describe();
  ASSERT_NE(child.value()->report().cgroups, "");
  const pid_t init = child.value()->pid();
  const Outcome out = child.value()->wait();
  EXPECT_EQ(out.exitStatus(), 5) << out.describe();
  ASSERT_TRUE(out.cpu_nanos.has_value());
  EXPECT_GT(*out.cpu_nanos, 0u);
  // Pid 1 was reaped before the outcome (the cgroups are removed with it).
  EXPECT_FALSE(exists(init));
  EXPECT_EQ(meshgate::testing::processesWithCommandLine("sleep " + marker), std::vector<pid_t>{});
}

// A server that runs until stopped: start it, talk to it, stop it.
class Server {
 public:
  Server(const Profile& profile, std::vector<std::string> argv) {
    SpawnOptions o;
    o.stdin_fd = null_fd_;
    o.on_event = [this](const Event& e) { events_.push_back(e); };
    auto child = spawn(profile, Command{std::move(argv)}, o);
    if (child.ok()) {
      child_ = std::move(child).value();
    } else {
      error_ = child.error().describe();
    }
  }
  ~Server() {
    if (null_fd_ >= 0) ::close(null_fd_);
  }
  bool started() const { return child_ != nullptr; }
  const std::string& error() const { return error_; }
  Child& child() { return *child_; }
  // Polls the sandbox (for notifications) while waiting for the port.
  bool waitForPort(uint16_t port) {
    return meshgate::testing::waitUntil(
               [&] {
                 child_->poll();
                 int fd = meshgate::testing::connectTcp(port, "127.0.0.1", std::chrono::seconds(1));
                 if (fd < 0) return child_->ended();
                 ::close(fd);
                 return true;
               },
               std::chrono::seconds(20)) &&
           !child_->ended();
  }
  std::string violations() const {
    std::string out;
    for (const Event& e : events_) {
      if (e.kind == EventKind::Violation) out += e.toJson() + "\n";
    }
    return out;
  }

 private:
  int null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  std::unique_ptr<Child> child_;
  std::string error_;
  std::vector<Event> events_;
};

TEST_F(Functional, HttpServiceServesWithPythonHttpServer) {
  MG_REQUIRE_FEATURE("python3");
  meshgate::testing::TempDir site;
  ASSERT_EQ(::chmod(site.path().c_str(), 0755), 0);
  std::string page = site.write("index.html", "hello from the sandbox\n");
  std::string data = site.write("d/data.txt", "data\n");
  ASSERT_EQ(::chmod(page.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(data.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(site.file("d").c_str(), 0755), 0);
  auto p = builtinProfile("http-service");
  ASSERT_TRUE(p.ok());
  Profile profile = p.value();
  addBind(profile, site.path(), "/srv", true);
  const uint16_t port = meshgate::testing::pickFreePort();
  Server server(profile, {"/usr/bin/python3", "-m", "http.server", std::to_string(port), "--bind",
                          "127.0.0.1", "--directory", "/srv"});
  ASSERT_TRUE(server.started()) << server.error();
  ASSERT_TRUE(server.waitForPort(port)) << server.violations();
  auto ok = meshgate::testing::httpGet(port, "/index.html");
  server.child().poll();
  ASSERT_TRUE(ok.has_value()) << server.violations();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "hello from the sandbox\n");
  // A directory without an index: python lists it (getdents64).
  auto listing = meshgate::testing::httpGet(port, "/d/");
  ASSERT_TRUE(listing.has_value());
  EXPECT_EQ(listing->status, 200);
  EXPECT_NE(listing->body.find("data.txt"), std::string::npos) << listing->body;
  auto missing = meshgate::testing::httpGet(port, "/nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  // SIGINT reaches python through pid 1: a clean KeyboardInterrupt exit.
  ASSERT_TRUE(server.child().signal(SIGINT).ok());
  const Outcome& out = server.child().wait();
  EXPECT_EQ(out.kind, Outcome::Kind::Exited) << out.describe() << server.violations();
  EXPECT_EQ(server.violations(), "");
}

TEST_F(Functional, NginxRunsUnderTheHttpServiceDerivedProfile) {
  MG_REQUIRE_FEATURE("nginx");
  auto text = base::readFile(std::string(MG_SOURCE_DIR) + "/examples/sandbox/nginx.yaml");
  ASSERT_TRUE(text.ok());
  auto parsed = parseProfileYaml(text.value());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  Profile profile = parsed.value();
  // Derived: everything http-service allows is allowed here too.
  auto base_profile = builtinProfile("http-service");
  ASSERT_TRUE(base_profile.ok());
  auto base_filter = compilePolicy(base_profile->seccomp, FilterMode::Enforce);
  auto filter = compilePolicy(profile.seccomp, FilterMode::Enforce);
  ASSERT_TRUE(base_filter.ok() && filter.ok());
  for (int nr = 0; nr < 470; ++nr) {
    if (evaluate(base_filter->program, nativeCall(nr)) == SECCOMP_RET_ALLOW) {
      EXPECT_EQ(evaluate(filter->program, nativeCall(nr)), SECCOMP_RET_ALLOW)
          << decodeSyscall(AUDIT_ARCH_X86_64, nr).name;
    }
  }

  meshgate::testing::TempDir site;
  const uint16_t port = meshgate::testing::pickFreePort();
  ASSERT_EQ(::chmod(site.path().c_str(), 0755), 0);
  std::string conf = site.write("nginx.conf",
                                "daemon off;\nworker_processes 2;\nerror_log stderr warn;\n"
                                "pid /tmp/nginx.pid;\nevents { worker_connections 64; }\n"
                                "http {\n  access_log off;\n"
                                "  client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy;\n"
                                "  fastcgi_temp_path /tmp/fcgi; uwsgi_temp_path /tmp/uwsgi;\n"
                                "  scgi_temp_path /tmp/scgi;\n"
                                "  server { listen 127.0.0.1:" +
                                    std::to_string(port) + "; root /srv/html; }\n}\n");
  std::filesystem::create_directory(site.file("html"));
  std::string page = site.write("html/index.html", "nginx in the sandbox\n");
  for (const std::string& f : {conf, page, site.file("html")}) {
    ASSERT_EQ(::chmod(f.c_str(), f == site.file("html") ? 0755 : 0644), 0);
  }
  addBind(profile, site.path(), "/srv", true);
  Server server(profile,
                {"/usr/sbin/nginx", "-e", "stderr", "-p", "/tmp", "-c", "/srv/nginx.conf"});
  ASSERT_TRUE(server.started()) << server.error();
  ASSERT_TRUE(server.waitForPort(port)) << server.violations();
  for (int i = 0; i < 3; ++i) {
    auto r = meshgate::testing::httpGet(port, "/index.html");
    server.child().poll();
    ASSERT_TRUE(r.has_value()) << server.violations();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "nginx in the sandbox\n");
  }
  auto missing = meshgate::testing::httpGet(port, "/nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  // SIGQUIT: nginx's graceful shutdown, forwarded by pid 1 to the master.
  ASSERT_TRUE(server.child().signal(SIGQUIT).ok());
  const Outcome& out = server.child().wait();
  EXPECT_EQ(out.kind, Outcome::Kind::Exited) << out.describe() << server.violations();
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(server.violations(), "");
}

}  // namespace
}  // namespace meshgate::sandbox
