// SPDX-License-Identifier: Apache-2.0
// The process lifecycle through the real binary: hot reload (file change and
// SIGHUP) under continuous load with zero failed requests, a bad config rejected
// with file:line while traffic continues, SIGTERM drain, the admin endpoints and
// the JSON access log.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

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

std::string routeWithBody(const std::string& upstream_host, const std::string& tag) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n"
         "  hosts: [\"*\"]\n  http:\n  - name: tag\n    match: [{uri: {exact: /tag}}]\n"
         "    directResponse: {status: 200, body: {string: \"" +
         tag + "\"}}\n  - route: [{destination: {host: " + upstream_host + "}}]\n";
}

// Sends requests continuously from several threads (new connections and
// keep-alive ones) and counts anything that is not a 200.
class LoadGenerator {
 public:
  explicit LoadGenerator(uint16_t port) : port_(port) {
    for (int t = 0; t < 3; ++t) {
      threads_.emplace_back([this, t] {
        std::unique_ptr<HttpConnection> conn;
        while (!stop_) {
          if (t == 0 || !conn || !conn->connected()) conn = std::make_unique<HttpConnection>(port_);
          if (!conn->send("GET /load HTTP/1.1\r\nHost: x\r\n\r\n")) {
            failures_++;
            conn.reset();
            continue;
          }
          auto r = conn->readResponse();
          if (!r || r->status != 200) {
            failures_++;
            conn.reset();
          } else {
            ok_++;
            if (r->header("Connection") == "close") conn.reset();
          }
        }
      });
    }
  }
  ~LoadGenerator() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  uint64_t ok() const { return ok_; }
  uint64_t failures() const { return failures_; }

 private:
  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> failures_{0};
  std::vector<std::thread> threads_;
};

std::string tagOf(uint16_t port) {
  auto r = httpGet(port, "/tag");
  return r ? r->body : "";
}

TEST(Lifecycle, ReloadUnderLoadDropsNothingAndBadConfigIsRejected) {
  TestUpstream up;
  const std::string base = baseConfig() + serviceEntry("up", "up.local", up.port());
  MeshgateProcess mg(MG_BINARY, base + routeWithBody("up.local", "gen-0"));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_EQ(tagOf(port), "gen-0");

  LoadGenerator load(port);
  ASSERT_TRUE(waitUntil([&] { return load.ok() > 50; }));
  for (int gen = 1; gen <= 6; ++gen) {
    const std::string tag = "gen-" + std::to_string(gen);
    mg.writeConfig(base + routeWithBody("up.local", tag));
    if (gen % 2 == 0) mg.process().signal(SIGHUP);  // half by SIGHUP, half by inotify
    ASSERT_TRUE(waitUntil([&] { return tagOf(port) == tag; }))
        << "reload " << gen << " did not apply; meshgate running: " << mg.process().running()
        << "\n"
        << mg.process().stderrText();
    const uint64_t at = load.ok();
    ASSERT_TRUE(waitUntil([&] { return load.ok() > at + 20; }))
        << "load stalled after reload " << gen << " (ok " << load.ok() << ", failed "
        << load.failures() << ")\n"
        << mg.process().stderrText();
  }

  // A bad config: rejected with file:line:col, the old one keeps serving.
  mg.writeConfig(
      base +
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad}\n"
      "spec:\n  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: nowhere.local}}]\n"
      "    tiemout: 1s\n");
  ASSERT_TRUE(waitUntil(
      [&] { return mg.metric("meshgate_config_reloads_total{result=\"failure\"}") >= 1; }));
  EXPECT_TRUE(mg.process().waitForOutput("config.yaml:"));
  const std::string err = mg.process().stderrText();
  EXPECT_NE(err.find("rejected"), std::string::npos) << err;
  EXPECT_NE(err.find("tiemout"), std::string::npos) << err;
  EXPECT_EQ(tagOf(port), "gen-6");
  const uint64_t at = load.ok();
  ASSERT_TRUE(waitUntil([&] { return load.ok() > at + 20; }));

  load.stop();
  EXPECT_EQ(load.failures(), 0u) << "requests failed during reloads (" << load.ok()
                                 << " succeeded)";
  EXPECT_GE(mg.metric("meshgate_config_reloads_total{result=\"success\"}"), 6);
}

