// SPDX-License-Identifier: Apache-2.0
#include "sandbox/init_process.h"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/channel.h"

namespace meshgate::sandbox {
namespace {

constexpr size_t kTargetStackSize = 256 * 1024;

// Shared between pid 1 and the vfork-style child (same memory until exec).
struct TargetContext {
  const Plan* plan;
  volatile int step;
  volatile int err;
  volatile int listener;
  // plan.trace_steps: CLOCK_MONOTONIC when the process started and when its
  // filters were in place.
  volatile int64_t started_nanos;
  volatile int64_t filtered_nanos;
};

// The process that becomes the command. Runs on its own stack in pid 1's
// memory: no allocation, no locks, only syscalls and plain stores. After the
// policy filter is installed, only execve may run (the policy must allow it),
// so a failed exec ends this process with a trap rather than a syscall that
// the filter might hold for a supervisor that pid 1 cannot reach yet.
// Never instrumented: a sanitizer's runtime makes syscalls of its own (ASan
// calls sigaltstack before a noreturn call), and under the policy filter any
// syscall but execve could block on a notification nobody can answer yet.
__attribute__((no_sanitize("address", "undefined"))) int targetMain(void* arg) {
  auto* ctx = static_cast<TargetContext*>(arg);
  const Plan& plan = *ctx->plan;
  if (plan.trace_steps) ctx->started_nanos = monotonicNanos();
  sigset_t none;
  sigemptyset(&none);
  if (::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, _NSIG / 8) != 0) {
    ctx->step = static_cast<int>(Step::Signals);
    ctx->err = errno;
    __builtin_trap();
  }
  int rc = installFilter(plan.baseline_filter, 0);
  if (rc < 0) {
    ctx->step = static_cast<int>(Step::SeccompBaseline);
    ctx->err = -rc;
    __builtin_trap();
  }
  const bool listen = plan.policy_filter.uses_notification;
  rc = installFilter(plan.policy_filter.program, plan.policy_filter.installFlags());
  if (rc < 0) {
    ctx->step = static_cast<int>(Step::SeccompPolicy);
    ctx->err = -rc;
    __builtin_trap();
  }
  if (listen) ctx->listener = rc;
  if (plan.trace_steps) ctx->filtered_nanos = monotonicNanos();
  int err = execCommand(plan.command);
  ctx->step = static_cast<int>(Step::Exec);
  ctx->err = err;
  __builtin_trap();
}

[[noreturn]] void failAndExit(int channel, Step step, int err, int detail = -1) {
  Message m;
  m.kind = MessageKind::Failure;
  m.step = step;
  m.err = err;
  m.detail = detail;
  (void)sendMessage(channel, m);
  ::_exit(125);
}

// Once the command has exited: SIGKILLs every other process of the pid
// namespace (kill(-1) from the namespace's init reaches them all but itself,
// and processes of nested pid namespaces with them) and reaps them all.
// Orphans are reparented to pid 1 (or to a subreaper below it, itself a
// descendant) before their parent becomes a zombie, so ECHILD means that no
// process but pid 1 is left in the namespace, whoever the kill reached.
// Returns false only when kill(-1) failed outright (EPERM for every process):
// then nothing is waited for, leaving pid 1 kills the rest, and the report
// says so (the supervisor then waits for pid 1).
bool killAndReapAll() {
  if (::kill(-1, SIGKILL) != 0 && errno != ESRCH) return false;
  while (true) {
    int status;
    pid_t pid = ::wait4(-1, &status, __WALL, nullptr);
    if (pid > 0) continue;
    if (errno == EINTR) continue;
    return errno == ECHILD;
  }
}

}  // namespace

void runInit(const Plan& plan, int channel) {
  // Everything but SIGKILL/SIGSTOP stays blocked in pid 1 and is taken with
  // sigtimedwait. Blocked signals are queued even for a namespace's init,
  // which would otherwise drop the ones it has no handler for.
  sigset_t all;
  sigfillset(&all);
  if (::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, nullptr, _NSIG / 8) != 0) {
    failAndExit(channel, Step::Init, errno, 0);
  }
  // Never unmapped: pid 1's memory goes when pid 1 does, and a munmap here
  // would cost a TLB shootdown on every CPU the command's exec ran on.
  void* stack = ::mmap(nullptr, kTargetStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) failAndExit(channel, Step::Init, errno, 1);
  TargetContext ctx{&plan, 0, 0, -1, 0, 0};
  char* top = static_cast<char*>(stack) + kTargetStackSize;
  pid_t target = ::clone(targetMain, top, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &ctx);
  if (target < 0) failAndExit(channel, Step::Init, errno, 2);
  if (ctx.err != 0) {
    // The child trapped on purpose; reap it before reporting.
    int status;
    ::wait4(target, &status, __WALL, nullptr);
    if (ctx.listener >= 0) ::close(ctx.listener);
    failAndExit(channel, static_cast<Step>(ctx.step), ctx.err);
  }
  if (plan.trace_steps) {
    sendProgress(channel, Step::Init, ctx.started_nanos);
    sendProgress(channel, Step::SeccompPolicy, ctx.filtered_nanos);
  }
  Message started;
  started.kind = MessageKind::Started;
  started.value = target;
  if (int rc = sendMessage(channel, started, ctx.listener); rc < 0) {
    ::kill(target, SIGKILL);
    failAndExit(channel, Step::Init, -rc, 3);
  }
  if (ctx.listener >= 0) ::close(ctx.listener);
  // Pid 1 stays out of reach of the command (no ptrace, no /proc/1/mem) and
  // confines itself to the few calls it needs.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    ::kill(target, SIGKILL);
    failAndExit(channel, Step::Init, errno, 4);
  }
  if (int rc = installFilter(plan.init_filter, 0); rc < 0) {
    ::kill(target, SIGKILL);
    failAndExit(channel, Step::Init, -rc, 5);
  }
  while (true) {
    siginfo_t info;
    long sig = ::syscall(SYS_rt_sigtimedwait, &all, &info, nullptr, _NSIG / 8);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      ::kill(target, static_cast<int>(sig));
      continue;
    }
    while (true) {
      int status = 0;
      pid_t pid = ::wait4(-1, &status, WNOHANG | __WALL, nullptr);
      if (pid <= 0) break;
      if (pid == target) {
        Message exited;
        exited.kind = MessageKind::Exited;
        exited.value = status;
        exited.nanos = monotonicNanos();  // the command's end, before the others'
        exited.detail = killAndReapAll() ? kExitedAllReaped : 0;
        (void)sendMessage(channel, exited);
        ::syscall(SYS_exit_group, 0);
      }
    }
  }
}

void execAsPid1(const Plan& plan, int channel) {
  int rc = installFilter(plan.baseline_filter, 0);
  if (rc < 0) failAndExit(channel, Step::SeccompBaseline, -rc);
  rc = installFilter(plan.policy_filter.program,
                     plan.policy_filter.installFlags() & ~SECCOMP_FILTER_FLAG_NEW_LISTENER);
  if (rc < 0) failAndExit(channel, Step::SeccompPolicy, -rc);
  int err = execCommand(plan.command);
  // The policy may forbid sendmsg: then the supervisor sees this process die
  // of SIGSYS (or of the trap) instead of the message.
  Message m;
  m.kind = MessageKind::Failure;
  m.step = Step::Exec;
  m.err = err;
  (void)sendMessage(channel, m);
  __builtin_trap();
}

}  // namespace meshgate::sandbox
