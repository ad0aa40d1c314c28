// SPDX-License-Identifier: Apache-2.0
#include "server/server.h"

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "base/file.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "base/strings.h"
#include "config/clusters.h"
#include "config/default_config.h"
#include "config/dump.h"
#include "config/watcher.h"
#include "event/signal_watcher.h"
#include "filters/builtin.h"
#include "net/socket.h"
#include "policy/rego_authorizer.h"
#include "proxy/access_log.h"
#include "server/health_check_groups.h"
#include "upstream/outlier.h"
#include "workload/sandbox_profiles.h"

namespace meshgate::server {

namespace {

// A reload waits this long after the last file event, so that an editor's
// write-then-rename or a ConfigMap swap is read once, complete.
constexpr auto kReloadDebounce = std::chrono::milliseconds(100);
constexpr auto kDrainPoll = std::chrono::milliseconds(20);
// How often ejected endpoints are checked for return; each cluster's own
// `interval` decides when its ejection multipliers decay.
constexpr auto kOutlierSweepPeriod = std::chrono::milliseconds(250);

class FnHandler final : public event::FdHandler {
 public:
  explicit FnHandler(std::function<void()> fn) : fn_(std::move(fn)) {}
  void onFdEvent(uint32_t) override { fn_(); }

 private:
  std::function<void()> fn_;
};

std::string bindingKey(const proxy::ListenerSpec& l) {
  // Ephemeral listeners are told apart by name, so a reload keeps their port.
  std::string key = l.address.toString();
  if (l.address.port() == 0) key += "#" + l.name;
  return key;
}

base::Result<net::Address> addressOf(const config::IpAddress& ip, uint16_t port) {
  return net::Address::fromIp(ip.toString(), port);
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {
  filters::registerBuiltinFilters();
  policy::registerRegoAuthorizer();
  workload::registerSandboxProfileKind();
  filter_services_.metrics = &registry_;
  filter_services_.shared = &filter_state_;
  filter_services_.main_loop = &loop_;
  filter_services_.clock = &loop_.clock();
  if (options_.concurrency == 0) {
    options_.concurrency = std::max(1u, std::thread::hardware_concurrency());
  }
  reload_success_ = registry_.counter("meshgate_config_reloads_total", "Config reloads by result.",
                                      {{"result", "success"}});
  reload_failure_ = registry_.counter("meshgate_config_reloads_total", "Config reloads by result.",
                                      {{"result", "failure"}});
  generation_gauge_ =
      registry_.gauge("meshgate_config_generation", "The config generation being served.");
  last_reload_success_time_ =
      registry_.gauge("meshgate_config_last_reload_success_timestamp_seconds",
                      "Unix time of the last successful config load.");
  registry_.mainShard().add(
      registry_.gauge("meshgate_build_info", "Build information.", {{"version", "0.1.0"}}), 1);
  registry_.mainShard().add(registry_.gauge("meshgate_workers", "Worker threads."),
                            options_.concurrency);
}

Server::~Server() {
  // Whatever still runs (an error path, or no graceful stop) is killed and reaped.
  supervisor_.reset();
  for (auto& w : workers_)
    w->stop();
  workers_.clear();
  for (auto& [key, s] : sockets_) {
    for (int fd : s->fds)
      ::close(fd);
  }
}

config::LoadResult Server::loadConfig() const {
  if (options_.config_path.empty()) return config::loadEmbeddedDefault();
  return config::loadPath(options_.config_path);
}

std::shared_ptr<proxy::AccessLogSink> Server::accessLogFor(const config::AccessLog& log) {
  using Target = config::AccessLog::Target;
  std::string key;
  switch (log.target) {
    case Target::Off:
      return nullptr;
    case Target::Stdout:
      key = "<stdout>";
      break;
    case Target::Stderr:
      key = "<stderr>";
      break;
    case Target::File:
      key = log.path;
      break;
  }
  auto& sink = log_sinks_[key];
  if (sink) return sink;
  if (log.target == Target::Stdout) {
    sink = proxy::AccessLogSink::forFd(1, key);
  } else if (log.target == Target::Stderr) {
    sink = proxy::AccessLogSink::forFd(2, key);
  } else {
    auto opened = proxy::AccessLogSink::openFile(log.path, "access log");
    if (!opened.ok()) {
      MG_LOG(Error) << opened.error().describe() << "; access log for it disabled";
      log_sinks_.erase(key);
      return nullptr;
    }
    sink = *opened;
  }
  return sink;
}

base::Result<std::shared_ptr<const proxy::Snapshot>> Server::compile(
    std::shared_ptr<const config::ConfigSet> cfg) {
  proxy::BuildContext ctx;
  ctx.registry = &registry_;
  ctx.shared = &shared_state_;
  ctx.generation = generation_ + 1;
  ctx.access_log_for = [this](const config::AccessLog& l) { return accessLogFor(l); };
  ctx.filter_services = &filter_services_;
  auto snap = proxy::buildSnapshot(std::move(cfg), ctx);
  shared_state_.prune();
  filter_state_.prune();
  return snap;
}

base::Result<std::map<std::string, Server::BoundSocket*>> Server::bindListeners(
    const proxy::Snapshot& snap) {
  std::map<std::string, BoundSocket*> out;
  std::vector<std::string> created;
  auto fail = [&](base::Error e) {
    for (const std::string& key : created) {
      for (int fd : sockets_[key]->fds)
        ::close(fd);
      sockets_.erase(key);
    }
    return e;
  };
  for (const auto& l : snap.listeners) {
    const std::string key = bindingKey(*l);
    auto it = sockets_.find(key);
    if (it != sockets_.end()) {
      it->second->name = l->name;
      out[l->name] = it->second.get();
      continue;
    }
    auto s = std::make_unique<BoundSocket>();
    s->name = l->name;
    s->configured = l->address;
    net::Address addr = l->address;
    for (uint32_t i = 0; i < options_.concurrency; ++i) {
      auto fd = net::listenTcp(addr);
      if (!fd.ok()) {
        for (int f : s->fds)
          ::close(f);
        return fail(base::Error{"listener " + l->name + ": " + fd.error().describe()});
      }
      s->fds.push_back(*fd);
      if (i == 0) {
        // Port 0: every worker's socket joins the port the first one got.
        addr = net::localAddress(*fd);
        s->bound = addr;
      }
    }
    created.push_back(key);
    out[l->name] = s.get();
    sockets_[key] = std::move(s);
  }
  return out;
}

std::vector<ListenerBinding> Server::bindingsFor(uint32_t worker,
                                                 const std::map<std::string, BoundSocket*>& bound) {
  std::vector<ListenerBinding> out;
  for (const auto& [name, s] : bound) {
    int dup = ::fcntl(s->fds[worker], F_DUPFD_CLOEXEC, 0);
    if (dup < 0) {
      MG_LOG(Error) << "dup listener fd: errno " << errno;
      continue;
    }
    out.push_back(ListenerBinding{name, s->fds[worker], dup});
  }
  return out;
}

void Server::closeUnused(const std::map<std::string, BoundSocket*>& in_use) {
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    bool used = false;
    for (const auto& [name, s] : in_use)
      used = used || s == it->second.get();
    if (used) {
      ++it;
      continue;
    }
    // Workers hold their own duplicates until they apply the new listener set.
    for (int fd : it->second->fds)
      ::close(fd);
    it = sockets_.erase(it);
  }
}

base::Status Server::applyAuxiliary(const config::ConfigSet& cfg) {
  // Admin: the configured address, or Envoy-like 127.0.0.1:9901 by default.
  net::Address want = *net::Address::parse("127.0.0.1:9901");
  if (cfg.admin) {
    auto a = addressOf(cfg.admin->ip, cfg.admin->port);
    if (!a.ok()) return std::move(a).error();
    want = *a;
  }
  if (!admin_ || !(want == admin_configured_)) {
    admin::AdminProviders p;
    p.ready = [this] { return ready_ && !draining_ && healthWarmed(); };
    p.config_dump = [this] {
      return current_ ? config::toJson(*current_->config) : std::string("{}");
    };
    p.listeners = [this] { return listenersJson(); };
    p.clusters = [this] { return clustersJson(); };
    p.workloads = [this] { return workloadsJson(); };
    auto fresh = std::make_unique<admin::AdminServer>(loop_, registry_, std::move(p));
    MG_RETURN_IF_ERROR(fresh->listen(want));
    if (admin_) admin_->close();
    admin_ = std::move(fresh);
    admin_configured_ = want;
    if (!options_.admin_address_path.empty()) {
      auto st = base::writeFileAtomic(options_.admin_address_path, admin_->address().toString());
      if (!st.ok()) MG_LOG(Warn) << st.error().describe();
    }
  }
  // Demo upstreams, by configured address.
  std::map<std::string, std::unique_ptr<DemoUpstream>> next;
  for (const config::DemoUpstream& d : cfg.demo_upstreams) {
    auto a = addressOf(d.ip, d.port);
    if (!a.ok()) return std::move(a).error();
    const std::string key = a->toString() + (d.port == 0 ? "#" + d.meta.qualifiedName() : "");
    auto it = demos_.find(key);
    if (it != demos_.end()) {
      next[key] = std::move(it->second);
      demos_.erase(it);
      continue;
    }
    auto demo = std::make_unique<DemoUpstream>(loop_, d.meta.name);
    auto st = demo->listen(*a);
    if (!st.ok())
      return base::Error{"demo upstream " + d.meta.qualifiedName() + ": " + st.error().describe()};
    next[key] = std::move(demo);
  }
  demos_ = std::move(next);
  return base::okStatus();
}

int Server::run() {
  ::signal(SIGPIPE, SIG_IGN);
  // Block the signals before any thread starts, so only the main loop sees them.
  signals_ = std::make_unique<event::SignalWatcher>(
      loop_, std::initializer_list<int>{SIGTERM, SIGINT, SIGHUP}, [this](int sig) {
        if (sig == SIGHUP) {
          reload("SIGHUP");
        } else if (draining_) {
          MG_LOG(Warn) << "second stop signal: closing now";
          finish();
        } else {
          startDrain();
        }
      });
  workload::SupervisorOptions wopts;
  wopts.on_readiness = [this](const std::string& w, bool ready) { onWorkloadReadiness(w, ready); };
  supervisor_ = std::make_unique<workload::Supervisor>(loop_, registry_, std::move(wopts));
  config::LoadResult loaded = loadConfig();
  for (const auto& d : loaded.diagnostics.items())
    std::fprintf(stderr, "%s\n", d.toString().c_str());
  if (!loaded.ok()) {
    std::fprintf(stderr, "meshgate: the configuration is invalid (%zu errors); not starting\n",
                 loaded.diagnostics.errorCount());
    return 1;
  }
  auto snap = compile(loaded.config);
  if (!snap.ok()) {
    std::fprintf(stderr, "meshgate: cannot serve the configuration: %s\n",
                 snap.error().describe().c_str());
    return 1;
  }
  auto bound = bindListeners(**snap);
  if (!bound.ok()) {
    std::fprintf(stderr, "meshgate: %s\n", bound.error().describe().c_str());
    return 1;
  }
  auto aux = applyAuxiliary(*loaded.config);
  if (!aux.ok()) {
    std::fprintf(stderr, "meshgate: %s\n", aux.error().describe().c_str());
    return 1;
  }
  syncWorkloadEndpoints(*loaded.config);
  supervisor_->apply(*loaded.config);
  current_ = *snap;
  generation_ = current_->generation;
  // Before any worker sees the snapshot, so that checked endpoints start out of service.
  health_checker_ = std::make_unique<upstream::HealthChecker>(
      loop_, registry_,
      static_cast<uint64_t>(loop_.clock().monotonicNow().time_since_epoch().count()));
  health_checker_->update(healthCheckGroups(*current_->config, *current_));
  registry_.mainShard().add(generation_gauge_, static_cast<int64_t>(generation_));
  registry_.mainShard().add(
      last_reload_success_time_,
      std::chrono::duration_cast<std::chrono::seconds>(loop_.clock().systemNow().time_since_epoch())
          .count());
  for (uint32_t i = 0; i < options_.concurrency; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, registry_, options_.busy_poll));
    workers_.back()->start(current_, bindingsFor(i, *bound));
  }
  if (!options_.config_path.empty() && options_.watch) {
    auto w = config::Watcher::create(options_.config_path);
    if (w.ok()) {
      watcher_ = std::move(*w);
      reload_debounce_ = std::make_unique<event::Timer>(loop_, [this] { reload("file change"); });
      watcher_handler_ = std::make_unique<FnHandler>([this] {
        if (watcher_->drain()) reload_debounce_->arm(kReloadDebounce);
      });
      auto st = loop_.addFd(watcher_->fd(), EPOLLIN, watcher_handler_.get());
      if (!st.ok()) MG_LOG(Warn) << "config watch disabled: " << st.error().describe();
    } else {
      MG_LOG(Warn) << "config watch disabled: " << w.error().describe()
                   << " (SIGHUP still reloads)";
    }
  }
  watchBundles(*loaded.config);
  outlier_timer_ = std::make_unique<event::Timer>(loop_, [this] { sweepOutliers(); });
  outlier_timer_->arm(kOutlierSweepPeriod);
  ready_ = true;
  printBanner();
  loop_.run();
  return exit_code_;
}

