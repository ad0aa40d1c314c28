// SPDX-License-Identifier: Apache-2.0
// The upstream side through the real binary: pooled keep-alive reuse (counted at
// the upstream, and with a real nginx), timeouts, and Envoy's 502/503/504 with
// their response flags in the access log.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "testing/nginx.h"
#include "testing/ports.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::HttpConnection;
using testing::httpGet;
using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::UpstreamReply;
using testing::waitUntil;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string routeTo(const std::string& host, const std::string& extra = "") {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n"
         "  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: " +
         host + "}}]\n" + extra;
}

TEST(Upstream, KeepAliveConnectionsAreReused) {
  TestUpstream up;
  MeshgateProcess mg(
      MG_BINARY, baseConfig() + serviceEntry("up", "up.local", up.port()) + routeTo("up.local"));
  uint16_t port = mg.listenerPort("default/main");
  // 200 requests over 20 separate client connections, sequentially.
  for (int c = 0; c < 20; ++c) {
    HttpConnection conn(port);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(conn.send("GET /r HTTP/1.1\r\nHost: x\r\n\r\n"));
      auto r = conn.readResponse();
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200);
    }
  }
  EXPECT_EQ(up.requestCount(), 200u);
  // One pool per worker: at most one connection each for sequential traffic.
  EXPECT_LE(up.connectionsAccepted(), 2u);
  EXPECT_GE(
      mg.metric("meshgate_upstream_connections_created_total{cluster=\"outbound|80||up.local\"}"),
      1);
}

TEST(Upstream, ReusesConnectionsToRealNginx) {
  if (!testing::nginxAvailable()) GTEST_SKIP() << "nginx is not installed";
  testing::NginxServer nginx("location / { return 200 'from nginx'; }");
  MeshgateProcess mg(
      MG_BINARY, baseConfig() + serviceEntry("ng", "ng.local", nginx.port()) + routeTo("ng.local"));
  uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 100; ++i) {
    auto r = httpGet(port, "/n" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    ASSERT_EQ(r->body, "from nginx");
  }
  ASSERT_TRUE(waitUntil([&] { return nginx.accessLog().find("/n99") != std::string::npos; }));
  EXPECT_LE(nginx.distinctConnections(), 2u) << nginx.accessLog();
}

TEST(Upstream, MaxRequestsPerConnectionRotatesConnections) {
  TestUpstream up;
  std::string yaml = baseConfig() + serviceEntry("up", "up.local", up.port()) + R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: up}
spec:
  host: up.local
  trafficPolicy:
    connectionPool:
      http: {maxRequestsPerConnection: 5}
---
)" + routeTo("up.local");
  MeshgateProcess mg(MG_BINARY, yaml, {.concurrency = 1});
  uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 20; ++i) {
    auto r = httpGet(port, "/");
    ASSERT_TRUE(r && r->status == 200);
  }
  EXPECT_EQ(up.connectionsAccepted(), 4u);
}

class UpstreamFailures : public ::testing::Test {
 protected:
  void start(const std::string& yaml_tail) {
    log_ = dir_.file("access.log");
    mg_ = std::make_unique<MeshgateProcess>(MG_BINARY, baseConfig("", log_) + yaml_tail);
    port_ = mg_->listenerPort("default/main");
  }
  // The access log line of the most recent request (bounded wait for the flush).
  std::string lastLogLine(const std::string& must_contain) {
    std::string line;
    waitUntil([&] {
      std::string text = readFile(log_);
      auto end = text.rfind('\n');
      if (end == std::string::npos) return false;
      auto start = text.rfind('\n', end - 1);
      line = text.substr(start == std::string::npos ? 0 : start + 1,
                         end - (start == std::string::npos ? 0 : start + 1));
      return line.find(must_contain) != std::string::npos;
    });
    return line;
  }
  testing::TempDir dir_;
  std::string log_;
  std::unique_ptr<MeshgateProcess> mg_;
  uint16_t port_ = 0;
};

