// SPDX-License-Identifier: Apache-2.0
// Routing through the real binary: every VirtualService match type, weights,
// subsets and load-balancing policies, rewrites, redirects, direct responses and
// header operations.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::HttpConnection;
using testing::httpGet;
using testing::httpRequest;
using testing::MeshgateProcess;
using testing::TestUpstream;

class RoutingTest : public ::testing::Test {
 protected:
  // Routes are checked through direct responses whose body names the route, so a
  // wrong match is visible as a wrong body.
  void SetUp() override {
    std::string yaml = baseConfig() + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: matches}
spec:
  hosts: ["*"]
  http:
  - name: exact
    match: [{uri: {exact: /exact}}]
    directResponse: {status: 200, body: {string: exact}}
  - name: prefix
    match: [{uri: {prefix: /pre/}}]
    directResponse: {status: 200, body: {string: prefix}}
  - name: regex
    match: [{uri: {regex: "/items/[0-9]+"}}]
    directResponse: {status: 200, body: {string: regex}}
  - name: method
    match: [{uri: {exact: /m}, method: {exact: DELETE}}]
    directResponse: {status: 200, body: {string: method}}
  - name: authority
    match: [{authority: {exact: special.example.com}}]
    directResponse: {status: 200, body: {string: authority}}
  - name: header-exact
    match: [{headers: {x-env: {exact: canary}}}]
    directResponse: {status: 200, body: {string: header-exact}}
  - name: header-prefix
    match: [{headers: {x-user: {prefix: admin-}}}]
    directResponse: {status: 200, body: {string: header-prefix}}
  - name: header-regex
    match: [{headers: {x-id: {regex: "[a-f]{4}"}}}]
    directResponse: {status: 200, body: {string: header-regex}}
  - name: query
    match: [{uri: {exact: /q}, queryParams: {mode: {exact: fast}}}]
    directResponse: {status: 200, body: {string: query}}
  - name: ignore-case
    match: [{uri: {prefix: /caseless}, ignoreUriCase: true}]
    directResponse: {status: 200, body: {string: ignore-case}}
  - name: or-blocks
    match:
    - uri: {exact: /or-a}
    - uri: {exact: /or-b}
    directResponse: {status: 200, body: {string: or-blocks}}
  - name: without
    match: [{uri: {exact: /w}, withoutHeaders: {x-block: {exact: "yes"}}}]
    directResponse: {status: 200, body: {string: without}}
  - name: fallback
    directResponse: {status: 200, body: {string: fallback}}
)";
    mg_ = std::make_unique<MeshgateProcess>(MG_BINARY, yaml);
    port_ = mg_->listenerPort("default/main");
    ASSERT_NE(port_, 0);
  }

  std::string body(const std::string& method, const std::string& target,
                   const std::vector<std::string>& headers = {}) {
    auto r = httpRequest(port_, method, target, headers);
    if (!r) return "<no response>";
    return r->body;
  }

  std::unique_ptr<MeshgateProcess> mg_;
  uint16_t port_ = 0;
};

TEST_F(RoutingTest, EachMatchTypeSelectsItsRoute) {
  EXPECT_EQ(body("GET", "/exact"), "exact");
  EXPECT_EQ(body("GET", "/exact/more"), "fallback");
  EXPECT_EQ(body("GET", "/pre/x/y"), "prefix");
  EXPECT_EQ(body("GET", "/items/42"), "regex");
  EXPECT_EQ(body("GET", "/items/42x"), "fallback") << "regex is a full match";
  EXPECT_EQ(body("DELETE", "/m"), "method");
  EXPECT_EQ(body("GET", "/m"), "fallback");
  EXPECT_EQ(body("GET", "/", {"Host: special.example.com"}), "authority");
  EXPECT_EQ(body("GET", "/", {"X-Env: canary"}), "header-exact");
  EXPECT_EQ(body("GET", "/", {"X-Env: prod"}), "fallback");
  EXPECT_EQ(body("GET", "/", {"X-User: admin-bob"}), "header-prefix");
  EXPECT_EQ(body("GET", "/", {"X-Id: beef"}), "header-regex");
  EXPECT_EQ(body("GET", "/", {"X-Id: beefy"}), "fallback");
  EXPECT_EQ(body("GET", "/q?mode=fast"), "query");
  EXPECT_EQ(body("GET", "/q?mode=slow"), "fallback");
  EXPECT_EQ(body("GET", "/q?x=1&mode=fast"), "query");
  EXPECT_EQ(body("GET", "/CaseLess/X"), "ignore-case");
  EXPECT_EQ(body("GET", "/or-a"), "or-blocks");
  EXPECT_EQ(body("GET", "/or-b"), "or-blocks");
  EXPECT_EQ(body("GET", "/w"), "without");
  EXPECT_EQ(body("GET", "/w", {"X-Block: yes"}), "fallback");
}

