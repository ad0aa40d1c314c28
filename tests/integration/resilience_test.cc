// SPDX-License-Identifier: Apache-2.0
// Router resilience through the real binary: retries (conditions, idempotency,
// per-try timeout, other endpoint), the retry budget capping amplification when
// every upstream fails, circuit breakers opening and recovering, outlier ejection
// and return, and mirroring that never delays the main response.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/ports.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::httpGet;
using testing::httpRequest;
using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::UpstreamReply;
using testing::waitUntil;

TestUpstream::Handler status(int code,
                             std::chrono::milliseconds delay = std::chrono::milliseconds(0),
                             std::string body = "") {
  return [=](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.status = code;
    r.delay = delay;
    r.body = body.empty() ? std::to_string(code) : body;
    return r;
  };
}

std::string twoEndpoints(uint16_t a, uint16_t b, const std::string& dr_policy,
                         const std::string& route_extra, const std::string& vs_annotations = "") {
  std::string y = baseConfig() + serviceEntry("svc", "svc.local", {{a, ""}, {b, ""}});
  if (!dr_policy.empty()) {
    y += "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: svc}\nspec:\n"
         "  host: svc.local\n  trafficPolicy:\n" +
         dr_policy + "---\n";
  }
  y += "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: svc\n" +
       vs_annotations +
       "spec:\n  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: svc.local}}]\n" +
       route_extra;
  return y;
}