void Server::printBanner() const {
  std::string out =
      "meshgate 0.1.0: " + std::to_string(options_.concurrency) +
      (options_.concurrency == 1 ? " worker" : " workers") +
      (options_.busy_poll.count() > 0
           ? " (busy poll " + base::formatDuration(options_.busy_poll) + ")"
           : std::string()) +
      ", config " +
      (options_.config_path.empty() ? std::string("<embedded default>") : options_.config_path) +
      " (generation " + std::to_string(generation_) + ", version " +
      current_->version.substr(0, 12) + ")\n";
  for (const auto& l : current_->listeners) {
    std::string addr;
    for (const auto& [key, s] : sockets_) {
      if (s->name == l->name) addr = s->bound.toString();
    }
    out += "  listener " + l->name + "  http://" + addr + "/\n";
  }
  for (const auto& [key, d] : demos_) {
    out += "  demo upstream " + d->name() + "  http://" + d->address().toString() + "/\n";
  }
  for (const workload::WorkloadStatus& w : supervisor_->status()) {
    out += "  workload " + w.name + "  " + w.phase +
           (w.pid != 0 ? " (pid " + std::to_string(w.pid) + ")" : std::string()) + "\n";
  }
  if (admin_) {
    const std::string a = admin_->address().toString();
    out += "  admin  http://" + a +
           "/  (/ready /metrics /config_dump /listeners /clusters /workloads)\n";
  }
  if (!current_->listeners.empty()) {
    std::string first;
    for (const auto& [key, s] : sockets_) {
      if (s->name == current_->listeners.front()->name) first = s->bound.toString();
    }
    out += "  try: curl -i http://" + first + "/\n";
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
}

void Server::reload(const char* trigger) {
  if (draining_) return;
  config::LoadResult loaded = loadConfig();
  auto reject = [&](const std::string& why) {
    registry_.mainShard().inc(reload_failure_);
    MG_LOG(Error) << "config reload (" << trigger << ") rejected; still serving generation "
                  << generation_ << " (version " << current_->version.substr(0, 12) << "): " << why;
  };
  if (!loaded.ok()) {
    std::string why = std::to_string(loaded.diagnostics.errorCount()) + " error(s)\n" +
                      loaded.diagnostics.toString();
    if (!why.empty() && why.back() == '\n') why.pop_back();
    reject(why);
    return;
  }
  for (const auto& d : loaded.diagnostics.items())
    MG_LOG(Warn) << d.toString();
  auto snap = compile(loaded.config);
  if (!snap.ok()) {
    reject(snap.error().describe());
    return;
  }
  auto bound = bindListeners(**snap);
  if (!bound.ok()) {
    reject(bound.error().describe());
    return;
  }
  auto aux = applyAuxiliary(*loaded.config);
  if (!aux.ok()) {
    closeUnused([&] {
      // Keep the sockets of the config still in force.
      std::map<std::string, BoundSocket*> keep;
      for (const auto& l : current_->listeners) {
        auto it = sockets_.find(bindingKey(*l));
        if (it != sockets_.end()) keep[l->name] = it->second.get();
      }
      return keep;
    }());
    reject(aux.error().describe());
    return;
  }
  const std::string old_version = current_->version;
  syncWorkloadEndpoints(*loaded.config);
  supervisor_->apply(*loaded.config);
  current_ = *snap;
  health_checker_->update(healthCheckGroups(*current_->config, *current_));
  registry_.mainShard().add(generation_gauge_,
                            static_cast<int64_t>(current_->generation - generation_));
  generation_ = current_->generation;
  for (uint32_t i = 0; i < workers_.size(); ++i)
    workers_[i]->update(current_, bindingsFor(i, *bound));
  closeUnused(*bound);
  watchBundles(*loaded.config);
  registry_.mainShard().inc(reload_success_);
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(loop_.clock().systemNow().time_since_epoch())
          .count();
  registry_.mainShard().add(last_reload_success_time_,
                            now_s - registry_.value(last_reload_success_time_));
  MG_LOG(Info) << "config reloaded (" << trigger << "): generation " << generation_ << ", version "
               << current_->version.substr(0, 12)
               << (old_version == current_->version ? " (unchanged)" : "");
}

void Server::watchBundles(const config::ConfigSet& cfg) {
  if (!reload_debounce_) return;  // not watching files at all
  // Handlers may still be named by events of the current batch: free them after it.
  for (auto& [w, h] : bundle_watches_)
    loop_.removeFd(w->fd());
  auto retired = std::make_shared<decltype(bundle_watches_)>(std::move(bundle_watches_));
  loop_.defer([retired] {});
  bundle_watches_.clear();
  std::set<std::string> dirs;
  for (const config::PolicyProvider& p : cfg.policy_providers) {
    const std::string& root =
        p.resolved_bundle_path.empty() ? p.bundle_path : p.resolved_bundle_path;
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) continue;
    dirs.insert(root);
    std::filesystem::recursive_directory_iterator it(root, ec);
    for (size_t n = 0; !ec && it != std::filesystem::recursive_directory_iterator() && n < 4096;
         ++n) {
      if (it->is_directory(ec)) dirs.insert(it->path().string());
      it.increment(ec);
    }
  }
  for (const std::string& dir : dirs) {
    auto w = config::Watcher::create(dir, /*any_name=*/true);
    if (!w.ok()) {
      MG_LOG(Warn) << "policy bundle watch disabled for " << dir << ": " << w.error().describe()
                   << " (SIGHUP still reloads)";
      continue;
    }
    config::Watcher* raw = w->get();
    auto handler = std::make_unique<FnHandler>([this, raw] {
      if (raw->drain()) reload_debounce_->arm(kReloadDebounce);
    });
    if (!loop_.addFd(raw->fd(), EPOLLIN, handler.get()).ok()) continue;
    bundle_watches_.emplace_back(std::move(*w), std::move(handler));
  }
}