TEST(Lifecycle, InFlightRequestFinishesOnItsConfigAcrossReload) {
  TestUpstream slow([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.delay = std::chrono::milliseconds(600);
    r.body = "slow-done";
    return r;
  });
  const std::string base = baseConfig() + serviceEntry("slow", "slow.local", slow.port());
  MeshgateProcess mg(MG_BINARY, base + routeWithBody("slow.local", "before"));
  const uint16_t port = mg.listenerPort("default/main");
  HttpConnection c(port);
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(waitUntil([&] { return slow.requestCount() == 1; }));
  // Remove the route the in-flight request uses.
  mg.writeConfig(baseConfig() +
                 "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\n"
                 "spec:\n  hosts: [\"*\"]\n  http:\n  - directResponse: {status: 200, body: "
                 "{string: after}}\n");
  mg.process().signal(SIGHUP);
  ASSERT_TRUE(waitUntil([&] { return tagOf(port) == "after"; }));
  auto r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow-done");
  // The same keep-alive connection now runs on the new config.
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "after");
}

TEST(Lifecycle, SigtermDrainsInFlightRequestsAndExitsZero) {
  TestUpstream slow([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.delay = std::chrono::milliseconds(700);
    r.body = "finished";
    return r;
  });
  MeshgateProcess mg(MG_BINARY, baseConfig("  drainTimeout: 5s\n") +
                                    serviceEntry("slow", "slow.local", slow.port()) +
                                    routeWithBody("slow.local", "x"));
  const uint16_t port = mg.listenerPort("default/main");
  HttpConnection busy(port);
  ASSERT_TRUE(busy.send("GET /work HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(waitUntil([&] { return slow.requestCount() == 1; }));
  HttpConnection idle(port);
  ASSERT_TRUE(idle.connected());
  mg.process().signal(SIGTERM);
  // Admin reports not ready while draining; the idle connection is closed.
  EXPECT_TRUE(waitUntil([&] {
    auto r = mg.admin("/ready");
    return !r || r->status == 503;
  }));
  EXPECT_TRUE(idle.waitForClose());
  auto r = busy.readResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(r->header("Connection"), "close");
  auto status = mg.process().wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(mg.process().exitCode(), 0);
  // Nothing listens any more.
  EXPECT_FALSE(testing::waitForTcpPort(port, std::chrono::milliseconds(200)));
}

TEST(Lifecycle, DrainDeadlineClosesStragglers) {
  TestUpstream stuck([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.delay = std::chrono::milliseconds(8000);
    return r;
  });
  MeshgateProcess mg(MG_BINARY, baseConfig("  drainTimeout: 300ms\n") +
                                    serviceEntry("stuck", "stuck.local", stuck.port()) +
                                    routeWithBody("stuck.local", "x"));
  HttpConnection busy(mg.listenerPort("default/main"));
  ASSERT_TRUE(busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(waitUntil([&] { return stuck.requestCount() == 1; }));
  const auto t0 = std::chrono::steady_clock::now();
  mg.process().signal(SIGTERM);
  ASSERT_TRUE(mg.process().wait(std::chrono::seconds(5)).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(mg.process().exitCode(), 0);
  EXPECT_TRUE(busy.waitForClose());
}

TEST(Lifecycle, AdminEndpoints) {
  TestUpstream up;
  MeshgateProcess mg(MG_BINARY, baseConfig() + serviceEntry("up", "up.local", up.port()) +
                                    routeWithBody("up.local", "t"));
  const uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(httpGet(port, "/x"));
  auto ready = mg.admin("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto metrics = mg.admin("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("# TYPE meshgate_http_requests_total counter"), std::string::npos);
  EXPECT_EQ(
      mg.metric("meshgate_http_requests_total{listener=\"default/main\",route=\"default/r/1\","
                "cluster=\"outbound|80||up.local\",status_class=\"2xx\"}"),
      3);
  EXPECT_NE(
      metrics->body.find("meshgate_http_request_duration_seconds_bucket{listener=\"default/main\""),
      std::string::npos);
  EXPECT_GE(mg.metric("meshgate_upstream_connections_active{cluster=\"outbound|80||up.local\"}"),
            1);
  // Busy polling is off unless asked for: the series exists and stays at zero.
  EXPECT_EQ(mg.metric("meshgate_worker_empty_polls_total"), 0);
  auto dump = mg.admin("/config_dump");
  ASSERT_TRUE(dump);
  EXPECT_EQ(dump->header("Content-Type"), "application/json");
  EXPECT_NE(dump->body.find("\"version\":\""), std::string::npos);
  EXPECT_NE(dump->body.find("up.local"), std::string::npos);
  auto clusters = mg.admin("/clusters");
  ASSERT_TRUE(clusters);
  EXPECT_NE(clusters->body.find("\"address\":\"127.0.0.1:" + std::to_string(up.port()) + "\""),
            std::string::npos);
  auto missing = mg.admin("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

// `run --busy-poll`: requests flow as without it, and the polls that found
// nothing (the option's CPU price) are counted.
TEST(Lifecycle, BusyPollingWorkersServeAndCountTheirPolls) {
  TestUpstream up;
  MeshgateProcess mg(
      MG_BINARY,
      baseConfig() + serviceEntry("up", "up.local", up.port()) + routeWithBody("up.local", "t"),
      {.concurrency = 1, .extra_args = {"--busy-poll", "2ms"}});
  const uint16_t port = mg.listenerPort("default/main");
  HttpConnection conn(port);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(conn.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = conn.readResponse();
    ASSERT_TRUE(r) << "request " << i;
    ASSERT_EQ(r->status, 200);
  }
  // Published by the worker's housekeeping (every 100 ms): bounded wait.
  EXPECT_TRUE(waitUntil([&] { return mg.metric("meshgate_worker_empty_polls_total") > 0; }));
  EXPECT_EQ(up.connectionsAccepted(), 1u);  // one pooled upstream connection, as without polling
  // The start-up banner says that the workers poll, and how long.
  EXPECT_TRUE(mg.process().waitForOutput("1 worker (busy poll 2ms), config"))
      << mg.process().stdoutText();
}

TEST(Lifecycle, AccessLogHasOneJsonLinePerRequest) {
  testing::TempDir dir;
  const std::string log = dir.file("access.log");
  TestUpstream up;
  MeshgateProcess mg(MG_BINARY, baseConfig("", log) + serviceEntry("up", "up.local", up.port()) +
                                    routeWithBody("up.local", "t"));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_TRUE(httpGet(port, "/logged?a=1", {"User-Agent: tester", "X-Request-Id: rid-1"}));
  ASSERT_TRUE(httpGet(port, "/tag"));
  std::string text;
  ASSERT_TRUE(waitUntil([&] {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    return std::count(text.begin(), text.end(), '\n') >= 2;
  }));
  // Two workers may log in either order (a line is written when its request
  // completes, on the worker that served it): take the first request's line.
  std::istringstream lines(text);
  std::string first;
  int lines_seen = 0;
  for (std::string line; std::getline(lines, line); ++lines_seen) {
    if (line.find("/logged") != std::string::npos) first = line;
  }
  EXPECT_EQ(lines_seen, 2) << text;
  ASSERT_FALSE(first.empty()) << text;
  for (const char* field :
       {"\"method\":\"GET\"", "\"path\":\"/logged?a=1\"", "\"response_code\":200",
        "\"response_flags\":\"-\"", "\"request_id\":\"rid-1\"", "\"user_agent\":\"tester\"",
        "\"upstream_cluster\":\"outbound|80||up.local\"", "\"route_name\":\"default/r/1\"",
        "\"duration\":", "\"bytes_sent\":2", "\"start_time\":\"20"}) {
    EXPECT_NE(first.find(field), std::string::npos) << field << " missing in " << first;
  }
  EXPECT_EQ(first.front(), '{');
  EXPECT_EQ(first.back(), '}');
}

TEST(Lifecycle, InvalidStartupConfigExitsOneWithPositions) {
  testing::TempDir dir;
  const std::string path =
      dir.write("bad.yaml", baseConfig() +
                                "apiVersion: networking.istio.io/v1\n"
                                "kind: VirtualService\nmetadata: {name: v}\nspec:\n"
                                "  hosts: [\"*\"]\n  http:\n  - route: 7\n");
  auto r = testing::runCommand({MG_BINARY, "run", "-c", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.yaml:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace meshgate::integration
