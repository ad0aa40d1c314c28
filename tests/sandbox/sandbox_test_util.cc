// SPDX-License-Identifier: Apache-2.0
#include "tests/sandbox/sandbox_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/file.h"
#include "base/strings.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/cgroups.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp_bpf.h"

namespace meshgate::sandbox::testing {
namespace {

std::string dirOf(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

std::string slurp(const std::string& path) {
  auto r = base::readFile(path);
  return r.ok() ? r.value() : std::string();
}

}  // namespace

std::string probePath() {
  return SANDBOX_PROBE;
}

Profile probeProfile(std::string_view builtin) {
  auto p = builtinProfile(builtin);
  MG_ASSERT(p.ok(), "built-in profiles parse");
  Profile profile = std::move(p).value();
  std::string dir = dirOf(probePath());
  addBind(profile, dir, dir, true);
  return profile;
}

const Event* SandboxRun::violation(std::string_view syscall) const {
  for (const Event& e : events) {
    if (e.kind == EventKind::Violation && e.syscall == syscall) return &e;
  }
  return nullptr;
}

size_t SandboxRun::violationCount() const {
  size_t n = 0;
  for (const Event& e : events)
    n += e.kind == EventKind::Violation;
  return n;
}

const Event* SandboxRun::limit(std::string_view name) const {
  for (const Event& e : events) {
    if (e.kind == EventKind::Limit && e.limit == name) return &e;
  }
  return nullptr;
}

SandboxRun runSandboxed(const Profile& profile, const std::vector<std::string>& argv,
                        SpawnOptions options, int stdin_fd) {
  Profile p = profile;
  if (!p.limits.wall_time) p.limits.wall_time = std::chrono::seconds(60);
  char out_path[] = "/tmp/meshgate-sandbox-out-XXXXXX";
  char err_path[] = "/tmp/meshgate-sandbox-err-XXXXXX";
  int out_fd = ::mkstemp(out_path);
  int err_fd = ::mkstemp(err_path);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  SandboxRun run;
  std::vector<Event> events;
  options.stdin_fd = stdin_fd >= 0 ? stdin_fd : null_fd;
  options.stdout_fd = out_fd;
  options.stderr_fd = err_fd;
  options.on_event = [&](const Event& e) { events.push_back(e); };
  auto child = spawn(p, Command{argv}, options);
  if (!child.ok()) {
    run.spawn_error = child.error().describe();
  } else {
    run.spawned = true;
    run.outcome = child.value()->wait();
  }
  run.events = std::move(events);
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  ::unlink(out_path);
  ::unlink(err_path);
  ::close(out_fd);
  ::close(err_fd);
  if (null_fd >= 0) ::close(null_fd);
  return run;
}

SandboxRun runProbe(const Profile& profile, const std::vector<std::string>& args,
                    SpawnOptions options, int stdin_fd) {
  std::vector<std::string> argv = {probePath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runSandboxed(profile, argv, std::move(options), stdin_fd);
}

std::optional<std::string> missing(std::string_view feature) {
  if (feature == "root") {
    if (::geteuid() != 0) return "the test must run as root";
    return std::nullopt;
  }
  if (feature == "userns") {
    std::string max = slurp("/proc/sys/user/max_user_namespaces");
    if (!max.empty() && std::atoi(max.c_str()) == 0) return "user namespaces are disabled";
    return std::nullopt;
  }
  if (feature == "landlock" || feature == "landlock-net" || feature == "landlock-scope") {
    int abi = landlockAbi();
    int need = feature == "landlock" ? 1 : feature == "landlock-net" ? 4 : 6;
    if (abi < need) {
      return "the kernel's Landlock ABI is " + std::to_string(abi) + ", need " +
             std::to_string(need);
    }
    return std::nullopt;
  }
  if (feature == "user-notif") {
    if (!seccompSupport().notif_continue) return "no seccomp user notification with CONTINUE";
    return std::nullopt;
  }
  if (feature.rfind("cgroup2-", 0) == 0) {
    std::string controller(feature.substr(8));
    auto hierarchies =
        parseCgroupHierarchies(slurp("/proc/self/mountinfo"), slurp("/proc/self/cgroup"));
    for (const CgroupHierarchy& h : hierarchies) {
      if (h.version != 2) continue;
      std::string text = slurp(h.mount_point + h.own_path + "/cgroup.controllers");
      for (std::string_view c : base::split(base::trim(text), ' ')) {
        if (c == controller) return std::nullopt;
      }
      return "cgroup v2 is mounted at " + h.mount_point + " without the " + controller +
             " controller (controllers: '" + std::string(base::trim(text)) + "')";
    }
    return "no cgroup v2 hierarchy is mounted";
  }
  if (feature.rfind("cgroup-", 0) == 0) {
    std::string controller(feature.substr(7));
    auto hierarchies =
        parseCgroupHierarchies(slurp("/proc/self/mountinfo"), slurp("/proc/self/cgroup"));
    for (const CgroupHierarchy& h : hierarchies) {
      if (h.version == 2) {
        std::string text = slurp(h.mount_point + h.own_path + "/cgroup.controllers");
        if (text.find(controller) != std::string::npos) return std::nullopt;
        if (controller == "cpuacct") return std::nullopt;  // cpu.stat is always there
      } else {
        for (const std::string& c : h.controllers) {
          if (c == controller) return std::nullopt;
        }
      }
    }
    return "no cgroup hierarchy offers the " + controller + " controller";
  }
  if (feature == "ia32") {
    // Try it: int 0x80 from 64-bit code in a throwaway child.
    pid_t pid = ::fork();
    if (pid == 0) {
      ::signal(SIGSEGV, SIG_DFL);  // not a sanitizer's report: just the signal
      long ret;
      asm volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
      ::_exit(ret == ::getpid() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      return std::string("int 0x80 from 64-bit code raised ") + strsignal(WTERMSIG(status)) +
             ": the kernel (or hypervisor) has IA32 emulation disabled";
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "int 0x80 getpid did not work";
    return std::nullopt;
  }
  if (feature == "python3") {
    if (access("/usr/bin/python3", X_OK) != 0) return "/usr/bin/python3 is not installed";
    return std::nullopt;
  }
  if (feature == "nginx") {
    if (access("/usr/sbin/nginx", X_OK) != 0) return "/usr/sbin/nginx is not installed";
    return std::nullopt;
  }
  return "unknown feature " + std::string(feature);
}

}  // namespace meshgate::sandbox::testing