TEST_F(RoutingTest, FirstMatchWinsInOrder) {
  // Matches both "exact" and the later header route: the earlier one wins.
  EXPECT_EQ(body("GET", "/exact", {"X-Env: canary"}), "exact");
}

TEST_F(RoutingTest, PathIsNormalizedBeforeMatching) {
  EXPECT_EQ(body("GET", "/x/../exact"), "exact");
  EXPECT_EQ(body("GET", "/%65xact"), "exact");
}

TEST(Routing, NoVirtualHostIs404WithNoRouteFlag) {
  TestUpstream up;
  std::string yaml = baseConfig() + serviceEntry("a", "a.local", up.port()) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: only-a}
spec:
  hosts: [a.local]
  http:
  - route: [{destination: {host: a.local}}]
)";
  MeshgateProcess mg(MG_BINARY, yaml);
  uint16_t port = mg.listenerPort("default/main");
  auto r = httpGet(port, "/", {"Host: b.local"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(up.requestCount(), 0u);
  auto ok = httpGet(port, "/", {"Host: a.local"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(up.requestCount(), 1u);
}

TEST(Routing, WeightsSplitTrafficWithinTolerance) {
  TestUpstream a(namedReply("a"));
  TestUpstream b(namedReply("b"));
  std::string yaml = baseConfig() + serviceEntry("a", "a.local", a.port()) +
                     serviceEntry("b", "b.local", b.port()) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: split}
spec:
  hosts: ["*"]
  http:
  - route:
    - destination: {host: a.local}
      weight: 80
    - destination: {host: b.local}
      weight: 20
)";
  MeshgateProcess mg(MG_BINARY, yaml);
  uint16_t port = mg.listenerPort("default/main");
  std::map<std::string, int> counts;
  HttpConnection c(port);
  constexpr int kRequests = 2000;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.readResponse();
    ASSERT_TRUE(r);
    counts[r->body]++;
  }
  // Binomial(2000, 0.2): sd ~ 18; allow about 4 sd.
  EXPECT_NEAR(counts["a"], 1600, 75);
  EXPECT_NEAR(counts["b"], 400, 75);
}

class LbTest : public ::testing::Test {
 protected:
  void start(const std::string& traffic_policy, const std::string& route_extra = "") {
    for (int i = 0; i < 3; ++i) {
      ups_.push_back(std::make_unique<TestUpstream>(namedReply("e" + std::to_string(i))));
    }
    std::string yaml =
        baseConfig() +
        serviceEntry("svc", "svc.local",
                     {{ups_[0]->port(), "{version: v1}"},
                      {ups_[1]->port(), "{version: v1}"},
                      {ups_[2]->port(), "{version: v2}"}}) +
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: svc}\nspec:\n"
        "  host: svc.local\n  trafficPolicy:\n" +
        traffic_policy +
        "  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v2\n    labels: {version: "
        "v2}\n"
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: "
        "svc}\nspec:\n"
        "  hosts: [\"*\"]\n  http:\n" +
        route_extra + "  - route: [{destination: {host: svc.local}}]\n";
    mg_ = std::make_unique<MeshgateProcess>(MG_BINARY, yaml);
    port_ = mg_->listenerPort("default/main");
  }

  std::map<std::string, int> spread(int n, const std::vector<std::string>& headers = {},
                                    const std::string& path = "/") {
    std::map<std::string, int> counts;
    for (int i = 0; i < n; ++i) {
      auto r = httpGet(port_, path, headers);
      if (r) counts[r->body]++;
    }
    return counts;
  }

  std::vector<std::unique_ptr<TestUpstream>> ups_;
  std::unique_ptr<MeshgateProcess> mg_;
  uint16_t port_ = 0;
};

TEST_F(LbTest, SubsetsRouteOnlyToTheirEndpoints) {
  start("    loadBalancer: {simple: ROUND_ROBIN}\n",
        "  - match: [{headers: {x-version: {exact: v2}}}]\n    route: [{destination: {host: "
        "svc.local, subset: v2}}]\n"
        "  - match: [{headers: {x-version: {exact: v1}}}]\n    route: [{destination: {host: "
        "svc.local, subset: v1}}]\n");
  auto v2 = spread(30, {"X-Version: v2"});
  EXPECT_EQ(v2.size(), 1u);
  EXPECT_EQ(v2["e2"], 30);
  auto v1 = spread(30, {"X-Version: v1"});
  EXPECT_EQ(v1.count("e2"), 0u);
  EXPECT_EQ(v1["e0"] + v1["e1"], 30);
}

TEST_F(LbTest, RoundRobinSpreadsEvenly) {
  start("    loadBalancer: {simple: ROUND_ROBIN}\n");
  auto counts = spread(300);
  ASSERT_EQ(counts.size(), 3u);
  // Two workers each run their own round robin, so each endpoint gets close to a third.
  for (auto& [k, v] : counts)
    EXPECT_NEAR(v, 100, 25) << k;
}

