// SPDX-License-Identifier: Apache-2.0
// The recipe, in order (docs/sandbox.md "The recipe"):
//
//   supervisor                         child (pid 1 of the new pid namespace)
//   ----------                         --------------------------------------
//   plan: profile -> Plan, BPF         .
//   cgroups: create, write limits      .
//   clone3(user|pid|mount|net|ipc|uts  -> signals, stdio, fd hygiene
//          [, into the v2 cgroup])        wait for "go"
//   cgroups: attach (v1)               .
//   user: setgroups, gid_map, uid_map  .
//   "go" ------------------------------>  user ids, cgroup namespace
//                                         mounts: slave, scratch pivot, root tmpfs,
//                                           binds/tmpfs/proc/dev, read-only root, pivot
//                                         network (lo up), hostname
//                                         rlimits, setsid, working directory
//                                         capabilities, no_new_privs, Landlock
//                                         init: vfork the command -> seccomp (baseline,
//                                           policy; last) -> execve
//   <--------------------------------- "started" (+ seccomp listener) or "failure"
//
// Cgroups are attached before the child does anything, so its limits already
// hold while it sets up. Seccomp comes last: every earlier step needs
// syscalls that no policy should have to allow.
#include "sandbox/recipe.h"

#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "sandbox/channel.h"
#include "sandbox/init_process.h"
#include "sandbox/net_ns.h"
#include "sandbox/rlimits.h"
#include "sandbox/session.h"
#include "sandbox/uts_ipc.h"

namespace meshgate::sandbox {
namespace {

class Steps {
 public:
  Steps(const Plan& plan, int channel) : plan_(plan), channel_(channel) {}

  void run(Step step, StepResult result) {
    if (!result.ok()) {
      Message m;
      m.kind = MessageKind::Failure;
      m.step = step;
      m.err = result.err;
      m.detail = result.detail;
      (void)sendMessage(channel_, m);
      ::_exit(125);
    }
    if (plan_.trace_steps) sendProgress(channel_, step);
  }

