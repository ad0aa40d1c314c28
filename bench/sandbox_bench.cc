// SPDX-License-Identifier: Apache-2.0
// Sandbox micro-benchmarks (bench/sandbox-bench.sh runs them next to the
// bubblewrap comparison):
//  - start-up in-process: spawn() + wait() of /bin/true under `strict`, the
//    cost a supervisor pays per sandbox (no meshgate exec, no profile parse);
//  - the seccomp filter's per-syscall cost: a getpid loop without a filter and
//    under meshgate's filters (baseline + policy, stacked as the sandbox
//    stacks them). Each variant runs in a forked child, since a filter cannot
//    be removed;
//  - what the process model costs without meshgate's code (ADR 0205): a child
//    that exits, one that execs /bin/true (as pid 1 does without the init),
//    and one that starts /bin/true with clone(CLONE_VM | CLONE_VFORK), reaps
//    it and exits (as the init does), interleaved.
//
//   sandbox_bench [--iterations N] [--repeat R] [--spawns S] [--processes P]
//
// Prints medians: ms per sandbox, µs per process structure, ns per getpid.
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/file.h"
#include "sandbox/builtin_profiles.h"
#include "sandbox/docker_seccomp.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_bpf.h"

namespace sb = meshgate::sandbox;

namespace {

struct Variant {
  std::string name;
  std::vector<sb::BpfProgram> filters;  // installed in order
};

// ns per getpid in a child under `filters`, or a negative value on failure.
double measure(const Variant& v, long iterations) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (!v.filters.empty() && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(1);
    for (const sb::BpfProgram& f : v.filters) {
      if (sb::installFilter(f, 0) < 0) ::_exit(2);
    }
    for (long i = 0; i < iterations / 10; ++i)
      ::syscall(SYS_getpid);  // warm up
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i)
      ::syscall(SYS_getpid);
    auto end = std::chrono::steady_clock::now();
    double ns = std::chrono::duration<double, std::nano>(end - start).count() /
                static_cast<double>(iterations);
    // write is allowed by every filter here.
    (void)!::write(fds[1], &ns, sizeof ns);
    ::syscall(SYS_exit_group, 0);
  }
  ::close(fds[1]);
  double ns = -1;
  if (::read(fds[0], &ns, sizeof ns) != static_cast<ssize_t>(sizeof ns)) ns = -1;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return ns;
}

sb::BpfProgram policyOf(const sb::SeccompPolicy& p) {
  auto c = sb::compilePolicy(p, sb::FilterMode::Report);
  if (!c.ok()) {
    std::fprintf(stderr, "compile: %s\n", c.error().describe().c_str());
    std::exit(1);
  }
  return c.value().program;
}