TEST(Retries, FailedAttemptIsRetriedOnTheOtherEndpoint) {
  TestUpstream bad(status(503));
  TestUpstream good(status(200, std::chrono::milliseconds(0), "good"));
  MeshgateProcess mg(
      MG_BINARY, twoEndpoints(bad.port(), good.port(), "    loadBalancer: {simple: ROUND_ROBIN}\n",
                              "    retries: {attempts: 2, retryOn: 5xx}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 20; ++i) {
    auto r = httpGet(port, "/r");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << "request " << i;
    EXPECT_EQ(r->body, "good");
  }
  EXPECT_GT(bad.requestCount(), 0u) << "round robin never tried the failing endpoint";
  EXPECT_GE(
      mg.metric("meshgate_upstream_requests_retried_total{cluster=\"outbound|80||svc.local\"}"),
      static_cast<double>(bad.requestCount()));
}

TEST(Retries, NonIdempotentRequestsAreNotRetriedUnlessAllowed) {
  TestUpstream bad(status(503));
  TestUpstream good(status(200));
  {
    MeshgateProcess mg(MG_BINARY, twoEndpoints(bad.port(), good.port(),
                                               "    loadBalancer: {simple: ROUND_ROBIN}\n",
                                               "    retries: {attempts: 3, retryOn: 5xx}\n"));
    const uint16_t port = mg.listenerPort("default/main");
    int failed = 0;
    for (int i = 0; i < 10; ++i) {
      auto r = httpRequest(port, "POST", "/p", {}, "payload");
      ASSERT_TRUE(r);
      failed += r->status == 503;
    }
    EXPECT_GT(failed, 0) << "POST was retried without opting in";
  }
  const size_t bad_before = bad.requestCount();
  MeshgateProcess mg(
      MG_BINARY, twoEndpoints(bad.port(), good.port(), "    loadBalancer: {simple: ROUND_ROBIN}\n",
                              "    retries: {attempts: 3, retryOn: 5xx}\n",
                              "  annotations: {meshgate.io/retry-non-idempotent: \"true\"}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 10; ++i) {
    auto r = httpRequest(port, "POST", "/p", {}, "payload");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // The retried POST carried its body to the good endpoint.
  EXPECT_EQ(good.lastRequest().body, "payload");
  EXPECT_GT(bad.requestCount(), bad_before);
}

TEST(Retries, PerTryTimeoutMovesOnToAFastEndpoint) {
  TestUpstream slow(status(200, std::chrono::milliseconds(3000), "slow"));
  TestUpstream fast(status(200, std::chrono::milliseconds(0), "fast"));
  MeshgateProcess mg(
      MG_BINARY,
      twoEndpoints(slow.port(), fast.port(), "    loadBalancer: {simple: ROUND_ROBIN}\n",
                   "    retries: {attempts: 2, perTryTimeout: 150ms, retryOn: reset}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 6; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = httpGet(port, "/t");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "fast");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));
  }
}

TEST(Retries, BudgetCapsAmplificationWhenEveryUpstreamFails) {
  TestUpstream a(status(503, std::chrono::milliseconds(150)));
  TestUpstream b(status(503, std::chrono::milliseconds(150)));
  MeshgateProcess mg(MG_BINARY, twoEndpoints(a.port(), b.port(), "",
                                             "    retries: {attempts: 5, retryOn: 5xx}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  constexpr int kClients = 40;
  ASSERT_NE(port, 0) << mg.admin("/listeners")->body << mg.process().stderrText();
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      auto r = httpGet(port, "/fail");
      if (r && r->status == 503) answered++;
    });
  }
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(answered, kClients);
  const size_t upstream = a.requestCount() + b.requestCount();
  // Without a budget, 5 retries each would send 240 requests upstream (6x).
  // The budget (20% of requests in flight, at least 3) keeps it far lower.
  EXPECT_LT(upstream, static_cast<size_t>(kClients * 2))
      << upstream << " upstream requests for " << kClients;
  EXPECT_GT(
      mg.metric(
          "meshgate_upstream_retry_budget_exhausted_total{cluster=\"outbound|80||svc.local\"}"),
      0);
}

TEST(CircuitBreaker, OpensUnderLoadAndRecovers) {
  // The upstream holds every request it gets until the other clients have been
  // turned away (or 10 s pass). Two requests first fill both connections, one
  // at a time: a request waiting for a connection to be established is pending
  // (Envoy's semantics), so a burst against an empty pool would overflow on
  // the first connect and the outcome would depend on the machine's speed.
  std::atomic<int> ok{0}, overflow{0};
  TestUpstream slow([&](const testing::ReceivedRequest&) {
    waitUntil([&] { return overflow.load() >= 7; }, std::chrono::seconds(10));
    UpstreamReply r;
    r.status = 200;
    r.body = "200";
    return r;
  });
  std::string yaml = baseConfig() + serviceEntry("svc", "svc.local", slow.port()) + R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: svc}
spec:
  host: svc.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 2}
      http: {http1MaxPendingRequests: 1, http2MaxRequests: 3}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: svc}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: svc.local}}]
    retries: {attempts: 0}
)";
  MeshgateProcess mg(MG_BINARY, yaml, {.concurrency = 1});
  const uint16_t port = mg.listenerPort("default/main");
  std::vector<std::thread> clients;
  auto client = [&] {
    auto r = httpGet(port, "/cb");
    if (r && r->status == 200) ok++;
    if (r && r->status == 503) overflow++;
  };
  for (size_t held = 1; held <= 2; ++held) {
    clients.emplace_back(client);
    if (!waitUntil([&] { return slow.requestCount() >= held; })) {
      ADD_FAILURE() << "connection " << held << " never carried its request";
      break;  // the threads are still joined below
    }
  }
  // Both connections busy: one more request waits, the other seven overflow.
  for (int i = 0; i < 8; ++i)
    clients.emplace_back(client);
  for (auto& t : clients)
    t.join();
  EXPECT_GE(overflow, 5) << "the breaker never opened";
  EXPECT_GE(ok, 2);
  EXPECT_EQ(ok + overflow, 10);
  EXPECT_GT(
      mg.metric("meshgate_upstream_requests_overflow_total{cluster=\"outbound|80||svc.local\"}") +
          mg.metric("meshgate_upstream_pending_overflow_total{cluster=\"outbound|80||svc.local\"}"),
      0);
  // Closed again once the load is gone.
  for (int i = 0; i < 3; ++i) {
    auto r = httpGet(port, "/cb");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

TEST(OutlierDetection, EjectsAFailingEndpointAndReturnsIt) {
  std::atomic<bool> broken{true};
  TestUpstream flaky([&](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.status = broken ? 500 : 200;
    r.body = "flaky";
    return r;
  });
  TestUpstream steady(status(200, std::chrono::milliseconds(0), "steady"));
  MeshgateProcess mg(
      MG_BINARY,
      twoEndpoints(
          flaky.port(), steady.port(),
          "    loadBalancer: {simple: ROUND_ROBIN}\n"
          "    outlierDetection: {consecutive5xxErrors: 3, interval: 100ms, baseEjectionTime: 1s, "
          "maxEjectionPercent: 50}\n",
          "    retries: {attempts: 0}\n"),
      {.concurrency = 1});
  const uint16_t port = mg.listenerPort("default/main");
  const std::string cluster = "{cluster=\"outbound|80||svc.local\"}";
  ASSERT_TRUE(waitUntil([&] {
    httpGet(port, "/o");
    return mg.metric("meshgate_upstream_outlier_ejections_total" + cluster) >= 1;
  }));
  EXPECT_EQ(mg.metric("meshgate_upstream_endpoints_ejected" + cluster), 1);
  auto clusters = mg.admin("/clusters");
  ASSERT_TRUE(clusters);
  EXPECT_NE(clusters->body.find("\"ejected\":true"), std::string::npos) << clusters->body;
  // While ejected, every request goes to the steady endpoint.
  const size_t flaky_before = flaky.requestCount();
  for (int i = 0; i < 10; ++i) {
    auto r = httpGet(port, "/o");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "steady");
  }
  EXPECT_EQ(flaky.requestCount(), flaky_before);
  // It recovers, comes back after the ejection time, and takes traffic again.
  broken = false;
  ASSERT_TRUE(waitUntil(
      [&] { return mg.metric("meshgate_upstream_outlier_returns_total" + cluster) >= 1; }));
  EXPECT_EQ(mg.metric("meshgate_upstream_endpoints_ejected" + cluster), 0);
  ASSERT_TRUE(waitUntil([&] {
    auto r = httpGet(port, "/o");
    return r && r->body == "flaky";
  }));
}

TEST(Mirroring, MirrorIsSentWithoutDelayingTheMainResponse) {
  TestUpstream main_up(status(200, std::chrono::milliseconds(0), "main"));
  TestUpstream mirror(status(200, std::chrono::milliseconds(2000), "mirror"));
  std::string yaml = baseConfig() + serviceEntry("main", "main.local", main_up.port()) +
                     serviceEntry("mirror", "mirror.local", mirror.port()) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: svc}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: main.local}}]
    mirror: {host: mirror.local}
    mirrorPercentage: {value: 100}
)";
  MeshgateProcess mg(MG_BINARY, yaml);
  const uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = httpRequest(port, "POST", "/m", {"Host: app.example.com:8080"},
                         "body-" + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "main");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(800))
        << "the main response waited for the mirror";
  }
  ASSERT_TRUE(waitUntil([&] { return mirror.requestCount() == 3; }));
  auto seen = mirror.lastRequest();
  EXPECT_EQ(seen.header("Host"), "app.example.com-shadow:8080");
  EXPECT_EQ(seen.body.rfind("body-", 0), 0u);
  EXPECT_EQ(main_up.requestCount(), 3u);
}

}  // namespace
}  // namespace meshgate::integration
