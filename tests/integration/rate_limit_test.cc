// SPDX-License-Identifier: Apache-2.0
// Local rate limiting through the real binary: process-wide accuracy with every worker
// busy, per-descriptor budgets (header, client IP through X-Forwarded-For trust), the 429
// and its headers, shadow mode, and buckets that survive a reload.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "testing/ports.h"
#include "testing/temp_dir.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using namespace std::chrono_literals;
using testing::HttpConnection;
using testing::httpGet;
using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::waitUntil;

/// A VirtualService "api" for every host: /tag answers `tag` (to see a reload apply),
/// /limited and /other answer 200 directly, everything else goes to `upstream_host`.
std::string routes(const std::string& tag, const std::string& upstream_host = "") {
  std::string y =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\n"
      "spec:\n  hosts: [\"*\"]\n  http:\n"
      "  - name: tag\n    match: [{uri: {exact: /tag}}]\n"
      "    directResponse: {status: 200, body: {string: \"" +
      tag +
      "\"}}\n"
      "  - name: limited\n    match: [{uri: {prefix: /limited}}]\n"
      "    directResponse: {status: 200, body: {string: ok}}\n"
      "  - name: other\n    match: [{uri: {prefix: /other}}]\n"
      "    directResponse: {status: 200, body: {string: ok}}\n";
  if (!upstream_host.empty())
    y += "  - name: upstream\n    route: [{destination: {host: " + upstream_host + "}}]\n";
  return y + "---\n";
}

std::string policy(const std::string& name, const std::string& spec) {
  return "apiVersion: meshgate.io/v1\nkind: RateLimitPolicy\nmetadata: {name: " + name +
         "}\nspec:\n" + spec + "---\n";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// CPU time (clock ticks) of each worker thread ("mg-worker-N") of process `pid`.
std::map<std::string, uint64_t> workerCpuTicks(pid_t pid) {
  std::map<std::string, uint64_t> out;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(task_dir)) {
    std::string comm = readFile(entry.path().string() + "/comm");
    while (!comm.empty() && comm.back() == '\n')
      comm.pop_back();
    if (comm.rfind("mg-worker-", 0) != 0) continue;
    // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
    const std::string stat = readFile(entry.path().string() + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string field;
    uint64_t utime = 0;
    uint64_t stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    out[comm] = utime + stime;
  }
  return out;
}

int statusOf(uint16_t port, const std::string& target,
             const std::vector<std::string>& headers = {}) {
  auto r = httpGet(port, target, headers);
  return r ? r->status : -1;
}

// Sends GET /limited as fast as it can from several threads, half on keep-alive
// connections and half on a fresh connection per request, and counts the answers.
class Hammer {
 public:
  Hammer(uint16_t port, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, port, t] {
        const bool fresh = t % 2 == 1;
        std::unique_ptr<HttpConnection> conn;
        while (!stop_) {
          if (fresh || !conn || !conn->connected()) conn = std::make_unique<HttpConnection>(port);
          if (!conn->send("GET /limited HTTP/1.1\r\nHost: x\r\n\r\n")) {
            other_++;
            conn.reset();
            continue;
          }
          auto r = conn->readResponse();
          if (!r) {
            other_++;
            conn.reset();
            continue;
          }
          if (r->status == 200) {
            ok_++;
          } else if (r->status == 429) {
            limited_++;
          } else {
            other_++;
          }
          if (r->header("Connection") == "close") conn.reset();
        }
      });
    }
  }
  ~Hammer() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  uint64_t ok() const { return ok_; }
  uint64_t limited() const { return limited_; }
  uint64_t other() const { return other_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> limited_{0};
  std::atomic<uint64_t> other_{0};
  std::vector<std::thread> threads_;
};