// Median ms of spawn() + wait() for /bin/true under `strict`.
double startupMillis(int spawns, bool init) {
  auto profile = sb::builtinProfile("strict");
  if (!profile.ok()) return -1;
  sb::Profile p = profile.value();
  p.process.init = init;
  std::vector<double> ms;
  for (int i = 0; i < spawns; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto child = sb::spawn(p, sb::Command{{"/bin/true"}});
    if (!child.ok()) {
      std::fprintf(stderr, "spawn: %s\n", child.error().describe().c_str());
      return -1;
    }
    if (child.value()->wait().exitStatus() != 0) return -1;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

enum class Structure { Exit, Exec, VforkReapExit };

int execTrue(void*) {
  char arg0[] = "/bin/true";
  char* argv[] = {arg0, nullptr};
  char* envp[] = {nullptr};
  ::execve(arg0, argv, envp);
  ::_exit(127);
}

// µs from fork to reaping the child, which does `structure`; negative on
// failure.
double processMicros(Structure structure) {
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (structure == Structure::Exit) ::_exit(0);
    if (structure == Structure::Exec) execTrue(nullptr);
    constexpr size_t kStack = 64 * 1024;
    void* stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) ::_exit(1);
    pid_t target = ::clone(execTrue, static_cast<char*>(stack) + kStack,
                           CLONE_VM | CLONE_VFORK | SIGCHLD, nullptr);
    if (target < 0) ::_exit(1);
    int status = 0;
    if (::waitpid(target, &status, 0) != target) ::_exit(1);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return -1;
  }
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 2'000'000;
  int repeat = 7;
  int spawns = 200;
  int processes = 300;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc)
      iterations = std::atol(argv[++i]);
    else if (a == "--repeat" && i + 1 < argc)
      repeat = std::atoi(argv[++i]);
    else if (a == "--spawns" && i + 1 < argc)
      spawns = std::atoi(argv[++i]);
    else if (a == "--processes" && i + 1 < argc)
      processes = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--iterations N] [--repeat R] [--spawns S] [--processes P]\n",
                   argv[0]);
      return 2;
    }
  }
  const sb::BpfProgram baseline = sb::compileBaseline({1, 2, 10}, {sb::SeccompArch::Native});

  std::vector<Variant> variants;
  variants.push_back({"no filter", {}});
  variants.push_back({"baseline only (socket families, TIOCSTI)", {baseline}});
  {
    auto strict = sb::builtinProfile("strict");
    sb::SeccompPolicy p = strict.value().seccomp;
    p.rules.push_back({{"getpid"}, sb::SeccompAction::allow(), {}, false});
    variants.push_back({"baseline + strict policy (26 syscalls)", {baseline, policyOf(p)}});
  }
  variants.push_back(
      {"baseline + shell policy (160 syscalls)", {baseline, policyOf(sb::defaultSeccompPolicy())}});
  {
    auto text = meshgate::base::readFile(std::string(MG_SOURCE_DIR) +
                                         "/../shared/reference/seccomp/docker-default.json");
    if (text.ok()) {
      auto docker = sb::parseDockerSeccomp(text.value(), sb::hostDockerContext({}));
      if (docker.ok()) {
        variants.push_back({"baseline + Docker's default policy (~370 syscalls)",
                            {baseline, policyOf(docker.value())}});
      }
    }
  }
  {
    // getpid behind an argument check: the kernel's per-syscall action cache
    // (5.11+) cannot skip the filter, so this is the BPF's own cost.
    sb::SeccompPolicy p = sb::defaultSeccompPolicy();
    for (auto& r : p.rules) {
      r.names.erase(std::remove(r.names.begin(), r.names.end(), "getpid"), r.names.end());
    }
    p.rules.push_back({{"getpid"}, sb::SeccompAction::allow(), {{0, sb::ArgOp::Ge, 0, 0}}, false});
    variants.push_back(
        {"baseline + shell policy, getpid evaluated (no action cache)", {baseline, policyOf(p)}});
  }

  if (spawns > 0) {
    std::printf("%-62s %10s\n", "start-up, in process (spawn + wait, /bin/true)", "ms");
    for (bool init : {true, false}) {
      double ms = startupMillis(spawns, init);
      if (ms < 0) return 1;
      std::printf("%-62s %10.2f\n", init ? "strict (with init)" : "strict, no init", ms);
    }
    std::printf("\n");
  }
  if (processes > 0) {
    // One of each per round, so that drift in the machine's load hits them
    // alike.
    const Structure structures[] = {Structure::Exit, Structure::Exec, Structure::VforkReapExit};
    const char* const names[] = {"fork, the child exits",
                                 "fork, the child execs /bin/true (pid 1 without init)",
                                 "fork, the child vforks /bin/true, reaps it (with init)"};
    std::vector<double> us[3];
    for (int r = 0; r < processes; ++r) {
      for (int k = 0; k < 3; ++k) {
        double v = processMicros(structures[k]);
        if (v < 0) {
          std::printf("%s: failed\n", names[k]);
          return 1;
        }
        us[k].push_back(v);
      }
    }
    std::printf("%-62s %10s\n", "process structure, fork to reaped (no namespaces)", "median us");
    for (int k = 0; k < 3; ++k) {
      std::sort(us[k].begin(), us[k].end());
      std::printf("%-62s %10.0f\n", names[k], us[k][us[k].size() / 2]);
    }
    std::printf("\n");
  }
  // Rounds interleave the variants, so that drift in the machine's load hits
  // them alike; the minimum is the least disturbed run.
  std::vector<std::vector<double>> runs(variants.size());
  for (int r = 0; r < repeat; ++r) {
    for (size_t i = 0; i < variants.size(); ++i) {
      double ns = measure(variants[i], iterations);
      if (ns < 0) {
        std::printf("%s: failed\n", variants[i].name.c_str());
        return 1;
      }
      runs[i].push_back(ns);
    }
  }
  std::printf("%-62s %10s %10s\n", "variant (getpid loop)", "min ns", "median ns");
  double bare_min = 0;
  double bare_median = 0;
  for (size_t i = 0; i < variants.size(); ++i) {
    std::sort(runs[i].begin(), runs[i].end());
    double min = runs[i].front();
    double median = runs[i][runs[i].size() / 2];
    if (i == 0) {
      bare_min = min;
      bare_median = median;
    }
    std::printf("%-62s %10.1f %10.1f  (%+.1f / %+.1f)\n", variants[i].name.c_str(), min, median,
                min - bare_min, median - bare_median);
  }
  return 0;
}
