// SPDX-License-Identifier: Apache-2.0
// The sandbox's public API: spawn a command under a profile and supervise it.
// A supervisor (meshgate run, `meshgate sandbox run`) calls spawn(), watches
// Child::watchFds() in its event loop, calls Child::poll() when one is
// readable (or on a timer, for limits), and reads the Outcome once poll()
// says the sandbox ended. Depends on base only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "sandbox/command.h"
#include "sandbox/event.h"
#include "sandbox/profile.h"

namespace meshgate::sandbox {

struct SpawnOptions {
  /// Parent of the sandbox's cgroups, relative to each hierarchy's root; ""
  /// means the caller's own cgroup.
  std::string cgroup_parent;
  /// Caller fds that become the sandbox's stdin, stdout, stderr (-1: inherit).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  /// SIGKILL the sandbox when the spawning *thread* exits (PR_SET_PDEATHSIG):
  /// spawn from a thread that outlives the sandbox.
  bool die_with_parent = true;
  /// Emit an EventKind::Step event per setup step.
  bool trace_steps = false;
  /// Build binds with mount(2) only, as on kernels before 5.12.
  bool legacy_mount_api = false;
  /// Learning mode: every native syscall is let through and recorded.
  bool learn = false;
  std::chrono::milliseconds setup_timeout{10000};
  /// Receives events; called on the thread that calls spawn(), poll() or wait().
  std::function<void(const Event&)> on_event;
  /// The caller's environment, for profile variables listed without a value
  /// (nullptr: the process's environ).
  char* const* caller_env = nullptr;
};

/// How the sandbox ended.
struct Outcome {
  enum class Kind {
    Exited,         // the command exited; exit_code
    Signaled,       // the command was killed by `signal`
    Violation,      // a seccomp violation killed the sandbox
    WallTimeLimit,  // limits.wallTime passed
    CpuTimeLimit,   // limits.cpuTime used up
    MemoryLimit,    // the cgroup's OOM killer ended the command
    ExecFailed,     // the command could not be executed; exec_errno
  };
  Kind kind = Kind::Exited;
  int exit_code = 0;
  int signal = 0;
  int exec_errno = 0;
  std::chrono::nanoseconds wall_time{0};
  std::optional<uint64_t> cpu_nanos;
  std::optional<uint64_t> memory_peak_bytes;

  /// The exit status `meshgate sandbox run` returns (docs/sandbox.md "Exit
  /// codes"): the command's own, 128+N for signal N, 124 wall time, 126/127
  /// exec failures, 152 CPU time (SIGXCPU), 137 memory (SIGKILL), 159
  /// violation (SIGSYS).
  int exitStatus() const;
  /// "exited with status 3", "killed by SIGSYS (seccomp violation)", ...
  std::string describe() const;
};

/// What spawn() set up, for --verbose and for logs.
struct SetupReport {
  std::string namespaces;  // "user pid mount net ipc uts cgroup"
  std::string id_map;      // "uid 0 -> host 65534, gid 0 -> host 65534"
  std::string landlock;    // LandlockPlan::describe()
  std::string cgroups;     // "" when no limit needs one
  std::string seccomp;  // "policy 87 insns (31 syscalls), baseline 24 insns, violations reported"
  std::vector<std::string> notes;  // best-effort gaps, skipped syscalls
  std::vector<std::string> mounts;
};

class Child {
 public:
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Host pid of the sandbox's pid 1 (the reaper, or the command itself when
  /// the profile disables init).
  pid_t pid() const;
  /// A pidfd for pid(): readable when it exits.
  int pidfd() const;
  /// Fds the caller's event loop watches for readability.
  std::vector<int> watchFds() const;
  /// When poll() must run again at the latest, for the wall-time and CPU-time
  /// limits (nullopt: only when a watched fd is readable).
  std::optional<base::MonoTime> nextDeadline() const;

  /// Handles what is ready without blocking: seccomp notifications (each one
  /// reported and enforced), messages from pid 1, limits. Returns true once
  /// the sandbox has ended and pid 1 been reaped; outcome() is then final.
  /// Never completes the outcome early (see pollOutcome()): a caller that
  /// watches pidfd() and restarts on poll() (workloads) only ever sees a
  /// sandbox whose pid 1 is gone.
  bool poll();
  /// Like poll(), but returns true as soon as the outcome is final, which may
  /// be before pid 1 is reaped (docs/adr/0206): when pid 1 reported the
  /// command's status after SIGKILLing and reaping every other process of
  /// the sandbox, and nothing needs pid 1 gone (no cgroups, whose stats and
  /// removal need every task gone; no kill by the supervisor: violation,
  /// limits). Pid 1, meshgate's own reaper, may then still be exiting; poll()
  /// or the destructor reaps it, or detach() leaves it to the host.
  bool pollOutcome();
  /// Polls (pollOutcome()) until the outcome is final.
  const Outcome& wait();
  /// Sends `sig` to pid 1, which forwards it to the command.
  base::Status signal(int sig);
  /// SIGKILLs the whole sandbox (pid 1 and with it the pid namespace).
  void kill();

  /// Once the outcome is final (ended()): gives pid 1 up without reaping it,
  /// so that the destructor does not wait for it. Pid 1 stays a zombie child
  /// of this process until this process exits, and is then reparented to the
  /// host's init or nearest subreaper, which reaps it: only for a process
  /// about to exit (`meshgate sandbox run`). No-op once pid 1 is reaped.
  void detach();

  bool ended() const { return outcome_.has_value(); }
  const Outcome& outcome() const;
  const SetupReport& report() const;
  /// Learning mode: syscall numbers (native ABI) seen so far, with socket
  /// families passed to socket(2).
  const std::set<int>& learnedSyscalls() const;
  const std::set<int>& learnedSocketFamilies() const;

 private:
  friend class Spawner;
  Child();
  void reapBlocking();
  void handleNotification();
  void handleChannel();
  void checkLimits();
  void finish(int wait_status);
  bool completeEarly();
  void complete(int command_status);
  void emit(const Event& e) const;
  struct State;
  std::unique_ptr<State> state_;
  std::optional<Outcome> outcome_;
};

/// Builds the sandbox described by `profile` and starts `command` in it.
/// Returns once the command runs (or its exec failed: see Outcome), with
/// errors naming the failed step and its errno. Thread-compatible: the Child
/// belongs to the calling thread.
base::Result<std::unique_ptr<Child>> spawn(const Profile& profile, const Command& command,
                                           const SpawnOptions& options = {});

}  // namespace meshgate::sandbox
