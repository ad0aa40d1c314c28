// SPDX-License-Identifier: Apache-2.0
// The steps of the sandbox recipe (recipe.cc), and how a step reports failure
// from inside the child: a step id, an errno and an index into the step's plan
// (which mount, which rlimit). Fixed-size and allocation-free, because the
// child may not allocate. Depends on std only.
#pragma once

#include <cstdint>

namespace meshgate::sandbox {

enum class Step : int32_t {
  None = 0,
  Channel,           // waiting for the supervisor's go-ahead
  Signals,           // default dispositions, empty signal mask
  Stdio,             // the requested stdin/stdout/stderr
  Fds,               // close every fd but stdio and the passed ones
  UserIds,           // setgroups, setresgid, setresuid inside the user namespace
  CgroupNamespace,   // unshare(CLONE_NEWCGROUP) once inside the sandbox's cgroup
  MountPropagation,  // make every inherited mount a slave
  MountBase,         // the scratch tmpfs and the first pivot_root
  MountRoot,         // the sandbox's root tmpfs
  Mount,             // one entry of the mount plan (detail = index)
  MountPivot,        // read-only root, pivot_root, detach the host's tree
  Network,           // loopback up
  Hostname,          // sethostname
  Rlimits,           // detail = index
  Session,           // setsid
  WorkingDir,        // chdir
  Capabilities,      // bounding set, securebits, capset, ambient
  NoNewPrivs,        // PR_SET_NO_NEW_PRIVS
  Landlock,          // detail = rule index, or -1 for the ruleset itself
  Init,              // starting the command from the pid-1 reaper
  SeccompBaseline,   // meshgate's own filter
  SeccompPolicy,     // the profile's filter
  Exec,              // execve
  // Supervisor-side steps, reported by trace_steps only.
  Plan,            // profile -> Plan (mounts, Landlock, command)
  SeccompCompile,  // the policy and baseline filters to BPF
  Cgroups,         // create the sandbox's cgroups, write the limits
  Clone,           // clone3 returned in the supervisor
  IdMaps,          // cgroup attach, uid/gid maps, the go-ahead sent
  CommandExited,   // pid 1 saw the command exit (trace only; not a setup step)
};

const char* stepName(Step step);

/// The result of one child-side step: errno 0 is success.
struct StepResult {
  int err = 0;
  int detail = -1;
  bool ok() const { return err == 0; }
};

inline StepResult stepOk() {
  return {};
}
inline StepResult stepFail(int err, int detail = -1) {
  return {err == 0 ? -1 : err, detail};
}

}  // namespace meshgate::sandbox
