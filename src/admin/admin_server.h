// SPDX-License-Identifier: Apache-2.0
// The admin listener: /ready, /metrics (Prometheus), /config_dump, /listeners,
// /clusters, /workloads and an index. What it reports comes from providers the server
// installs, so admin/ does not depend on the data plane. Main loop only.
// Depends on admin/http_server, metrics.
#pragma once

#include <functional>
#include <string>

#include "admin/http_server.h"
#include "metrics/metrics.h"

namespace meshgate::admin {

struct AdminProviders {
  /// True when every listener is bound and the process is not draining.
  std::function<bool()> ready;
  /// {"version": ..., "config": ...}
  std::function<std::string()> config_dump;
  /// JSON: the listeners and the addresses they are bound to.
  std::function<std::string()> listeners;
  /// JSON: clusters, endpoints, health and circuit-breaker state.
  std::function<std::string()> clusters;
  /// JSON: supervised workloads, their phase, pid, readiness and restarts.
  std::function<std::string()> workloads;
};

class AdminServer {
 public:
  AdminServer(event::EventLoop& loop, metrics::Registry& registry, AdminProviders providers);

  base::Status listen(const net::Address& address) { return server_.listen(address); }
  const net::Address& address() const { return server_.address(); }
  void close() { server_.close(); }

 private:
  void handle(const HttpRequest& request, HttpServer::Respond respond);

  metrics::Registry& registry_;
  AdminProviders providers_;
  HttpServer server_;
  metrics::SeriesId requests_;
};

}  // namespace meshgate::admin
