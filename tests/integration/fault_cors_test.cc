// SPDX-License-Identifier: Apache-2.0
// Fault injection and CORS through the real binary.
#include <gtest/gtest.h>

#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::httpGet;
using testing::httpRequest;
using testing::MeshgateProcess;
using testing::TestUpstream;

TEST(FaultInjection, AbortAndDelayAsConfigured) {
  TestUpstream up;
  std::string yaml = baseConfig() + serviceEntry("up", "up.local", up.port()) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: faults}
spec:
  hosts: ["*"]
  http:
  - name: abort
    match: [{uri: {prefix: /abort}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: up.local}}]
  - name: delay
    match: [{uri: {prefix: /delay}}]
    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
    route: [{destination: {host: up.local}}]
  - name: never
    match: [{uri: {prefix: /never}}]
    fault: {abort: {httpStatus: 500, percentage: {value: 0}}}
    route: [{destination: {host: up.local}}]
)";
  MeshgateProcess mg(MG_BINARY, yaml);
  const uint16_t port = mg.listenerPort("default/main");
  auto r = httpGet(port, "/abort");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->body, "fault filter abort");
  EXPECT_EQ(up.requestCount(), 0u);

  const auto t0 = std::chrono::steady_clock::now();
  r = httpGet(port, "/delay");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(290));
  EXPECT_EQ(up.requestCount(), 1u);

  for (int i = 0; i < 20; ++i) {
    r = httpGet(port, "/never");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(mg.metric("meshgate_fault_aborts_injected_total{listener=\"default/"
                      "main\",route=\"default/faults/abort\"}"),
            1);
  EXPECT_EQ(mg.metric("meshgate_fault_delays_injected_total{listener=\"default/"
                      "main\",route=\"default/faults/delay\"}"),
            1);
}

TEST(Cors, PreflightAndActualRequests) {
  TestUpstream up;
  std::string yaml = baseConfig() + serviceEntry("up", "up.local", up.port()) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cors}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: up.local}}]
    corsPolicy:
      allowOrigins: [{exact: "https://app.example.com"}]
      allowMethods: [GET, POST]
      allowHeaders: [authorization]
      exposeHeaders: [x-trace]
      maxAge: 24h
      allowCredentials: true
)";
  MeshgateProcess mg(MG_BINARY, yaml);
  const uint16_t port = mg.listenerPort("default/main");
  auto pre =
      httpRequest(port, "OPTIONS", "/api",
                  {"Origin: https://app.example.com", "Access-Control-Request-Method: POST"});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 200);
  EXPECT_EQ(pre->header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(pre->header("Access-Control-Allow-Methods"), "GET,POST");
  EXPECT_EQ(pre->header("Access-Control-Max-Age"), "86400");
  EXPECT_EQ(up.requestCount(), 0u) << "an allowed preflight is answered by the proxy";

  auto actual = httpGet(port, "/api", {"Origin: https://app.example.com"});
  ASSERT_TRUE(actual);
  EXPECT_EQ(actual->header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(actual->header("Access-Control-Expose-Headers"), "x-trace");
  auto other = httpGet(port, "/api", {"Origin: https://evil.example.com"});
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->hasHeader("Access-Control-Allow-Origin"));
}

}  // namespace
}  // namespace meshgate::integration