TEST(RateLimit, ProcessWideAccuracyWithAllWorkersBusy) {
  constexpr int kRate = 400;
  constexpr int kBurst = 100;
  testing::MeshgateOptions options;
  options.concurrency = 2;
  MeshgateProcess mg(
      MG_BINARY,
      baseConfig() + routes("t") +
          policy("accuracy",
                 "  targets: [{virtualService: api, route: limited}]\n"
                 "  limit: {requestsPerUnit: " +
                     std::to_string(kRate) + ", burst: " + std::to_string(kBurst) + "}\n"),
      options);
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0);

  // Worker threads name themselves once they run.
  ASSERT_TRUE(waitUntil([&] { return workerCpuTicks(mg.process().pid()).size() == 2; }));
  const std::map<std::string, uint64_t> cpu_before = workerCpuTicks(mg.process().pid());
  const auto start = std::chrono::steady_clock::now();
  Hammer hammer(port, 6);
  // Five seconds of load, on a bounded wait for that much wall time to pass.
  waitUntil([&] { return std::chrono::steady_clock::now() - start >= 5s; }, 10s);
  hammer.stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const double expected = kRate * seconds + kBurst;
  const double admitted = static_cast<double>(hammer.ok());
  RecordProperty("admitted", static_cast<int>(hammer.ok()));
  RecordProperty("limited", static_cast<int>(hammer.limited()));
  std::printf("rate limit accuracy: %.2f s, admitted %llu, expected %.0f (%+.2f%%), 429s %llu\n",
              seconds, static_cast<unsigned long long>(hammer.ok()), expected,
              (admitted - expected) / expected * 100,
              static_cast<unsigned long long>(hammer.limited()));
  EXPECT_EQ(hammer.other(), 0u) << "every answer is a 200 or a 429";
  EXPECT_GT(hammer.limited(), hammer.ok())
      << "the load must exceed the limit for the test to mean anything";
  EXPECT_NEAR(admitted, expected, expected * 0.10);
  // Every worker was busy: each did a real part of the work (connections are spread over
  // the workers' SO_REUSEPORT sockets).
  const std::map<std::string, uint64_t> cpu_after = workerCpuTicks(mg.process().pid());
  uint64_t total_ticks = 0;
  for (const auto& [name, ticks] : cpu_after)
    total_ticks += ticks - cpu_before.at(name);
  for (const auto& [name, ticks] : cpu_after) {
    const uint64_t used = ticks - cpu_before.at(name);
    std::printf("  %s: %llu CPU ticks\n", name.c_str(), static_cast<unsigned long long>(used));
    EXPECT_GE(used * 100, total_ticks * 5) << name << " was not busy";
  }
  // The limit is for the process: the workers together admitted it, and /metrics agrees.
  EXPECT_EQ(mg.metric("meshgate_ratelimit_allowed_total{policy=\"default/accuracy\"}"), admitted);
  EXPECT_EQ(mg.metric("meshgate_ratelimit_limited_total{policy=\"default/accuracy\"}"),
            static_cast<double>(hammer.limited()));
  // Other routes are not limited.
  EXPECT_EQ(statusOf(port, "/other"), 200);
}

