// SPDX-License-Identifier: Apache-2.0
// Active HTTP health checks (meshgate.io/v1 HealthCheck) through the real binary: an endpoint
// that fails its health path is taken out of the load balancer and comes back after
// healthyThreshold successes; timeouts count as failures; with every endpoint failing, requests
// get 503 "no healthy upstream" unless minHealthPercent allows panic mode; a reload keeps the
// verdicts; metrics and /clusters show the state.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "testing/ports.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using std::chrono::milliseconds;
using testing::httpGet;
using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::UpstreamReply;
using testing::waitUntil;

const std::string kCluster = "outbound|80||svc.local";

/// An origin whose /healthz answers `health_status` (after `health_delay`) and whose other
/// paths answer 200 with its name; it counts the non-health requests it served.
struct Origin {
  explicit Origin(std::string name_in) : name(std::move(name_in)) {
    upstream = std::make_unique<TestUpstream>([this](const testing::ReceivedRequest& req) {
      UpstreamReply r;
      if (req.target == "/healthz") {
        r.status = health_status.load();
        r.delay = milliseconds(health_delay.load());
        r.body = "health";
        if (r.status == 200) healthy_probes_served++;
        return r;
      }
      traffic++;
      r.body = name;
      return r;
    });
  }
  uint16_t port() const { return upstream->port(); }
  std::string address() const { return upstream->address(); }

  std::string name;
  std::atomic<int> health_status{200};
  std::atomic<int> health_delay{0};
  std::atomic<int> healthy_probes_served{0};
  std::atomic<int> traffic{0};
  std::unique_ptr<TestUpstream> upstream;
};

std::string config(const Origin& a, const Origin& b, const std::string& dr_policy = "",
                   const std::string& vs_extra = "") {
  std::string y = baseConfig() + serviceEntry("svc", "svc.local", {{a.port(), ""}, {b.port(), ""}});
  y += R"(apiVersion: meshgate.io/v1
kind: HealthCheck
metadata: {name: svc}
spec:
  host: svc.local
  path: /healthz
  interval: 100ms
  timeout: 100ms
  unhealthyThreshold: 2
  healthyThreshold: 3
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: svc}
spec:
  host: svc.local
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
)" + dr_policy +
       R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: svc}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: svc.local}}]
    retries: {attempts: 0}
)" + vs_extra;
  return y;
}

double healthyGauge(MeshgateProcess& mg, const Origin& o) {
  return mg.metric("meshgate_upstream_endpoint_healthy{cluster=\"" + kCluster + "\",endpoint=\"" +
                   o.address() + "\"}");
}

std::string series(const std::string& name, const std::string& extra = "") {
  return name + "{cluster=\"" + kCluster + "\"" + extra + "}";
}

TEST(HealthCheck, FailingEndpointIsTakenOutAndComesBackAfterHealthyThreshold) {
  Origin a("a"), b("b");
  MeshgateProcess mg(MG_BINARY, config(a, b));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0) << mg.process().stderrText();
  // Ready means the first round of checks is done: both endpoints serve.
  EXPECT_EQ(healthyGauge(mg, a), 1);
  EXPECT_EQ(healthyGauge(mg, b), 1);
  for (int i = 0; i < 10; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_GT(a.traffic.load(), 0);
  EXPECT_GT(b.traffic.load(), 0);
  int probes = 0;
  for (const testing::ReceivedRequest& req : a.upstream->requests()) {
    if (req.target != "/healthz") continue;
    ++probes;
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.header("user-agent"), "meshgate-health-check");
    EXPECT_EQ(req.header("host"), "svc.local");
  }
  EXPECT_GE(probes, 1);

  a.health_status = 503;
  ASSERT_TRUE(waitUntil([&] { return healthyGauge(mg, a) == 0; }, std::chrono::seconds(10)));
  const int a_before = a.traffic.load();
  for (int i = 0; i < 20; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "b");
  }
  EXPECT_EQ(a.traffic.load(), a_before);
  EXPECT_EQ(mg.metric(series("meshgate_upstream_health_check_ejections_total")), 1);
  EXPECT_GE(
      mg.metric(series("meshgate_upstream_health_check_failures_total", ",reason=\"status\"")), 2);
  auto clusters = mg.admin("/clusters");
  ASSERT_TRUE(clusters);
  EXPECT_NE(clusters->body.find("\"health_check\":\"unhealthy\""), std::string::npos)
      << clusters->body;

  a.healthy_probes_served = 0;
  a.health_status = 200;
  ASSERT_TRUE(waitUntil([&] { return healthyGauge(mg, a) == 1; }, std::chrono::seconds(10)));
  // healthyThreshold is 3: three passing probes before it was put back.
  EXPECT_GE(a.healthy_probes_served.load(), 3);
  // The first checks (pending -> healthy) are not recoveries; this one is.
  EXPECT_EQ(mg.metric(series("meshgate_upstream_health_check_recoveries_total")), 1);
  for (int i = 0; i < 10; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
  }
  EXPECT_GT(a.traffic.load(), a_before);
  EXPECT_GE(mg.metric(series("meshgate_upstream_health_check_attempts_total")), 10);
}

