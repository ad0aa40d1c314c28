// SPDX-License-Identifier: Apache-2.0
#include "workload/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "base/log.h"
#include "base/strings.h"
#include "sandbox/sandbox.h"
#include "workload/prober.h"
#include "workload/readiness.h"
#include "workload/restart_backoff.h"
#include "workload/sandbox_profiles.h"

namespace meshgate::workload {

namespace {

// Why a process ended, as the `reason` label of meshgate_workload_exits_total.
constexpr const char* kReasons[] = {"completed", "error",       "signal",
                                    "violation", "wall_time",   "cpu_time",
                                    "memory",    "exec_failed", "spawn_failed"};
enum Reason {
  kCompleted,
  kError,
  kSignal,
  kViolation,
  kWallTime,
  kCpuTime,
  kMemory,
  kExecFailed,
  kSpawnFailed,
  kReasonCount
};

Reason reasonOf(const sandbox::Outcome& o) {
  using Kind = sandbox::Outcome::Kind;
  switch (o.kind) {
    case Kind::Exited:
      return o.exit_code == 0 ? kCompleted : kError;
    case Kind::Signaled:
      return kSignal;
    case Kind::Violation:
      return kViolation;
    case Kind::WallTimeLimit:
      return kWallTime;
    case Kind::CpuTimeLimit:
      return kCpuTime;
    case Kind::MemoryLimit:
      return kMemory;
    case Kind::ExecFailed:
      return kExecFailed;
  }
  return kError;
}

// What one process of a workload runs: resolved when the config is applied,
// so that a reload never re-reads the config's YAML later.
struct Plan {
  config::Workload spec;
  sandbox::Profile profile;
  std::string fingerprint;
};

}  // namespace

class Supervisor::Instance final : public event::FdHandler {
 public:
  enum class Phase { Idle, Running, Stopping, Backoff, Stopped };

  Instance(Supervisor& owner, Plan plan)
      : owner_(owner),
        name_(plan.spec.meta.qualifiedName()),
        plan_(std::move(plan)),
        backoff_(plan_.spec.backoff_initial, plan_.spec.backoff_max),
        readiness_(probeOr().success_threshold, probeOr().failure_threshold),
        restart_timer_(owner.loop_, [this] { start(); }),
        kill_timer_(owner.loop_, [this] { escalate(); }),
        probe_timer_(owner.loop_, [this] { probe(); }),
        limit_timer_(owner.loop_, [this] { pollChild(); }) {
    metrics::Registry& r = owner.registry_;
    const metrics::Labels labels = {{"workload", name_}};
    starts_ = r.counter("meshgate_workload_starts_total", "Workload processes started.", labels);
    restarts_ = r.counter("meshgate_workload_restarts_total",
                          "Workload processes restarted after they ended.", labels);
    up_ = r.gauge("meshgate_workload_up", "1 when the workload is running and ready.", labels);
    for (int i = 0; i < kReasonCount; ++i) {
      exits_[i] = r.counter("meshgate_workload_exits_total", "Workload process endings by reason.",
                            {{"workload", name_}, {"reason", kReasons[i]}});
    }
  }

  ~Instance() override {
    if (child_ && !child_->ended()) {
      unwatch();
      child_->kill();
      child_->wait();
    }
    setReady(false);
  }

  const std::string& name() const { return name_; }
  Phase phase() const { return phase_; }
  bool alive() const { return child_ && !child_->ended(); }
  bool ready() const { return ready_; }
  const Plan& plan() const { return plan_; }

  WorkloadStatus status() const {
    WorkloadStatus s;
    s.name = name_;
    static constexpr const char* kPhases[] = {"idle", "running", "stopping", "backoff", "stopped"};
    s.phase = kPhases[static_cast<int>(phase_)];
    s.ready = ready_;
    s.pid = alive() ? child_->pid() : 0;
    s.starts = start_count_;
    s.restarts = restart_count_;
    s.last_exit = last_exit_;
    return s;
  }