TEST(RateLimit, EachDescriptorValueHasItsOwnBudget) {
  MeshgateProcess mg(MG_BINARY, baseConfig("  xff: {useRemoteAddress: true, trustedHops: 1}\n") +
                                    routes("t") +
                                    policy("per-tenant",
                                           "  targets: [{virtualService: api, route: limited}]\n"
                                           "  descriptors: [{header: x-tenant}]\n"
                                           "  limit: {requestsPerUnit: 3, unit: MINUTE}\n") +
                                    policy("per-client",
                                           "  targets: [{virtualService: api, route: other}]\n"
                                           "  descriptors: [{clientIp: true}]\n"
                                           "  limit: {requestsPerUnit: 2, unit: HOUR}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  auto tenant = [&](const std::string& t) {
    return statusOf(port, "/limited", {"x-tenant: " + t});
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(tenant("a"), 200);
    EXPECT_EQ(tenant("b"), 200);
  }
  EXPECT_EQ(tenant("a"), 429);
  EXPECT_EQ(tenant("b"), 429);
  EXPECT_EQ(tenant("c"), 200);
  // Without the header the policy does not apply (Envoy skips an absent header descriptor).
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(statusOf(port, "/limited"), 200);
  EXPECT_EQ(mg.metric("meshgate_ratelimit_descriptor_missing_total{policy=\"default/per-tenant\"}"),
            5);

  // Client IP after X-Forwarded-For trust (one trusted hop): the entry that proxy added.
  auto from = [&](const std::string& xff) {
    return statusOf(port, "/other", {"x-forwarded-for: " + xff});
  };
  EXPECT_EQ(from("203.0.113.1"), 200);
  EXPECT_EQ(from("198.51.100.7, 203.0.113.1"), 200) << "only the trusted entry counts";
  EXPECT_EQ(from("203.0.113.1"), 429);
  EXPECT_EQ(from("203.0.113.2"), 200);
  EXPECT_EQ(from("203.0.113.2"), 200);
  EXPECT_EQ(from("203.0.113.2"), 429);
  // No X-Forwarded-For: the TCP peer (127.0.0.1) is the client.
  EXPECT_EQ(statusOf(port, "/other"), 200);
  EXPECT_EQ(statusOf(port, "/other"), 200);
  EXPECT_EQ(statusOf(port, "/other"), 429);
}

TEST(RateLimit, HostAndPathTargetsSelectRequests) {
  MeshgateProcess mg(MG_BINARY, baseConfig() + routes("t") +
                                    policy("api-host",
                                           "  targets: [{hosts: [api.example.com], path: {prefix: "
                                           "/limited/v1}}]\n"
                                           "  limit: {requestsPerUnit: 1, unit: HOUR}\n"));
  const uint16_t port = mg.listenerPort("default/main");
  auto get = [&](const std::string& host, const std::string& path) {
    return statusOf(port, path, {"Host: " + host});
  };
  EXPECT_EQ(get("api.example.com", "/limited/v1/a"), 200);
  EXPECT_EQ(get("API.example.com:8080", "/limited/v1/b"), 429)
      << "host match ignores case and port";
  // Another host, or another path of the same host: not this policy's requests.
  EXPECT_EQ(get("www.example.com", "/limited/v1/a"), 200);
  EXPECT_EQ(get("www.example.com", "/limited/v1/a"), 200);
  EXPECT_EQ(get("api.example.com", "/limited/v2"), 200);
  EXPECT_EQ(get("api.example.com", "/other"), 200);
  EXPECT_EQ(mg.metric("meshgate_ratelimit_allowed_total{policy=\"default/api-host\"}"), 1);
  EXPECT_EQ(mg.metric("meshgate_ratelimit_limited_total{policy=\"default/api-host\"}"), 1);
}

TEST(RateLimit, LimitedResponseHeadersRetryAfterAndAccessLog) {
  testing::TempDir logs;
  const std::string log_path = logs.file("access.log");
  TestUpstream up;
  MeshgateProcess mg(MG_BINARY, baseConfig("", log_path) +
                                    serviceEntry("up", "up.local", up.port()) +
                                    routes("t", "up.local") +
                                    policy("two-a-minute",
                                           "  targets: [{virtualService: api, route: upstream}]\n"
                                           "  limit: {requestsPerUnit: 2, unit: MINUTE}\n") +
                                    policy("quiet",
                                           "  targets: [{virtualService: api, route: limited}]\n"
                                           "  limit: {requestsPerUnit: 1, unit: HOUR}\n"
                                           "  responseHeaders: false\n"));
  const uint16_t port = mg.listenerPort("default/main");

  auto r = httpGet(port, "/from-upstream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("x-ratelimit-limit"), "2");
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "1");
  EXPECT_EQ(r->header("x-ratelimit-reset"), "30");  // one token missing at 2/minute
  EXPECT_FALSE(r->hasHeader("retry-after"));
  r = httpGet(port, "/from-upstream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "0");
  // Full again 60 s after the first request (less the time between the two, rounded up).
  EXPECT_GE(std::stoi(r->header("x-ratelimit-reset")), 59);
  EXPECT_LE(std::stoi(r->header("x-ratelimit-reset")), 60);

  r = httpGet(port, "/from-upstream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->body, "local_rate_limited");
  EXPECT_EQ(r->header("x-ratelimit-limit"), "2");
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "0");
  const int retry_after = std::stoi(r->header("retry-after"));
  EXPECT_GE(retry_after, 29);  // the next token is due 30 s after the first request
  EXPECT_LE(retry_after, 30);
  const int reset = std::stoi(r->header("x-ratelimit-reset"));
  EXPECT_GE(reset, 59);
  EXPECT_LE(reset, 60);
  EXPECT_EQ(up.requestCount(), 2u) << "a limited request never reaches the upstream";

  // responseHeaders: false hides the headers on allowed responses, not on 429s.
  r = httpGet(port, "/limited");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->hasHeader("x-ratelimit-limit"));
  r = httpGet(port, "/limited");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->header("x-ratelimit-limit"), "1");
  EXPECT_EQ(r->header("retry-after"), "3600");

  // The access log: response flag RL, details, and which policy limited the request.
  ASSERT_TRUE(waitUntil([&] {
    const std::string log = readFile(log_path);
    return log.find("\"limited_by\":\"default/quiet\"") != std::string::npos;
  })) << readFile(log_path);
  const std::string log = readFile(log_path);
  EXPECT_NE(log.find("\"response_code\":429,\"response_flags\":\"RL\","
                     "\"response_code_details\":\"local_rate_limited\""),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("\"rate_limit\":{\"limited_by\":\"default/two-a-minute\"}"), std::string::npos)
      << log;
}