TEST_F(LbTest, RandomReachesEveryEndpoint) {
  start("    loadBalancer: {simple: RANDOM}\n");
  auto counts = spread(300);
  ASSERT_EQ(counts.size(), 3u);
  for (auto& [k, v] : counts)
    EXPECT_NEAR(v, 100, 45) << k;
}

TEST_F(LbTest, LeastRequestReachesEveryEndpoint) {
  start("    loadBalancer: {simple: LEAST_REQUEST}\n");
  auto counts = spread(300);
  ASSERT_EQ(counts.size(), 3u);
  for (auto& [k, v] : counts)
    EXPECT_GT(v, 40) << k;
}

TEST_F(LbTest, ConsistentHashOnHeaderIsSticky) {
  start("    loadBalancer: {consistentHash: {httpHeaderName: x-user}}\n");
  std::map<std::string, std::string> seen;
  std::set<std::string> endpoints;
  for (int u = 0; u < 30; ++u) {
    const std::string user = "X-User: user-" + std::to_string(u);
    auto counts = spread(5, {user});
    ASSERT_EQ(counts.size(), 1u) << user << " moved between endpoints";
    endpoints.insert(counts.begin()->first);
  }
  EXPECT_GE(endpoints.size(), 2u) << "30 users all hashed to one endpoint";
}

TEST_F(LbTest, ConsistentHashOnCookieIsSticky) {
  start("    loadBalancer: {consistentHash: {httpCookie: {name: session, ttl: 0s}}}\n");
  for (int u = 0; u < 10; ++u) {
    auto counts = spread(4, {"Cookie: a=b; session=s" + std::to_string(u)});
    EXPECT_EQ(counts.size(), 1u);
  }
}

TEST_F(LbTest, ConsistentHashOnSourceIpIsSticky) {
  start("    loadBalancer: {consistentHash: {useSourceIp: true}}\n");
  auto counts = spread(20);
  EXPECT_EQ(counts.size(), 1u) << "one client address must stick to one endpoint";
}

TEST(Routing, RewriteRedirectDirectResponseAndHeaderOps) {
  TestUpstream up([](const testing::ReceivedRequest& req) {
    testing::UpstreamReply r;
    r.body = req.target;
    r.headers = {{"X-Upstream-Secret", "s"}, {"X-Keep", "k"}};
    return r;
  });
  std::string yaml = baseConfig() + serviceEntry("up", "up.local", up.port()) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ops}
spec:
  hosts: ["*"]
  http:
  - name: rewrite-prefix
    match: [{uri: {prefix: /old/}}]
    rewrite: {uri: /new/, authority: rewritten.local}
    route: [{destination: {host: up.local}}]
  - name: rewrite-regex
    match: [{uri: {prefix: /re/}}]
    rewrite:
      uriRegexRewrite: {match: "^/re/([a-z]+)/([0-9]+)$", rewrite: "/v2/\\2/\\1"}
    route: [{destination: {host: up.local}}]
  - name: redirect
    match: [{uri: {exact: /moved}}]
    redirect: {uri: /there, authority: other.example.com, redirectCode: 308}
  - name: direct
    match: [{uri: {exact: /teapot}}]
    directResponse: {status: 418, body: {string: "short and stout"}}
  - name: headers
    match: [{uri: {prefix: /h}}]
    headers:
      request:
        set: {x-set: one}
        add: {x-added: two}
        remove: [x-drop]
      response:
        set: {x-resp: three}
        remove: [x-upstream-secret]
    route: [{destination: {host: up.local}}]
)";
  MeshgateProcess mg(MG_BINARY, yaml);
  uint16_t port = mg.listenerPort("default/main");

  auto r = httpGet(port, "/old/page?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/new/page?x=1");
  EXPECT_EQ(up.lastRequest().header("Host"), "rewritten.local");

  r = httpGet(port, "/re/books/42");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/v2/42/books");

  r = httpGet(port, "/moved?q=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 308);
  EXPECT_EQ(r->header("Location"), "http://other.example.com/there");

  r = httpGet(port, "/teapot");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->body, "short and stout");

  r = httpGet(port, "/h", {"X-Drop: gone", "X-Set: zero"});
  ASSERT_TRUE(r);
  auto seen = up.lastRequest();
  EXPECT_EQ(seen.header("X-Set"), "one");
  EXPECT_EQ(seen.headerCount("X-Set"), 1u);
  EXPECT_EQ(seen.header("X-Added"), "two");
  EXPECT_EQ(seen.headerCount("X-Drop"), 0u);
  EXPECT_EQ(r->header("X-Resp"), "three");
  EXPECT_FALSE(r->hasHeader("X-Upstream-Secret"));
  EXPECT_EQ(r->header("X-Keep"), "k");
}

}  // namespace
}  // namespace meshgate::integration