  /// A reload: same process (update settings in place) or a new one (restart).
  void update(Plan plan) {
    if (pending_) {
      // Already restarting for an earlier reload: the newest definition wins.
      pending_ = std::move(plan);
      return;
    }
    if (plan.fingerprint == plan_.fingerprint) {
      const bool probe_changed = probeKey(plan.spec) != probeKey(plan_.spec);
      const bool backoff_changed = plan.spec.backoff_initial != plan_.spec.backoff_initial ||
                                   plan.spec.backoff_max != plan_.spec.backoff_max;
      plan_.spec = std::move(plan.spec);
      plan_.profile = std::move(plan.profile);
      if (backoff_changed) {
        backoff_ = RestartBackoff(plan_.spec.backoff_initial, plan_.spec.backoff_max);
      }
      readiness_.setThresholds(probeOr().success_threshold, probeOr().failure_threshold);
      if (probe_changed && phase_ == Phase::Running) {
        // The new probe decides from scratch; until then the last verdict stands.
        probe_timer_.cancel();
        prober_.reset();
        if (!plan_.spec.readiness_probe) {
          setReady(true);
        } else {
          probe_timer_.arm(plan_.spec.readiness_probe->initial_delay);
        }
      }
      return;
    }
    MG_LOG(Info) << "workload " << name_ << ": configuration changed; restarting";
    pending_ = std::move(plan);
    if (phase_ == Phase::Running) {
      stop();
    } else if (phase_ != Phase::Stopping) {
      takePending();
      start();
    }
  }

  void start() {
    restart_timer_.cancel();
    if (owner_.stopping_all_ || retiring_) return;
    sandbox::Command cmd;
    cmd.argv.push_back(plan_.spec.command);
    cmd.argv.insert(cmd.argv.end(), plan_.spec.args.begin(), plan_.spec.args.end());
    sandbox::SpawnOptions opts;
    opts.cgroup_parent = owner_.options_.cgroup_parent;
    opts.stdin_fd = owner_.dev_null_;
    opts.stdout_fd = owner_.options_.stdout_fd;
    opts.stderr_fd = owner_.options_.stderr_fd;
    const std::string name = name_;
    opts.on_event = [name](const sandbox::Event& e) {
      MG_LOG(Warn) << "workload " << name << ": " << e.toJson();
    };
    if (start_count_ > 0) {
      ++restart_count_;
      owner_.registry_.mainShard().inc(restarts_);
    }
    ++start_count_;
    owner_.registry_.mainShard().inc(starts_);
    started_at_ = owner_.loop_.updateTime();
    auto spawned = sandbox::spawn(plan_.profile, cmd, opts);
    if (!spawned.ok()) {
      MG_LOG(Error) << "workload " << name_ << ": cannot start: " << spawned.error().describe();
      last_exit_ = "failed to start: " + spawned.error().describe();
      count(kSpawnFailed);
      afterEnding(/*restart=*/plan_.spec.restart_policy != config::Workload::RestartPolicy::Never);
      return;
    }
    child_ = std::move(*spawned);
    phase_ = Phase::Running;
    MG_LOG(Info) << "workload " << name_ << ": started pid " << child_->pid() << " ("
                 << plan_.spec.command << ", profile " << plan_.spec.sandbox_profile
                 << (start_count_ > 1 ? ", restart " + std::to_string(restart_count_) : "") << ")";
    for (int fd : child_->watchFds()) {
      auto st = owner_.loop_.addFd(fd, EPOLLIN, this);
      if (st.ok()) {
        watched_.push_back(fd);
      } else {
        MG_LOG(Error) << "workload " << name_ << ": watch fd: " << st.error().describe();
      }
    }
    readiness_.reset();
    startProbing();
    pollChild();
  }