 private:
  const Plan& plan_;
  int channel_;
};

StepResult waitForGo(int channel) {
  Message m;
  int rc = receiveMessage(channel, &m, nullptr);
  if (rc < 0) return stepFail(-rc);
  // EOF: the supervisor is gone.
  if (rc == 0 || m.kind != MessageKind::Go) return stepFail(ECONNRESET);
  return stepOk();
}

StepResult syscallResult(int rc) {
  return rc == 0 ? stepOk() : stepFail(errno);
}

}  // namespace

void runSandboxChild(const Plan& plan, int channel) {
  Steps steps(plan, channel);
  if (plan.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  steps.run(Step::Signals, resetSignals(plan.ignored_signals, plan.reset_all_signals));
  steps.run(Step::Stdio, setupStdio(plan.fds));
  steps.run(Step::Fds, closeOtherFds(plan.fds));
  steps.run(Step::Channel, waitForGo(channel));

  steps.run(Step::UserIds, enterIds(plan.user));
  steps.run(Step::CgroupNamespace, syscallResult(::unshare(CLONE_NEWCGROUP)));

  steps.run(Step::MountPropagation, makeMountsSlave());
  steps.run(Step::MountBase, enterScratchRoot(plan.mounts));
  steps.run(Step::MountRoot, mountSandboxRoot(plan.mounts));
  for (size_t i = 0; i < plan.mounts.ops.size(); ++i) {
    steps.run(Step::Mount, applyMount(plan.mounts, i));
  }
  steps.run(Step::MountPivot, pivotIntoSandbox(plan.mounts));

  steps.run(Step::Network, setupNetwork(plan.network));
  steps.run(Step::Hostname, setupUts(plan.hostname));

  steps.run(Step::Rlimits, applyRlimits(plan.rlimits));
  steps.run(Step::Session, newSession());
  steps.run(Step::WorkingDir, syscallResult(::chdir(plan.working_dir.c_str())));

  steps.run(Step::Capabilities, dropCapabilities(plan.capabilities));
  steps.run(Step::NoNewPrivs, setNoNewPrivs());
  steps.run(Step::Landlock, applyLandlock(plan.landlock));

  if (plan.use_init) runInit(plan, channel);
  execAsPid1(plan, channel);
}

const char* stepName(Step step) {
  switch (step) {
    case Step::None:
      return "none";
    case Step::Channel:
      return "channel";
    case Step::Signals:
      return "signals";
    case Step::Stdio:
      return "stdio";
    case Step::Fds:
      return "fds";
    case Step::UserIds:
      return "user-ids";
    case Step::CgroupNamespace:
      return "cgroup-namespace";
    case Step::MountPropagation:
      return "mount-propagation";
    case Step::MountBase:
      return "mount-scratch";
    case Step::MountRoot:
      return "mount-root";
    case Step::Mount:
      return "mount";
    case Step::MountPivot:
      return "pivot-root";
    case Step::Network:
      return "network";
    case Step::Hostname:
      return "hostname";
    case Step::Rlimits:
      return "rlimits";
    case Step::Session:
      return "setsid";
    case Step::WorkingDir:
      return "working-dir";
    case Step::Capabilities:
      return "capabilities";
    case Step::NoNewPrivs:
      return "no-new-privs";
    case Step::Landlock:
      return "landlock";
    case Step::Init:
      return "init";
    case Step::SeccompBaseline:
      return "seccomp-baseline";
    case Step::SeccompPolicy:
      return "seccomp-policy";
    case Step::Exec:
      return "exec";
    case Step::Plan:
      return "plan";
    case Step::SeccompCompile:
      return "seccomp-compile";
    case Step::Cgroups:
      return "cgroups";
    case Step::Clone:
      return "clone3";
    case Step::IdMaps:
      return "id-maps";
    case Step::CommandExited:
      return "command-exited";
  }
  return "?";
}

std::string describeStep(const Plan& plan, Step step, int detail) {
  std::string out = stepName(step);
  auto at = [&](const char* what) { out += std::string(": ") + what; };
  switch (step) {
    case Step::Mount:
      if (detail >= 0 && static_cast<size_t>(detail) < plan.mounts.ops.size()) {
        at(plan.mounts.ops[static_cast<size_t>(detail)].display.c_str());
      }
      break;
    case Step::Rlimits:
      if (detail >= 0 && static_cast<size_t>(detail) < plan.rlimits.size()) {
        const Rlimit& r = plan.rlimits[static_cast<size_t>(detail)];
        out += ": " + rlimitName(r.resource) + " " + std::to_string(r.soft) + "/" +
               std::to_string(r.hard);
      }
      break;
    case Step::Landlock:
      if (detail >= 0 && static_cast<size_t>(detail) < plan.landlock.rules.size()) {
        out += ": rule for " + plan.landlock.rules[static_cast<size_t>(detail)].path;
      } else if (detail >= 0) {
        at("TCP port rule");
      } else {
        at("ruleset");
      }
      break;
    case Step::UserIds: {
      static const char* const kWhat[] = {"PR_SET_KEEPCAPS", "setgroups", "setresgid", "setresuid"};
      if (detail >= 0 && detail < 4) at(kWhat[detail]);
      break;
    }
    case Step::MountBase: {
      static const char* const kWhat[] = {"tmpfs over the scratch directory",
                                          "chdir",
                                          "mkdir newroot",
                                          "mkdir oldroot",
                                          "pivot_root",
                                          "chdir /"};
      if (detail >= 0 && detail < 6) at(kWhat[detail]);
      break;
    }
    case Step::MountPivot: {
      static const char* const kWhat[] = {"read-only root", "chdir", "pivot_root",
                                          "detach the host's tree", "chdir /"};
      if (detail >= 0 && detail < 5) at(kWhat[detail]);
      break;
    }
    case Step::WorkingDir:
      out += ": " + plan.working_dir;
      break;
    case Step::Exec:
      out += ": " +
             (plan.command.argv_storage.empty() ? std::string("?") : plan.command.argv_storage[0]);
      break;
    default:
      break;
  }
  return out;
}

}  // namespace meshgate::sandbox