TEST(RateLimit, ShadowModeCountsAndLogsButNeverRejects) {
  testing::TempDir logs;
  const std::string log_path = logs.file("access.log");
  MeshgateProcess mg(MG_BINARY, baseConfig("", log_path) + routes("t") +
                                    policy("trial",
                                           "  targets: [{virtualService: api, route: limited}]\n"
                                           "  limit: {requestsPerUnit: 2, unit: HOUR}\n"
                                           "  shadowMode: true\n"));
  const uint16_t port = mg.listenerPort("default/main");
  for (int i = 0; i < 6; ++i) {
    auto r = httpGet(port, "/limited");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->hasHeader("x-ratelimit-limit")) << "a shadow policy is invisible to clients";
  }
  EXPECT_EQ(mg.metric("meshgate_ratelimit_allowed_total{policy=\"default/trial\"}"), 2);
  EXPECT_EQ(mg.metric("meshgate_ratelimit_shadow_limited_total{policy=\"default/trial\"}"), 4);
  EXPECT_EQ(mg.metric("meshgate_ratelimit_limited_total{policy=\"default/trial\"}"), 0);
  ASSERT_TRUE(waitUntil([&] {
    const std::string log = readFile(log_path);
    size_t n = 0;
    for (size_t at = log.find("\"shadow_limited_by\":[\"default/trial\"]"); at != std::string::npos;
         at = log.find("\"shadow_limited_by\":[\"default/trial\"]", at + 1))
      ++n;
    return n == 4;
  })) << readFile(log_path);
  EXPECT_EQ(readFile(log_path).find("\"response_code\":429"), std::string::npos);
}

TEST(RateLimit, ReloadKeepsTheBucketUnlessTheLimitChanges) {
  const auto limited_policy = [](const std::string& limit, const std::string& extra) {
    return policy("reload",
                  "  targets: [{virtualService: api, route: limited}]\n"
                  "  descriptors: [{header: x-user}]\n"
                  "  limit: " +
                      limit + "\n" + extra);
  };
  MeshgateProcess mg(MG_BINARY, baseConfig() + routes("gen-0") +
                                    limited_policy("{requestsPerUnit: 3, unit: HOUR}", ""));
  const uint16_t port = mg.listenerPort("default/main");
  auto user = [&](const std::string& u) { return statusOf(port, "/limited", {"x-user: " + u}); };
  auto tag = [&] {
    auto r = httpGet(port, "/tag");
    return r ? r->body : "";
  };
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(user("alice"), 200);
  EXPECT_EQ(user("alice"), 429);
  EXPECT_EQ(user("bob"), 200);

  // Same limit and descriptors; other routes, the targets' form and shadowMode: false spelled
  // out change. The bucket (and alice's empty budget) survives.
  mg.writeConfig(baseConfig() + routes("gen-1") +
                 limited_policy("{requestsPerUnit: 3, unit: HOUR, burst: 3}",
                                "  shadowMode: false\n  responseHeaders: true\n"));
  ASSERT_TRUE(waitUntil([&] { return tag() == "gen-1"; })) << mg.process().stderrText();
  EXPECT_EQ(user("alice"), 429) << "a reload must not hand out a fresh burst";
  EXPECT_EQ(user("bob"), 200);
  EXPECT_EQ(user("bob"), 200);
  EXPECT_EQ(user("bob"), 429);

  // A new limit: new buckets, full.
  mg.writeConfig(baseConfig() + routes("gen-2") +
                 limited_policy("{requestsPerUnit: 4, unit: HOUR}", ""));
  ASSERT_TRUE(waitUntil([&] { return tag() == "gen-2"; })) << mg.process().stderrText();
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(user("alice"), 200);
  EXPECT_EQ(user("alice"), 429);
  EXPECT_GE(mg.metric("meshgate_config_reloads_total{result=\"success\"}"), 2);
}

TEST(RateLimit, ExampleConfigValidates) {
  auto r = testing::runCommand(
      {MG_BINARY, "validate", std::string(MG_SOURCE_DIR) + "/examples/rate_limit.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace meshgate::integration
