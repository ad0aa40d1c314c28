// SPDX-License-Identifier: Apache-2.0
// Supervising a running sandbox: seccomp notifications (report, then enforce),
// pid 1's messages, limits, reaping, and the outcome.
#include <linux/audit.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/channel.h"
#include "sandbox/child_state.h"
#include "sandbox/sandbox.h"
#include "sandbox/syscalls.h"

namespace meshgate::sandbox {
namespace {

constexpr uint32_t kX32SyscallBit = 0x40000000;

bool readable(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

enum class ListenerState { Idle, Pending, Gone };

// A seccomp listener reports POLLIN for a pending notification and POLLHUP
// once no task uses the filter any more.
ListenerState listenerState(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return ListenerState::Idle;
  if (p.revents & POLLIN) return ListenerState::Pending;
  return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) ? ListenerState::Gone : ListenerState::Idle;
}

std::string signalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string statusText(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by " + signalName(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

// The wait status of a process, from waitid's siginfo.
int waitStatusFrom(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return (info.si_status & 0xff) << 8;
  return info.si_status & 0x7f;  // CLD_KILLED, CLD_DUMPED
}

}  // namespace

Child::State::~State() {
  if (request != nullptr || response != nullptr) seccomp_notify_free(request, response);
  if (listener >= 0) ::close(listener);
  if (channel >= 0) ::close(channel);
  if (pidfd >= 0) ::close(pidfd);
}

bool Child::State::allocNotifyBuffers() {
  if (request != nullptr) return true;
  if (seccomp_notify_alloc(&request, &response) == 0) return true;
  request = nullptr;
  response = nullptr;
  return false;
}

Child::Child() : state_(std::make_unique<State>()) {}

Child::~Child() {
  if (!state_->reaped && state_->pidfd >= 0) {
    kill();
    reapBlocking();
  }
}

pid_t Child::pid() const {
  return state_->pid;
}
int Child::pidfd() const {
  return state_->pidfd;
}
const SetupReport& Child::report() const {
  return state_->report;
}
const std::set<int>& Child::learnedSyscalls() const {
  return state_->learned;
}
const std::set<int>& Child::learnedSocketFamilies() const {
  return state_->learned_families;
}

const Outcome& Child::outcome() const {
  MG_ASSERT(outcome_.has_value(), "Child::outcome() before the sandbox ended");
  return *outcome_;
}

std::vector<int> Child::watchFds() const {
  std::vector<int> fds;
  if (state_->reaped) return fds;
  if (state_->pidfd >= 0) fds.push_back(state_->pidfd);
  if (state_->channel >= 0) fds.push_back(state_->channel);
  if (state_->listener >= 0) fds.push_back(state_->listener);
  return fds;
}

std::optional<base::MonoTime> Child::nextDeadline() const {
  std::optional<base::MonoTime> next = state_->wall_deadline;
  if (state_->cpu_limit_nanos && state_->cgroups) {
    if (!next || state_->next_cpu_check < *next) next = state_->next_cpu_check;
  }
  return next;
}

void Child::emit(const Event& e) const {
  if (state_->options.on_event) state_->options.on_event(e);
}

base::Status Child::signal(int sig) {
  if (state_->reaped) return base::Error{"sandbox: already ended", ESRCH, base::ErrorSource::Local};
  if (::syscall(SYS_pidfd_send_signal, state_->pidfd, sig, nullptr, 0) != 0) {
    return base::errnoError("sandbox: pidfd_send_signal");
  }
  return base::okStatus();
}

void Child::kill() {
  if (state_->reaped || state_->pidfd < 0) return;
  ::syscall(SYS_pidfd_send_signal, state_->pidfd, SIGKILL, nullptr, 0);
}

void Child::detach() {
  State& st = *state_;
  MG_ASSERT(outcome_.has_value(), "Child::detach() before the outcome is known");
  if (st.reaped || st.pidfd < 0) return;
  // Pid 1 stays this process's child until this process exits: then it is
  // reparented to the host's init (or the nearest subreaper), which reaps it.
  ::close(st.pidfd);
  st.pidfd = -1;
}

void Child::reapBlocking() {
  if (state_->reaped || state_->pidfd < 0) return;
  siginfo_t info{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(state_->pidfd), &info,
                  WEXITED | __WALL) != 0) {
    if (errno != EINTR) break;
  }
  finish(waitStatusFrom(info));
}

void Child::handleNotification() {
  State& st = *state_;
  if (!st.allocNotifyBuffers()) return;
  // Bounded: whatever is queued now, then back to the caller's loop.
  for (int i = 0; i < 64; ++i) {
    ListenerState ls = listenerState(st.listener);
    if (ls == ListenerState::Gone) {
      ::close(st.listener);
      st.listener = -1;
      return;
    }
    if (ls == ListenerState::Idle) return;
    std::memset(st.request, 0, sizeof *st.request);
    if (seccomp_notify_receive(st.listener, st.request) != 0) {
      // ENOENT: the caller died (or was killed) before we got to it.
      if (errno == EINTR || errno == ENOENT) continue;
      ::close(st.listener);
      st.listener = -1;
      return;
    }
    const seccomp_notif& req = *st.request;
    seccomp_notif_resp& resp = *st.response;
    std::memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    const bool native = req.data.arch == AUDIT_ARCH_X86_64 &&
                        (static_cast<uint32_t>(req.data.nr) & kX32SyscallBit) == 0;
    if (st.plan.filter_mode == FilterMode::Learn && native) {
      st.learned.insert(req.data.nr);
      if (req.data.nr == SYS_socket || req.data.nr == SYS_socketpair) {
        st.learned_families.insert(static_cast<int>(req.data.args[0] & 0xffffffff));
      }
      resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      (void)seccomp_notify_respond(st.listener, &resp);
      continue;
    }
    Event e;
    e.kind = EventKind::Violation;
    e.time = std::chrono::system_clock::now();
    DecodedSyscall d = decodeSyscall(req.data.arch, req.data.nr);
    e.syscall = d.name;
    e.nr = req.data.nr;
    e.abi = d.abi;
    e.pid = static_cast<pid_t>(req.pid);
    e.has_args = true;
    for (int a = 0; a < 6; ++a)
      e.args[static_cast<size_t>(a)] = req.data.args[a];
    // Refused ABIs are always killed, whatever the default action says.
    SeccompActionKind kind = native ? st.default_action.kind : SeccompActionKind::KillProcess;
    e.action = actionName(kind);
    if (kind == SeccompActionKind::Errno) e.errno_value = st.default_action.errno_value;
    emit(e);
    if (kind == SeccompActionKind::Errno) {
      resp.error = -st.default_action.errno_value;
      (void)seccomp_notify_respond(st.listener, &resp);
    } else if (kind == SeccompActionKind::Log) {
      resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      (void)seccomp_notify_respond(st.listener, &resp);
    } else {
      // The syscall stays blocked until the pid namespace dies with pid 1:
      // it never runs.
      if (st.kill_cause == State::KillCause::None) st.kill_cause = State::KillCause::Violation;
      kill();
      return;
    }
  }
}

void Child::handleChannel() {
  State& st = *state_;
  for (int i = 0; i < 16 && readable(st.channel); ++i) {
    Message m;
    int fd = -1;
    int rc = receiveMessage(st.channel, &m, &fd);
    if (fd >= 0) ::close(fd);
    if (rc <= 0) {
      ::close(st.channel);
      st.channel = -1;
      return;
    }
    if (m.kind != MessageKind::Exited) continue;
    st.command_status = m.value;
    st.all_reaped = m.detail == kExitedAllReaped;
    if (st.options.trace_steps) {
      Event e;
      e.kind = EventKind::Step;
      e.time = std::chrono::system_clock::now();
      e.step = Step::CommandExited;
      e.at = monoFromNanos(m.nanos);
      emit(e);
    }
  }
}

void Child::checkLimits() {
  State& st = *state_;
  if (st.kill_cause != State::KillCause::None || outcome_) return;
  auto now = std::chrono::steady_clock::now();
  if (st.wall_deadline && now >= *st.wall_deadline) {
    st.kill_cause = State::KillCause::WallTime;
    Event e;
    e.kind = EventKind::Limit;
    e.time = std::chrono::system_clock::now();
    e.limit = "wall_time";
    emit(e);
    kill();
    return;
  }
  if (st.cpu_limit_nanos && st.cgroups && now >= st.next_cpu_check) {
    st.next_cpu_check = now + std::chrono::milliseconds(100);
    CgroupStats s = st.cgroups->stats();
    if (s.cpu_nanos && *s.cpu_nanos >= *st.cpu_limit_nanos) {
      st.kill_cause = State::KillCause::CpuTime;
      Event e;
      e.kind = EventKind::Limit;
      e.time = std::chrono::system_clock::now();
      e.limit = "cpu_time";
      e.detail = "the sandbox's processes used " + std::to_string(*s.cpu_nanos / 1000000) + " ms";
      emit(e);
      kill();
    }
  }
}

void Child::finish(int wait_status) {
  State& st = *state_;
  st.reaped = true;
  st.reaped_status = wait_status;
  st.init_status_text = statusText(wait_status);
  // Pid 1's status stands for the command's unless pid 1 reported it.
  handleChannel();
  if (outcome_) {
    if (st.cgroups) (void)st.cgroups->destroy();
    return;
  }
  complete(st.command_status.value_or(wait_status));
}

bool Child::completeEarly() {
  State& st = *state_;
  if (outcome_ || st.reaped) return outcome_.has_value();
  // Early only when pid 1 reported the command's status after killing and
  // reaping everything else, and nothing still needs pid 1 gone: cgroup stats
  // and the cgroups' removal need every task gone, and a kill by the
  // supervisor (violation, limits) is judged on pid 1's own end.
  if (!st.command_status || !st.all_reaped || st.cgroups ||
      st.kill_cause != State::KillCause::None) {
    return false;
  }
  // Learning mode: any notification still queued is from a process that is
  // dead by now, so the learned set is final; drain it all the same.
  if (st.listener >= 0) handleNotification();
  if (st.kill_cause != State::KillCause::None) return false;
  complete(*st.command_status);
  return true;
}

void Child::complete(int status) {
  State& st = *state_;
  Outcome o;
  o.wall_time = std::chrono::steady_clock::now() - st.start;
  CgroupStats stats;
  if (st.cgroups) {
    stats = st.cgroups->stats();
    o.cpu_nanos = stats.cpu_nanos;
    o.memory_peak_bytes = stats.memory_peak_bytes;
    (void)st.cgroups->destroy();
  }
  if (WIFEXITED(status)) {
    o.kind = Outcome::Kind::Exited;
    o.exit_code = WEXITSTATUS(status);
  } else {
    o.kind = Outcome::Kind::Signaled;
    o.signal = WTERMSIG(status);
  }
  switch (st.kill_cause) {
    case State::KillCause::Violation:
      o.kind = Outcome::Kind::Violation;
      break;
    case State::KillCause::WallTime:
      o.kind = Outcome::Kind::WallTimeLimit;
      break;
    case State::KillCause::CpuTime:
      o.kind = Outcome::Kind::CpuTimeLimit;
      break;
    case State::KillCause::None:
      if (o.kind != Outcome::Kind::Signaled) break;
      if (o.signal == SIGSYS) {
        // Kernel-enforced (no user notification): the syscall is unknown.
        o.kind = Outcome::Kind::Violation;
        Event e;
        e.kind = EventKind::Violation;
        e.time = std::chrono::system_clock::now();
        e.syscall = "unknown";
        e.abi = "unknown";
        e.pid = st.pid;
        e.action = "kill";
        emit(e);
      } else if (o.signal == SIGXCPU && st.cpu_limit_nanos) {
        o.kind = Outcome::Kind::CpuTimeLimit;
        Event e;
        e.kind = EventKind::Limit;
        e.time = std::chrono::system_clock::now();
        e.limit = "cpu_time";
        e.detail = "RLIMIT_CPU";
        emit(e);
      } else if (o.signal == SIGKILL && stats.oom_kills > 0) {
        o.kind = Outcome::Kind::MemoryLimit;
        Event e;
        e.kind = EventKind::Limit;
        e.time = std::chrono::system_clock::now();
        e.limit = "memory";
        e.detail = std::to_string(stats.oom_kills) + " OOM kill(s) in the sandbox's cgroup";
        emit(e);
      }
      break;
  }
  outcome_ = o;
}

bool Child::poll() {
  State& st = *state_;
  if (st.reaped) return true;
  if (st.listener >= 0) handleNotification();
  if (st.channel >= 0 && readable(st.channel)) handleChannel();
  checkLimits();
  siginfo_t info{};
  info.si_pid = 0;
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(st.pidfd), &info,
               WEXITED | WNOHANG | __WALL) == 0 &&
      info.si_pid != 0) {
    finish(waitStatusFrom(info));
    return true;
  }
  return false;
}