  /// SIGTERM now, SIGKILL after the grace period.
  void stop() {
    restart_timer_.cancel();
    if (phase_ == Phase::Backoff || phase_ == Phase::Idle) {
      phase_ = Phase::Stopped;
      owner_.onInstanceIdle(this);
      return;
    }
    if (phase_ != Phase::Running) return;
    phase_ = Phase::Stopping;
    setReady(false);
    probe_timer_.cancel();
    prober_.reset();
    const auto grace = plan_.spec.termination_grace_period;
    MG_LOG(Info) << "workload " << name_ << ": stopping (SIGTERM, SIGKILL after "
                 << base::formatDuration(grace) << ")";
    if (grace.count() <= 0) {
      escalate();
      return;
    }
    auto st = child_->signal(SIGTERM);
    if (!st.ok()) MG_LOG(Warn) << "workload " << name_ << ": SIGTERM: " << st.error().describe();
    kill_timer_.arm(grace);
  }

  void kill() {
    restart_timer_.cancel();
    if (alive()) {
      escalate();
    } else if (phase_ != Phase::Stopped) {
      phase_ = Phase::Stopped;
      owner_.onInstanceIdle(this);
    }
  }

  void retire() { retiring_ = true; }

  void onFdEvent(uint32_t) override { pollChild(); }

 private:
  static std::string probeKey(const config::Workload& w) {
    if (!w.readiness_probe) return "";
    const config::Probe& p = *w.readiness_probe;
    return std::to_string(static_cast<int>(p.kind)) + "|" + p.path + "|" + std::to_string(p.port) +
           "|" + std::to_string(p.period.count()) + "|" + std::to_string(p.timeout.count()) + "|" +
           std::to_string(p.initial_delay.count());
  }

  config::Probe probeOr() const {
    return plan_.spec.readiness_probe ? *plan_.spec.readiness_probe : config::Probe{};
  }

  void takePending() {
    plan_ = std::move(*pending_);
    pending_.reset();
    backoff_ = RestartBackoff(plan_.spec.backoff_initial, plan_.spec.backoff_max);
    readiness_.setThresholds(probeOr().success_threshold, probeOr().failure_threshold);
    start_count_ = 0;  // a new process definition: its first start is no restart
  }

  void count(Reason r) { owner_.registry_.mainShard().inc(exits_[r]); }

  void setReady(bool ready) {
    if (ready == ready_) return;
    ready_ = ready;
    owner_.registry_.mainShard().add(up_, ready ? 1 : -1);
    if (owner_.options_.on_readiness) owner_.options_.on_readiness(name_, ready);
  }

  void startProbing() {
    probe_timer_.cancel();
    prober_.reset();
    if (!plan_.spec.readiness_probe) {
      // No probe: ready once running, as Kubernetes does.
      setReady(true);
      return;
    }
    probe_timer_.arm(plan_.spec.readiness_probe->initial_delay);
  }

  void probe() {
    if (phase_ != Phase::Running || !plan_.spec.readiness_probe) return;
    const config::Probe& p = *plan_.spec.readiness_probe;
    ProbeTarget t;
    t.kind = p.kind == config::Probe::Kind::HttpGet ? ProbeTarget::Kind::HttpGet
                                                    : ProbeTarget::Kind::TcpSocket;
    t.ip = plan_.spec.ip.toString();
    t.port = p.port != 0 ? p.port : plan_.spec.port;
    t.path = p.path;
    t.timeout = p.timeout;
    prober_ = std::make_unique<Prober>(owner_.loop_, std::move(t), [this](const ProbeResult& r) {
      prober_.reset();
      if (phase_ != Phase::Running) return;
      const bool was = readiness_.ready();
      if (readiness_.record(r.success)) {
        if (readiness_.ready()) {
          MG_LOG(Info) << "workload " << name_ << ": ready (" << r.detail << ")";
        } else {
          MG_LOG(Warn) << "workload " << name_ << ": not ready (" << r.detail << ")";
        }
        setReady(readiness_.ready());
      } else if (was && !r.success) {
        MG_LOG(Debug) << "workload " << name_ << ": probe failed (" << r.detail << ")";
      }
      probe_timer_.arm(plan_.spec.readiness_probe->period);
    });
    prober_->start();
  }