void Server::sweepOutliers() {
  const base::MonoTime now = loop_.updateTime();
  for (const auto& c : current_->clusters) {
    if (!c->settings().outlier) continue;
    // Expired ejections end at every sweep; the multiplier decays once per interval.
    base::MonoTime& next = next_outlier_sweep_[c->name()];
    const bool interval_due = now >= next;
    if (interval_due) next = now + c->settings().outlier->interval;
    upstream::sweepOutliers(*c, now, registry_.mainShard(), interval_due);
  }
  outlier_timer_->arm(kOutlierSweepPeriod);
}

bool Server::healthWarmed() {
  if (!health_warmed_ && health_checker_ && health_checker_->warmedUp()) health_warmed_ = true;
  return health_warmed_;
}

void Server::startDrain() {
  draining_ = true;
  auto timeout = std::chrono::nanoseconds(0);
  for (const auto& l : current_->listeners)
    timeout = std::max(timeout, l->settings.drain_timeout);
  MG_LOG(Info) << "draining: no new connections; waiting up to " << base::formatDuration(timeout)
               << " for in-flight requests";
  for (auto& w : workers_)
    w->drain();
  drain_deadline_ = loop_.updateTime() + timeout;
  drain_timer_ = std::make_unique<event::Timer>(loop_, [this] { checkDrained(); });
  drain_timer_->arm(kDrainPoll);
}

