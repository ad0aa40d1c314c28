// SPDX-License-Identifier: Apache-2.0
// The supervisor's side of spawn(): profile -> Plan, cgroups, clone3, id maps,
// the go-ahead, and the handshake until the command runs (recipe.cc has the
// whole order).
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "sandbox/cgroups.h"
#include "sandbox/channel.h"
#include "sandbox/child_state.h"
#include "sandbox/landlock.h"
#include "sandbox/net_ns.h"
#include "sandbox/recipe.h"
#include "sandbox/rlimits.h"
#include "sandbox/sandbox.h"
#include "sandbox/session.h"
#include "sandbox/syscalls.h"

extern char** environ;

namespace meshgate::sandbox {
namespace {

using base::Error;
using base::Result;

constexpr uint64_t kClonePidfd = 0x1000;
constexpr uint64_t kCloneIntoCgroup = 0x200000000ull;
constexpr uint64_t kCloneClearSighand = 0x100000000ull;

struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};

std::string errnoText(int err) {
  return errnoName(err) + " (" + std::strerror(err) + ")";
}

// "sandbox: step mount: bind /x -> /x (ro) failed (ENOENT)"; describe() adds
// the strerror text.
Error stepError(const Plan& plan, Step step, int err, int detail) {
  return Error{
      "sandbox: step " + describeStep(plan, step, detail) + " failed (" + errnoName(err) + ")", err,
      base::ErrorSource::Local};
}

// Keeps fds away from 0-2 so that the child's stdio setup cannot clobber them.
int aboveStdio(int fd) {
  if (fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

std::string idMapText(const Plan& plan) {
  auto first = [](const std::string& line) {
    auto parts = base::split(base::trim(line), ' ');
    return parts.size() == 3 ? std::string(parts[0]) + " -> host " + std::string(parts[1]) +
                                   (parts[2] == "1" ? "" : " (+" + std::string(parts[2]) + ")")
                             : std::string(line);
  };
  return "uid " + first(plan.user.uid_map) + ", gid " + first(plan.user.gid_map) +
         (plan.user.drop_groups ? ", no supplementary groups" : "");
}

// SpawnOptions::trace_steps: one Step event per finished step, supervisor and
// child alike, all timed on CLOCK_MONOTONIC (steady_clock).
class StepTracer {
 public:
  StepTracer(const SpawnOptions& options, base::MonoTime start) : options_(options), last_(start) {}

  void done(Step step, base::MonoTime at = std::chrono::steady_clock::now()) {
    if (!options_.trace_steps || !options_.on_event) return;
    Event e;
    e.kind = EventKind::Step;
    e.time = std::chrono::system_clock::now();
    e.step = step;
    e.elapsed = at - last_;
    e.at = at;
    last_ = at;
    options_.on_event(e);
  }

 private:
  const SpawnOptions& options_;
  base::MonoTime last_;
};

}  // namespace

class Spawner {
 public:
  static Result<std::unique_ptr<Child>> spawn(const Profile& profile, const Command& command,
                                              const SpawnOptions& options);
};

Result<std::unique_ptr<Child>> Spawner::spawn(const Profile& profile, const Command& command,
                                              const SpawnOptions& options) {
  MG_RETURN_IF_ERROR(profile.validate());
  std::unique_ptr<Child> child(new Child());
  Child::State& st = *child->state_;
  st.options = options;
  st.start = std::chrono::steady_clock::now();
  StepTracer tracer(options, st.start);
  Plan& plan = st.plan;

  // ---- plan (everything the child reads, allocated here) ----
  auto user = planUser(profile.user);
  if (!user.ok()) return std::move(user).error();
  plan.user = std::move(user).value();
  auto mounts = planMounts(profile.filesystem);
  if (!mounts.ok()) return std::move(mounts).error();
  plan.mounts = std::move(mounts).value();
  plan.mounts.legacy_api = options.legacy_mount_api;
  plan.network = profile.network.mode;
  plan.hostname = profile.process.hostname;
  plan.rlimits = planRlimits(profile.limits);
  plan.capabilities = planCapabilities(profile.capabilities.data(), profile.capabilities.size());
  auto landlock = planLandlock(profile, landlockAbi());
  if (!landlock.ok()) return std::move(landlock).error();
  plan.landlock = std::move(landlock).value();
  plan.fds.stdio[0] = options.stdin_fd;
  plan.fds.stdio[1] = options.stdout_fd;
  plan.fds.stdio[2] = options.stderr_fd;
  plan.fds.keep = profile.process.pass_fds;
  std::sort(plan.fds.keep.begin(), plan.fds.keep.end());
  plan.fds.keep.erase(std::unique(plan.fds.keep.begin(), plan.fds.keep.end()), plan.fds.keep.end());
  for (int fd : plan.fds.keep) {
    if (::fcntl(fd, F_GETFD) < 0) {
      return Error{"sandbox: passed fd " + std::to_string(fd) + " is not open", EBADF,
                   base::ErrorSource::Config};
    }
  }
  plan.working_dir = profile.process.working_dir;
  auto cmd = planCommand(command, profile.process.env,
                         options.caller_env != nullptr ? options.caller_env : environ);
  if (!cmd.ok()) return std::move(cmd).error();
  plan.command = std::move(cmd).value();
  plan.use_init = profile.process.init;
  plan.trace_steps = options.trace_steps;
  plan.die_with_parent = options.die_with_parent;

  tracer.done(Step::Plan);

  const SeccompSupport& support = seccompSupport();
  const SeccompActionKind default_kind = profile.seccomp.default_action.kind;
  if (options.learn) {
    if (!plan.use_init || !support.notif_continue) {
      return Error{
          "sandbox learn: needs seccomp user notification with CONTINUE (Linux 5.5) "
          "and the init process",
          ENOSYS, base::ErrorSource::Local};
    }
    plan.filter_mode = FilterMode::Learn;
  } else if (profile.seccomp.report && plan.use_init && support.user_notif &&
             (default_kind != SeccompActionKind::Log || support.notif_continue)) {
    plan.filter_mode = FilterMode::Report;
  } else {
    plan.filter_mode = FilterMode::Enforce;
    if (profile.seccomp.report) {
      st.report.notes.push_back(
          plan.use_init ? "violations are enforced by the kernel alone (no seccomp user "
                          "notification): only SIGSYS is visible"
                        : "without init, violations are enforced by the kernel alone: only "
                          "SIGSYS is visible");
    }
  }
  auto policy = compilePolicy(profile.seccomp, plan.filter_mode);
  if (!policy.ok()) return std::move(policy).error();
  plan.policy_filter = std::move(policy).value();
  plan.baseline_filter =
      compileBaseline(profile.effectiveSocketFamilies(), profile.seccomp.architectures);
  plan.init_filter = compileInitFilter();
  tracer.done(Step::SeccompCompile);

  plan.clone_flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
  if (needsNetworkNamespace(plan.network)) plan.clone_flags |= CLONE_NEWNET;

  // ---- report ----
  SetupReport& rep = st.report;
  rep.namespaces = std::string("user pid mount ipc uts cgroup") +
                   (needsNetworkNamespace(plan.network) ? " net" : "") + " (network " +
                   networkModeName(plan.network) + ")";
  rep.id_map = idMapText(plan);
  rep.landlock = plan.landlock.describe();
  for (const std::string& n : plan.landlock.not_enforced) {
    rep.notes.push_back("landlock: not enforced: " + n);
  }
  rep.seccomp = "policy " + std::to_string(plan.policy_filter.program.size()) + " insns (" +
                std::to_string(plan.policy_filter.allowed_syscalls) +
                " syscalls allowed, default " + actionName(default_kind) + "), baseline " +
                std::to_string(plan.baseline_filter.size()) + " insns, " +
                (plan.filter_mode == FilterMode::Report  ? "violations reported"
                 : plan.filter_mode == FilterMode::Learn ? "learning"
                                                         : "kernel-enforced");
  for (const std::string& s : plan.policy_filter.unknown_syscalls) {
    rep.notes.push_back("seccomp: '" + s + "' is unknown on this architecture; rule skipped");
  }
  for (const MountOp& op : plan.mounts.ops)
    rep.mounts.push_back(op.display);

  // ---- cgroups ----
  static std::atomic<uint64_t> counter{0};
  std::string cg_name = "meshgate-" + std::to_string(::getpid()) + "-" +
                        std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  auto cgroups = CgroupSet::create(profile.limits, options.cgroup_parent, cg_name);
  if (!cgroups.ok()) return std::move(cgroups).error();
  st.cgroups = std::move(cgroups).value();
  if (st.cgroups) rep.cgroups = st.cgroups->describe();
  if (profile.limits.cpu_time) {
    st.cpu_limit_nanos = static_cast<uint64_t>(profile.limits.cpu_time->count());
  }
  if (profile.limits.wall_time) st.wall_deadline = st.start + *profile.limits.wall_time;
  st.default_action = profile.seccomp.default_action;
  tracer.done(Step::Cgroups);

  // The notification buffers are allocated now rather than at the first
  // notification: after clone3 every page the supervisor writes is a
  // copy-on-write fault while pid 1 shares it (libseccomp also caches the
  // kernel's sizes in its own memory).
  if (plan.filter_mode != FilterMode::Enforce) (void)st.allocNotifyBuffers();

  // ---- the channel and clone3 ----
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return base::errnoError("sandbox: socketpair");
  }
  int parent_end = aboveStdio(sv[0]);
  int child_end = aboveStdio(sv[1]);
  if (parent_end < 0 || child_end < 0) return base::errnoError("sandbox: channel fds");
  st.channel = parent_end;
  plan.fds.channel = child_end;

  int pidfd = -1;
  CloneArgs args{};
  args.flags = plan.clone_flags | kClonePidfd;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  const bool into_cgroup = st.cgroups && st.cgroups->cloneIntoFd() >= 0;
  if (into_cgroup) {
    args.flags |= kCloneIntoCgroup;
    args.cgroup = static_cast<uint64_t>(st.cgroups->cloneIntoFd());
  }
  plan.ignored_signals = ignoredSignals();
  // CLONE_CLEAR_SIGHAND (5.5) resets handled signals in the child; before
  // 5.5 clone3 refuses the flag and the child resets every signal itself.
  args.flags |= kCloneClearSighand;
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == EINVAL) {
    args.flags &= ~kCloneClearSighand;
    plan.reset_all_signals = true;
    pid = ::syscall(SYS_clone3, &args, sizeof args);
  }
  if (pid == 0) runSandboxChild(plan, child_end);  // never returns
  int clone_errno = errno;
  ::close(child_end);
  if (pid < 0) {
    std::string hint = clone_errno == ENOSYS ? " (clone3 needs Linux 5.3)"
                       : clone_errno == EPERM || clone_errno == ENOSPC
                           ? " (user namespaces disabled or exhausted? see "
                             "/proc/sys/user/max_user_namespaces)"
                           : "";
    return Error{"sandbox: clone3 failed: " + errnoText(clone_errno) + hint, clone_errno,
                 base::ErrorSource::Local};
  }
  st.pid = static_cast<pid_t>(pid);
  st.pidfd = pidfd;
  tracer.done(Step::Clone);