  void escalate() {
    if (!alive()) return;
    MG_LOG(Warn) << "workload " << name_ << ": sending SIGKILL";
    child_->kill();
    pollChild();
  }

  void pollChild() {
    if (!child_ || child_->ended()) return;
    if (!child_->poll()) {
      if (auto deadline = child_->nextDeadline()) {
        limit_timer_.armAt(*deadline);
      }
      return;
    }
    onEnded();
  }

  void unwatch() {
    for (int fd : watched_)
      owner_.loop_.removeFd(fd);
    watched_.clear();
  }

  void onEnded() {
    unwatch();
    kill_timer_.cancel();
    limit_timer_.cancel();
    probe_timer_.cancel();
    prober_.reset();
    setReady(false);
    const sandbox::Outcome outcome = child_->outcome();
    // Only the handler (this) is registered with the loop, so the Child can go now.
    child_.reset();
    const auto uptime = owner_.loop_.updateTime() - started_at_;
    last_exit_ = outcome.describe();
    count(reasonOf(outcome));
    const bool requested = phase_ == Phase::Stopping;
    if (requested) {
      MG_LOG(Info) << "workload " << name_ << ": stopped: " << last_exit_;
    } else {
      MG_LOG(Warn) << "workload " << name_ << ": " << last_exit_ << " after "
                   << base::formatDuration(
                          std::chrono::duration_cast<std::chrono::milliseconds>(uptime));
    }
    if (pending_ && !retiring_ && !owner_.stopping_all_) {
      takePending();
      start();
      return;
    }
    if (requested) {
      phase_ = Phase::Stopped;
      owner_.onInstanceIdle(this);
      return;
    }
    lastUptime_ = uptime;
    afterEnding(shouldRestart(plan_.spec.restart_policy, outcome));
  }

  void afterEnding(bool restart) {
    if (!restart || owner_.stopping_all_ || retiring_) {
      if (!restart) MG_LOG(Info) << "workload " << name_ << ": not restarted (restartPolicy)";
      phase_ = Phase::Stopped;
      owner_.onInstanceIdle(this);
      return;
    }
    const auto delay = backoff_.next(lastUptime_);
    lastUptime_ = {};
    phase_ = Phase::Backoff;
    MG_LOG(Info) << "workload " << name_ << ": restarting in " << base::formatDuration(delay)
                 << " (failure " << backoff_.consecutiveFailures() << " in a row)";
    restart_timer_.arm(delay);
  }