void Server::checkDrained() {
  size_t open = 0;
  for (auto& w : workers_)
    open += w->connections();
  if (open == 0) {
    MG_LOG(Info) << "drained";
    finish();
    return;
  }
  if (loop_.now() >= drain_deadline_) {
    if (!force_close_sent_) {
      MG_LOG(Warn) << "drain deadline passed with " << open << " connection(s) open; closing them";
      force_close_sent_ = true;
      for (auto& w : workers_)
        w->closeAll();
    } else {
      finish();
      return;
    }
  }
  drain_timer_->arm(kDrainPoll);
}

void Server::finish() {
  if (stopping_workloads_) {
    // A second stop signal while workloads wait out their grace period.
    supervisor_->killAll();
    return;
  }
  stopping_workloads_ = true;
  if (drain_timer_) drain_timer_->cancel();
  for (auto& w : workers_)
    w->stop();
  demos_.clear();
  // Traffic has drained, so the workloads can go: SIGTERM, then SIGKILL after
  // each one's grace period. The admin listener stays up until they are gone.
  if (supervisor_->running() > 0) MG_LOG(Info) << "stopping workloads";
  supervisor_->stopAll([this] {
    if (admin_) admin_->close();
    loop_.stop();
  });
}

void Server::syncWorkloadEndpoints(const config::ConfigSet& cfg) {
  std::map<std::string, std::vector<std::shared_ptr<upstream::EndpointHealth>>> next;
  if (!cfg.workloads.empty()) {
    for (const config::Cluster& c : config::buildClusters(cfg)) {
      for (const config::ClusterEndpoint& ep : c.endpoints) {
        if (ep.workload == nullptr || !ep.ip) continue;
        auto a = net::Address::fromIp(ep.ip->toString(), ep.port);
        if (!a.ok()) continue;
        const std::string name = ep.workload->meta.qualifiedName();
        // The key proxy::buildSnapshot gives workload endpoints.
        auto health = shared_state_.health("workload:" + name, a->toString());
        health->healthy.store(supervisor_->ready(name), std::memory_order_relaxed);
        auto& list = next[name];
        if (std::find(list.begin(), list.end(), health) == list.end()) list.push_back(health);
      }
    }
  }
  workload_health_ = std::move(next);
}