  // From here on the Child's destructor kills and reaps on error.
  auto fail = [&](Error e) -> Result<std::unique_ptr<Child>> {
    child->kill();
    child->reapBlocking();
    return e;
  };
  if (st.cgroups) {
    if (auto s = st.cgroups->attach(st.pid, into_cgroup); !s.ok())
      return fail(std::move(s).error());
  }
  if (auto s = writeIdMaps(st.pid, plan.user); !s.ok()) return fail(std::move(s).error());
  Message go;
  go.kind = MessageKind::Go;
  if (int rc = sendMessage(st.channel, go); rc < 0) {
    return fail(base::errnoError("sandbox: sending the go-ahead", -rc));
  }
  tracer.done(Step::IdMaps);

  // ---- handshake: Progress*, then Started | Failure | EOF ----
  const auto deadline = st.start + options.setup_timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(Error{"sandbox: setup did not finish within " +
                            std::to_string(options.setup_timeout.count()) + " ms",
                        ETIMEDOUT, base::ErrorSource::Local});
    }
    pollfd p{st.channel, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    Message m;
    int fd = -1;
    int rc = receiveMessage(st.channel, &m, &fd);
    if (rc < 0) return fail(base::errnoError("sandbox: reading from the child", -rc));
    if (rc == 0) {
      if (!plan.use_init) break;  // close-on-exec: the command runs
      child->reapBlocking();
      return Error{"sandbox: the sandbox's pid 1 ended during setup (" +
                       child->state_->init_status_text + ")",
                   0, base::ErrorSource::Local};
    }
    if (m.kind == MessageKind::Progress) {
      tracer.done(m.step, monoFromNanos(m.nanos));
      continue;
    }
    if (m.kind == MessageKind::Failure) {
      if (m.step == Step::Exec) {
        child->reapBlocking();
        Outcome o;
        o.kind = Outcome::Kind::ExecFailed;
        o.exec_errno = m.err;
        o.wall_time = std::chrono::steady_clock::now() - st.start;
        child->outcome_ = o;
        child->state_->exec_error = stepError(plan, m.step, m.err, m.detail).message;
        return child;
      }
      Error e = stepError(plan, m.step, m.err, m.detail);
      child->reapBlocking();
      return e;
    }
    if (m.kind == MessageKind::Started) {
      st.listener = fd;
      st.command_pid_inside = m.value;
      tracer.done(Step::Exec);
      break;
    }
    if (fd >= 0) ::close(fd);
    return fail(
        Error{"sandbox: unexpected message from the child", EPROTO, base::ErrorSource::Local});
  }
  return child;
}

base::Result<std::unique_ptr<Child>> spawn(const Profile& profile, const Command& command,
                                           const SpawnOptions& options) {
  return Spawner::spawn(profile, command, options);
}

}  // namespace meshgate::sandbox