bool Child::pollOutcome() {
  return poll() || completeEarly();
}

const Outcome& Child::wait() {
  while (!pollOutcome()) {
    std::vector<int> fds = watchFds();
    std::vector<pollfd> pfds;
    for (int fd : fds)
      pfds.push_back(pollfd{fd, POLLIN, 0});
    int timeout = -1;
    if (auto next = nextDeadline()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *next - std::chrono::steady_clock::now())
                    .count();
      timeout = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(ms + 1, 60000)));
    }
    ::poll(pfds.data(), pfds.size(), timeout);
  }
  return *outcome_;
}

int Outcome::exitStatus() const {
  switch (kind) {
    case Kind::Exited:
      return exit_code;
    case Kind::Signaled:
      return 128 + signal;
    case Kind::Violation:
      return 128 + SIGSYS;
    case Kind::WallTimeLimit:
      return 124;
    case Kind::CpuTimeLimit:
      return 128 + SIGXCPU;
    case Kind::MemoryLimit:
      return 128 + SIGKILL;
    case Kind::ExecFailed:
      return exec_errno == ENOENT ? 127 : 126;
  }
  return 125;
}

std::string Outcome::describe() const {
  switch (kind) {
    case Kind::Exited:
      return "exited with status " + std::to_string(exit_code);
    case Kind::Signaled:
      return "killed by " + signalName(signal);
    case Kind::Violation:
      return "killed: seccomp violation";
    case Kind::WallTimeLimit:
      return "killed: wall-time limit exceeded";
    case Kind::CpuTimeLimit:
      return "killed: CPU-time limit exceeded";
    case Kind::MemoryLimit:
      return "killed: memory limit exceeded (OOM)";
    case Kind::ExecFailed:
      return "could not execute the command: " + errnoName(exec_errno) + " (" +
             std::strerror(exec_errno) + ")";
  }
  return "?";
}

}  // namespace meshgate::sandbox