  Supervisor& owner_;
  std::string name_;
  Plan plan_;
  std::optional<Plan> pending_;
  RestartBackoff backoff_;
  ReadinessState readiness_;
  Phase phase_ = Phase::Idle;
  bool ready_ = false;
  bool retiring_ = false;
  std::unique_ptr<sandbox::Child> child_;
  std::vector<int> watched_;
  base::MonoTime started_at_{};
  base::Duration lastUptime_{};
  uint64_t start_count_ = 0;
  uint64_t restart_count_ = 0;
  std::string last_exit_;
  std::unique_ptr<Prober> prober_;
  event::Timer restart_timer_;
  event::Timer kill_timer_;
  event::Timer probe_timer_;
  event::Timer limit_timer_;
  metrics::SeriesId starts_;
  metrics::SeriesId restarts_;
  metrics::SeriesId up_;
  metrics::SeriesId exits_[kReasonCount];
};

Supervisor::Supervisor(event::EventLoop& loop, metrics::Registry& registry,
                       SupervisorOptions options)
    : loop_(loop), registry_(registry), options_(std::move(options)) {
  dev_null_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

Supervisor::~Supervisor() {
  instances_.clear();
  retiring_.clear();
  graveyard_.clear();
  if (dev_null_ >= 0) ::close(dev_null_);
}

void Supervisor::apply(const config::ConfigSet& config) {
  if (stopping_all_) return;
  std::map<std::string, Plan> wanted;
  for (const config::Workload& w : config.workloads) {
    auto profile = resolveProfile(config, w);
    if (!profile.ok()) {
      // The loader checks references; this is a profile that parsed but
      // cannot be used (e.g. a dockerProfile file that went away).
      MG_LOG(Error) << "workload " << w.meta.qualifiedName() << ": " << profile.error().describe()
                    << "; not started";
      continue;
    }
    if (w.port != 0 && profile->network.mode != sandbox::NetworkMode::Host) {
      MG_LOG(Warn) << "workload " << w.meta.qualifiedName() << ": listens on port " << w.port
                   << " but profile " << w.sandbox_profile << " has network mode "
                   << sandbox::networkModeName(profile->network.mode)
                   << ": the proxy cannot reach it (use mode host, docs/workloads.md)";
    }
    wanted.emplace(w.meta.qualifiedName(), Plan{w, applyWorkloadProcess(std::move(*profile), w),
                                                processFingerprint(config, w)});
  }
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (wanted.count(it->first) != 0) {
      ++it;
      continue;
    }
    MG_LOG(Info) << "workload " << it->first << ": removed from the configuration";
    std::unique_ptr<Instance> gone = std::move(it->second);
    it = instances_.erase(it);
    gone->retire();
    Instance* raw = gone.get();
    retiring_.push_back(std::move(gone));
    raw->stop();
  }
  for (auto& [name, plan] : wanted) {
    auto it = instances_.find(name);
    if (it != instances_.end()) {
      it->second->update(std::move(plan));
      continue;
    }
    auto inst = std::make_unique<Instance>(*this, std::move(plan));
    Instance* raw = inst.get();
    instances_[name] = std::move(inst);
    raw->start();
  }
}

void Supervisor::onInstanceIdle(Instance* instance) {
  // A retired instance is deleted from the loop, never from inside its own call.
  for (auto it = retiring_.begin(); it != retiring_.end(); ++it) {
    if (it->get() != instance) continue;
    graveyard_.push_back(std::move(*it));
    retiring_.erase(it);
    loop_.defer([this] { graveyard_.clear(); });
    break;
  }
  checkAllStopped();
}

void Supervisor::checkAllStopped() {
  if (!stopping_all_ || !on_all_stopped_) return;
  if (running() != 0) return;
  for (const auto& [name, inst] : instances_) {
    if (inst->phase() == Instance::Phase::Stopping) return;
  }
  auto done = std::move(on_all_stopped_);
  on_all_stopped_ = nullptr;
  loop_.defer(std::move(done));
}

void Supervisor::stopAll(std::function<void()> done) {
  stopping_all_ = true;
  on_all_stopped_ = std::move(done);
  for (auto& [name, inst] : instances_)
    inst->stop();
  // stop() may move an instance from retiring_ to graveyard_: iterate a copy.
  std::vector<Instance*> retiring;
  for (auto& r : retiring_)
    retiring.push_back(r.get());
  for (Instance* inst : retiring)
    inst->stop();
  checkAllStopped();
}

void Supervisor::killAll() {
  stopping_all_ = true;
  for (auto& [name, inst] : instances_)
    inst->kill();
  std::vector<Instance*> retiring;
  for (auto& r : retiring_)
    retiring.push_back(r.get());
  for (Instance* inst : retiring)
    inst->kill();
  checkAllStopped();
}

bool Supervisor::ready(const std::string& workload) const {
  auto it = instances_.find(workload);
  return it != instances_.end() && it->second->ready();
}

std::vector<WorkloadStatus> Supervisor::status() const {
  std::vector<WorkloadStatus> out;
  for (const auto& [name, inst] : instances_)
    out.push_back(inst->status());
  return out;
}

size_t Supervisor::running() const {
  size_t n = 0;
  for (const auto& [name, inst] : instances_)
    n += inst->alive() ? 1 : 0;
  for (const auto& inst : retiring_)
    n += inst->alive() ? 1 : 0;
  return n;
}

}  // namespace meshgate::workload
