// SPDX-License-Identifier: Apache-2.0
// The running process: loads the config, starts the workers, the admin listener
// and the demo upstreams, reloads on SIGHUP or file change (parse, validate,
// compile, swap atomically; a bad config keeps the old one serving), and drains
// gracefully on SIGTERM, then stops the workloads it supervises. Everything
// here runs on the main thread's loop.
// Depends on config, proxy, admin, workload, server/worker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/admin_server.h"
#include "config/loader.h"
#include "event/event_loop.h"
#include "metrics/metrics.h"
#include "proxy/snapshot.h"
#include "server/demo_upstream.h"
#include "server/worker.h"
#include "upstream/health_checker.h"
#include "workload/supervisor.h"

namespace meshgate::config {
class Watcher;
}

namespace meshgate::event {
class SignalWatcher;
}

namespace meshgate::server {

struct ServerOptions {
  /// A config file or directory; empty runs the embedded default.
  std::string config_path;
  /// Worker threads; 0 means one per CPU core.
  uint32_t concurrency = 0;
  /// When set, the admin address ("127.0.0.1:9901") is written here once ready
  /// (Envoy's --admin-address-path), for tests and scripts that use port 0.
  std::string admin_address_path;
  /// Watch the config path with inotify and reload on change.
  bool watch = true;
  /// Each worker's busy-poll window (event::EventLoop::setBusyPoll); zero is off.
  base::Duration busy_poll{0};
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Runs until drained after SIGTERM/SIGINT. Returns the process exit code:
  /// 0 after a graceful drain, 1 when the initial config is invalid or cannot
  /// be served (each problem printed as file:line:col: message).
  int run();

 private:
  struct BoundSocket {
    std::string name;
    net::Address configured;
    net::Address bound;
    std::vector<int> fds;  // one per worker; owned here, workers get dups
  };

  config::LoadResult loadConfig() const;
  base::Result<std::shared_ptr<const proxy::Snapshot>> compile(
      std::shared_ptr<const config::ConfigSet> cfg);
  /// Binds what `snap` needs; returns the sockets by listener name.
  base::Result<std::map<std::string, BoundSocket*>> bindListeners(const proxy::Snapshot& snap);
  std::vector<ListenerBinding> bindingsFor(uint32_t worker,
                                           const std::map<std::string, BoundSocket*>& bound);
  void closeUnused(const std::map<std::string, BoundSocket*>& in_use);
  base::Status applyAuxiliary(const config::ConfigSet& cfg);
  void reload(const char* trigger);
  /// Watches the PolicyProvider bundle directories of `cfg` (and their
  /// subdirectories): a file change there reloads as a config change does.
  void watchBundles(const config::ConfigSet& cfg);
  void sweepOutliers();
  bool healthWarmed();
  void startDrain();
  void checkDrained();
  void finish();
  /// Points the endpoint health records of every Workload endpoint of `cfg`
  /// at the supervisor's readiness (before workers see a snapshot using them).
  void syncWorkloadEndpoints(const config::ConfigSet& cfg);
  void onWorkloadReadiness(const std::string& workload, bool ready);
  void printBanner() const;
  std::string listenersJson() const;
  std::string clustersJson() const;
  std::string workloadsJson() const;
  std::shared_ptr<proxy::AccessLogSink> accessLogFor(const config::AccessLog& log);

  ServerOptions options_;
  event::EventLoop loop_;
  metrics::Registry registry_;
  proxy::SharedUpstreamState shared_state_;
  filter_api::SharedState filter_state_;
  filter_api::BuildServices filter_services_;
  std::shared_ptr<const proxy::Snapshot> current_;
  uint64_t generation_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::map<std::string, std::unique_ptr<BoundSocket>> sockets_;  // by binding key
  std::map<std::string, std::shared_ptr<proxy::AccessLogSink>> log_sinks_;
  std::unique_ptr<admin::AdminServer> admin_;
  net::Address admin_configured_;
  std::map<std::string, std::unique_ptr<DemoUpstream>> demos_;  // by configured address
  std::unique_ptr<event::SignalWatcher> signals_;
  std::unique_ptr<workload::Supervisor> supervisor_;
  /// The health records of each workload's endpoints ("namespace/name").
  std::map<std::string, std::vector<std::shared_ptr<upstream::EndpointHealth>>> workload_health_;
  bool stopping_workloads_ = false;
  std::unique_ptr<config::Watcher> watcher_;
  std::unique_ptr<event::FdHandler> watcher_handler_;
  std::unique_ptr<event::Timer> reload_debounce_;
  std::vector<std::pair<std::unique_ptr<config::Watcher>, std::unique_ptr<event::FdHandler>>>
      bundle_watches_;
  std::unique_ptr<event::Timer> drain_timer_;
  std::unique_ptr<event::Timer> outlier_timer_;
  std::map<std::string, base::MonoTime> next_outlier_sweep_;  // by cluster name
  /// Active health checks of the current generation (main loop).
  std::unique_ptr<upstream::HealthChecker> health_checker_;
  /// Latched once the first round of health checks completed (Envoy's cluster warming).
  bool health_warmed_ = false;
  base::MonoTime drain_deadline_;
  bool draining_ = false;
  bool ready_ = false;
  bool force_close_sent_ = false;
  int exit_code_ = 0;
  metrics::SeriesId reload_success_;
  metrics::SeriesId reload_failure_;
  metrics::SeriesId generation_gauge_;
  metrics::SeriesId last_reload_success_time_;
};

}  // namespace meshgate::server