void Server::onWorkloadReadiness(const std::string& workload, bool ready) {
  auto it = workload_health_.find(workload);
  if (it == workload_health_.end()) return;
  for (const auto& h : it->second)
    h->healthy.store(ready, std::memory_order_relaxed);
}

std::string Server::listenersJson() const {
  std::string out;
  base::JsonWriter w(out);
  w.beginArray();
  if (current_) {
    for (const auto& l : current_->listeners) {
      w.beginObject().field("name", l->name).field("configured_address", l->address.toString());
      for (const auto& [key, s] : sockets_) {
        if (s->name == l->name) w.field("address", s->bound.toString());
      }
      if (!l->gateway.empty()) w.field("gateway", l->gateway);
      w.endObject();
    }
  }
  w.endArray();
  return out;
}

std::string Server::clustersJson() const {
  std::string out;
  base::JsonWriter w(out);
  w.beginArray();
  if (current_) {
    const auto now = std::chrono::steady_clock::now();
    for (const auto& c : current_->clusters) {
      const limits::CircuitBreaker& cb = c->breaker();
      w.beginObject().field("name", c->name());
      w.key("circuit_breakers")
          .beginObject()
          .field("connections", cb.connections().current())
          .field("max_connections", cb.connections().max())
          .field("pending_requests", cb.pendingRequests().current())
          .field("max_pending_requests", cb.pendingRequests().max())
          .field("active_requests", cb.requests().current())
          .field("max_requests", cb.requests().max())
          .field("active_retries", cb.retries())
          .endObject();
      w.key("endpoints").beginArray();
      for (const auto& e : c->endpoints()) {
        w.beginObject()
            .field("address", e.address_text)
            .field("weight", e.weight)
            .field("healthy", e.health->healthy.load())
            .field("ejected", e.health->ejected(now));
        if (health_checker_) {
          if (auto st = health_checker_->statusOf(e.health.get()))
            w.field("health_check", upstream::healthStatusText(*st));
        }
        w.field("active_requests", e.health->active_requests.load()).endObject();
      }
      w.endArray().endObject();
    }
  }
  w.endArray();
  return out;
}

std::string Server::workloadsJson() const {
  std::string out;
  base::JsonWriter w(out);
  w.beginArray();
  for (const workload::WorkloadStatus& s : supervisor_->status()) {
    w.beginObject()
        .field("name", s.name)
        .field("phase", s.phase)
        .field("ready", s.ready)
        .field("pid", s.pid)
        .field("starts", s.starts)
        .field("restarts", s.restarts)
        .field("last_exit", s.last_exit)
        .endObject();
  }
  w.endArray();
  return out;
}

}  // namespace meshgate::server
