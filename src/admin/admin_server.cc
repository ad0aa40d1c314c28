// SPDX-License-Identifier: Apache-2.0
#include "admin/admin_server.h"

namespace meshgate::admin {

AdminServer::AdminServer(event::EventLoop& loop, metrics::Registry& registry,
                         AdminProviders providers)
    : registry_(registry),
      providers_(std::move(providers)),
      server_(loop, "admin",
              [this](const HttpRequest& r, HttpServer::Respond respond) {
                handle(r, std::move(respond));
              }),
      requests_(registry.counter("meshgate_admin_requests_total",
                                 "Requests served by the admin listener.")) {}

void AdminServer::handle(const HttpRequest& request, HttpServer::Respond respond) {
  registry_.mainShard().inc(requests_);
  const http::RequestHead& head = *request.head;
  std::string_view path = head.path();
  if (head.method() != http::Method::Get && head.method() != http::Method::Head) {
    respond(HttpResponse{405, "text/plain", "method not allowed\n", {{"allow", "GET, HEAD"}}});
    return;
  }
  if (path == "/ready") {
    const bool ready = providers_.ready && providers_.ready();
    respond(HttpResponse{static_cast<uint16_t>(ready ? 200 : 503),
                         "text/plain",
                         ready ? "LIVE\n" : "NOT READY\n",
                         {}});
  } else if (path == "/metrics" || path == "/stats/prometheus") {
    respond(HttpResponse{
        200, "text/plain; version=0.0.4; charset=utf-8", registry_.renderPrometheus(), {}});
  } else if (path == "/config_dump") {
    respond(HttpResponse{200,
                         "application/json",
                         providers_.config_dump ? providers_.config_dump() + "\n" : "{}\n",
                         {}});
  } else if (path == "/listeners") {
    respond(HttpResponse{200,
                         "application/json",
                         providers_.listeners ? providers_.listeners() + "\n" : "[]\n",
                         {}});
  } else if (path == "/clusters") {
    respond(HttpResponse{
        200, "application/json", providers_.clusters ? providers_.clusters() + "\n" : "[]\n", {}});
  } else if (path == "/workloads") {
    respond(HttpResponse{200,
                         "application/json",
                         providers_.workloads ? providers_.workloads() + "\n" : "[]\n",
                         {}});
  } else if (path == "/") {
    respond(
        HttpResponse{200,
                     "text/plain",
                     "meshgate admin\n"
                     "  /ready        200 when serving, 503 while starting or draining\n"
                     "  /metrics      Prometheus metrics (also /stats/prometheus)\n"
                     "  /config_dump  the effective configuration as JSON, with its version hash\n"
                     "  /listeners    listeners and their bound addresses\n"
                     "  /clusters     clusters, endpoints, health and circuit breakers\n"
                     "  /workloads    supervised workloads: phase, pid, readiness, restarts\n",
                     {}});
  } else {
    respond(HttpResponse{404, "text/plain", "not found\n", {}});
  }
}

}  // namespace meshgate::admin