TEST_F(UpstreamFailures, TimeoutIs504UT) {
  TestUpstream slow([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.delay = std::chrono::milliseconds(3000);
    return r;
  });
  start(serviceEntry("slow", "slow.local", slow.port()) +
        routeTo("slow.local", "    timeout: 200ms\n"));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = httpGet(port_, "/slow");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_EQ(r->body, "upstream request timeout");
  EXPECT_GE(took, std::chrono::milliseconds(190));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  std::string line = lastLogLine("/slow");
  EXPECT_NE(line.find("\"response_code\":504"), std::string::npos) << line;
  EXPECT_NE(line.find("\"response_flags\":\"UT\""), std::string::npos) << line;
}

TEST_F(UpstreamFailures, ConnectionRefusedIs503UF) {
  const uint16_t dead = testing::pickFreePort();  // nothing listens there
  start(serviceEntry("dead", "dead.local", dead) + routeTo("dead.local"));
  auto r = httpGet(port_, "/dead");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("upstream connect error or disconnect/reset before headers"),
            std::string::npos)
      << r->body;
  std::string line = lastLogLine("/dead");
  // Istio's default retry policy retries connect failures twice, then gives up (URX).
  EXPECT_NE(line.find("\"response_flags\":\"UF,URX\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"upstream_host\":\"127.0.0.1:" + std::to_string(dead) + "\""),
            std::string::npos)
      << line;
}

TEST_F(UpstreamFailures, ResetBeforeHeadersIs503UC) {
  TestUpstream rude([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.reset = true;
    return r;
  });
  start(serviceEntry("rude", "rude.local", rude.port()) + routeTo("rude.local"));
  auto r = httpGet(port_, "/rude");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  std::string line = lastLogLine("/rude");
  EXPECT_NE(line.find("\"response_flags\":\"UC\""), std::string::npos) << line;
}

TEST_F(UpstreamFailures, MalformedResponseIs502UPE) {
  TestUpstream broken([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello";
    return r;
  });
  start(serviceEntry("broken", "broken.local", broken.port()) + routeTo("broken.local"));
  auto r = httpGet(port_, "/broken");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
  std::string line = lastLogLine("/broken");
  EXPECT_NE(line.find("\"response_flags\":\"UPE\""), std::string::npos) << line;
}

TEST_F(UpstreamFailures, ResetAfterHeadersResetsTheClient) {
  TestUpstream half([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part";
    return r;
  });
  start(serviceEntry("half", "half.local", half.port()) + routeTo("half.local"));
  HttpConnection c(port_);
  ASSERT_TRUE(c.send("GET /half HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The head arrives, the body never completes, and the connection is closed.
  auto r = c.readResponse();
  EXPECT_FALSE(r.has_value());
  std::string line = lastLogLine("/half");
  EXPECT_NE(line.find("\"response_flags\":\"UC\""), std::string::npos) << line;
}

TEST_F(UpstreamFailures, EmptyEndpointSetIs503UH) {
  start(R"(apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: empty}
spec:
  hosts: [empty.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: nothing-yet}}
---
)" + routeTo("empty.local"));
  auto r = httpGet(port_, "/empty");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "no healthy upstream");
  std::string line = lastLogLine("/empty");
  EXPECT_NE(line.find("\"response_flags\":\"UH\""), std::string::npos) << line;
}

TEST_F(UpstreamFailures, PendingOverflowIs503UO) {
  TestUpstream slow([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.delay = std::chrono::milliseconds(800);
    return r;
  });
  start(serviceEntry("slow", "slow.local", slow.port()) + R"(
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: slow}
spec:
  host: slow.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1}
---
)" + routeTo("slow.local"));
  // Three concurrent requests: one uses the only connection, one waits, the third overflows.
  std::vector<int> statuses(3, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      auto r = httpGet(port_, "/c" + std::to_string(i));
      statuses[i] = r ? r->status : -1;
    });
  }
  for (auto& t : threads)
    t.join();
  int ok = 0, overflow = 0;
  for (int s : statuses) {
    ok += s == 200;
    overflow += s == 503;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(overflow, 1);
  EXPECT_EQ(ok + overflow, 3);
}

}  // namespace
}  // namespace meshgate::integration