TEST(HealthCheck, TimeoutCountsAsFailure) {
  Origin a("a"), b("b");
  MeshgateProcess mg(MG_BINARY, config(a, b));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0) << mg.process().stderrText();
  a.health_delay = 1000;  // far beyond the 100ms timeout; the status stays 200
  ASSERT_TRUE(waitUntil([&] { return healthyGauge(mg, a) == 0; }, std::chrono::seconds(10)));
  EXPECT_GE(
      mg.metric(series("meshgate_upstream_health_check_failures_total", ",reason=\"timeout\"")), 2);
  for (int i = 0; i < 10; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "b");
  }
}

TEST(HealthCheck, AllEndpointsFailingAnswer503NoHealthyUpstream) {
  Origin a("a"), b("b");
  MeshgateProcess mg(MG_BINARY, config(a, b));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0) << mg.process().stderrText();
  a.health_status = 500;
  b.health_status = 500;
  ASSERT_TRUE(waitUntil([&] { return healthyGauge(mg, a) == 0 && healthyGauge(mg, b) == 0; },
                        std::chrono::seconds(10)));
  const int before = a.traffic.load() + b.traffic.load();
  for (int i = 0; i < 5; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->body, "no healthy upstream");
  }
  EXPECT_EQ(a.traffic.load() + b.traffic.load(), before);
}

TEST(HealthCheck, MinHealthPercentEnablesPanicModeWhenAllFail) {
  Origin a("a"), b("b");
  MeshgateProcess mg(
      MG_BINARY,
      config(a, b, "    outlierDetection: {consecutive5xxErrors: 0, minHealthPercent: 50}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0) << mg.process().stderrText();
  a.health_status = 500;
  b.health_status = 500;
  ASSERT_TRUE(waitUntil([&] { return healthyGauge(mg, a) == 0 && healthyGauge(mg, b) == 0; },
                        std::chrono::seconds(10)));
  for (int i = 0; i < 6; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);  // below 50% healthy: balance over every endpoint
  }
}

TEST(HealthCheck, ReloadKeepsVerdictsOfUnchangedEndpoints) {
  Origin a("a"), b("b");
  MeshgateProcess mg(MG_BINARY, config(a, b));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0) << mg.process().stderrText();
  a.health_status = 503;
  ASSERT_TRUE(waitUntil([&] { return healthyGauge(mg, a) == 0; }, std::chrono::seconds(10)));
  const double reloads_before = mg.metric("meshgate_config_reloads_total{result=\"success\"}");
  // A reload that changes the route, not the service: a stays out, without a pending spell.
  mg.writeConfig(config(a, b, "", "    timeout: 5s\n"));
  ASSERT_TRUE(waitUntil(
      [&] {
        return mg.metric("meshgate_config_reloads_total{result=\"success\"}") > reloads_before;
      },
      std::chrono::seconds(10)));
  const int a_before = a.traffic.load();
  for (int i = 0; i < 10; ++i) {
    auto r = httpGet(port, "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "b");
  }
  EXPECT_EQ(a.traffic.load(), a_before);
  EXPECT_EQ(healthyGauge(mg, a), 0);
  EXPECT_EQ(mg.metric(series("meshgate_upstream_health_check_ejections_total")), 1);
}

}  // namespace
}  // namespace meshgate::integration
