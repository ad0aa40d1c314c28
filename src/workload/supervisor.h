// SPDX-License-Identifier: Apache-2.0
// Starts the config's Workloads in their sandboxes and supervises them on the
// main event loop: each sandbox's pidfd (and seccomp listener) is watched by
// the loop, never by a blocking waitpid or a thread; endings are restarted per
// restartPolicy with exponential backoff; the readiness probe runs on the loop
// and its verdict is handed to the proxy (on_readiness) so that only ready
// workloads get traffic. Reloads restart only the workloads whose process
// changed. Loop thread only. Depends on sandbox, config, event, metrics, base.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config_set.h"
#include "event/event_loop.h"
#include "metrics/metrics.h"

namespace meshgate::workload {

struct SupervisorOptions {
  /// Parent cgroup (relative to each hierarchy's root) of the sandboxes' own
  /// cgroups; "" is meshgate's own.
  std::string cgroup_parent;
  /// Called on the loop whenever a workload's readiness changes, with its
  /// qualified name ("namespace/name"). A workload starts not ready, and
  /// becomes not ready again when its process ends or is stopped.
  std::function<void(const std::string& workload, bool ready)> on_readiness;
  /// Where the workloads' stdout and stderr go (the caller's fds, not closed).
  /// meshgate's stdout carries the access log, so both default to stderr.
  int stdout_fd = 2;
  int stderr_fd = 2;
};

/// What the supervisor knows about one workload (for logs, admin and tests).
struct WorkloadStatus {
  std::string name;   // "namespace/name"
  std::string phase;  // "idle", "running", "stopping", "backoff", "stopped"
  bool ready = false;
  int pid = 0;  // host pid of the sandbox's pid 1, 0 when not running
  uint64_t starts = 0;
  uint64_t restarts = 0;
  std::string last_exit;  // Outcome::describe() of the last ending
};

class Supervisor {
 public:
  Supervisor(event::EventLoop& loop, metrics::Registry& registry, SupervisorOptions options);
  /// SIGKILLs and reaps whatever still runs (stopAll() is the graceful way).
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Brings the running set in line with `config`: starts added workloads,
  /// stops removed ones (SIGTERM, then SIGKILL after their grace period),
  /// restarts those whose process changed (command, args, env, workingDir,
  /// address, port, sandbox profile content) and updates the rest in place
  /// (probe, restart policy, backoff, grace period). `config` is only read
  /// during the call. Ignored once stopAll() was called.
  void apply(const config::ConfigSet& config);

  /// Stops every workload gracefully; `done` runs on the loop once none is
  /// left running (at once when none runs).
  void stopAll(std::function<void()> done);
  /// SIGKILLs every sandbox still running (a second stop signal).
  void killAll();

  /// Readiness of "namespace/name" (false when unknown).
  bool ready(const std::string& workload) const;
  /// Every workload, sorted by name.
  std::vector<WorkloadStatus> status() const;
  /// Sandboxes currently alive.
  size_t running() const;

  class Instance;

 private:
  friend class Instance;
  void onInstanceIdle(Instance* instance);
  void checkAllStopped();

  event::EventLoop& loop_;
  metrics::Registry& registry_;
  SupervisorOptions options_;
  int dev_null_ = -1;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  /// Instances stopping because they were removed; deleted once ended.
  std::vector<std::unique_ptr<Instance>> retiring_;
  /// Retired instances that ended, deleted by a deferred task (never from
  /// inside their own callbacks). The loop does not run once we are gone.
  std::vector<std::unique_ptr<Instance>> graveyard_;
  bool stopping_all_ = false;
  std::function<void()> on_all_stopped_;
};

}  // namespace meshgate::workload
