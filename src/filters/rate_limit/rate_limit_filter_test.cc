// SPDX-License-Identifier: Apache-2.0
// The rate limit filter driven through a FakeFilterContext on a ManualClock: exact token
// accounting, each descriptor kind, the 429 reply and its headers, shadow mode, several
// policies on one route, and one bucket shared by many threads.
#include "filters/rate_limit/rate_limit_filter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "filters/rate_limit/test_support.h"
#include "proxy/response_flags.h"

namespace meshgate::filters::rate_limit {
namespace {

using namespace std::chrono_literals;
using filter_api::FilterStatus;
using test::Harness;
using test::RequestContext;

static_assert(kResponseFlagRateLimited == static_cast<uint32_t>(proxy::ResponseFlag::RateLimited),
              "the RL response flag bit must match proxy::ResponseFlag::RateLimited");

const std::string kVs = test::virtualService("api", "[\"*\"]", {"orders", "users"});

class RateLimitFilterTest : public ::testing::Test {
 protected:
  RateLimitFilterTest() : harness_(ctx_) {}

  /// Compiles `yaml` (a VirtualService "api" plus policies) for route api/orders.
  void load(const std::string& policies, const std::string& route = "orders") {
    cfg_ = test::loadConfig(kVs + policies);
    ASSERT_NE(cfg_, nullptr);
    route_ = harness_.compile(*cfg_, "api", route);
    ASSERT_NE(route_, nullptr);
  }

  /// One request through a new filter; `setup` prepares it after startRequest().
  template <typename Setup>
  FilterStatus send(Setup&& setup, const std::string& path = "/orders") {
    ctx_.startRequest(path);
    setup(ctx_);
    RateLimitFilter filter(*route_);
    return filter.onRequestHeaders(ctx_, true);
  }
  FilterStatus send(const std::string& path = "/orders") {
    return send([](RequestContext&) {}, path);
  }
  /// How many of `n` requests pass.
  template <typename Setup>
  int passing(int n, Setup&& setup) {
    int ok = 0;
    for (int i = 0; i < n; ++i)
      ok += send(setup) == FilterStatus::Continue ? 1 : 0;
    return ok;
  }
  int passing(int n) {
    return passing(n, [](RequestContext&) {});
  }
  void advance(std::chrono::nanoseconds d) { ctx_.manualClock().advance(d); }

  RequestContext ctx_;
  Harness harness_;
  std::shared_ptr<const config::ConfigSet> cfg_;
  std::shared_ptr<const RouteRateLimits> route_;
};

TEST_F(RateLimitFilterTest, ExactTokenAccountingOnAManualClock) {
  load(test::policy("five", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 5, unit: SECOND}
)"));
  // A bucket starts full: the burst (default requestsPerUnit) passes at once.
  EXPECT_EQ(passing(5), 5);
  EXPECT_EQ(send(), FilterStatus::Respond);
  // One token every 200 ms.
  advance(199ms);
  EXPECT_EQ(send(), FilterStatus::Respond);
  advance(1ms);
  EXPECT_EQ(send(), FilterStatus::Continue);
  EXPECT_EQ(send(), FilterStatus::Respond);
  // Idle for a long time: never more than the burst.
  advance(1h);
  EXPECT_EQ(passing(10), 5);
  EXPECT_EQ(harness_.count(kAllowedTotal, "default/five"), 5 + 1 + 5);
  EXPECT_EQ(harness_.count(kLimitedTotal, "default/five"), 1 + 1 + 1 + 5);
}

TEST_F(RateLimitFilterTest, RateOverTimeIsRateTimesTimePlusBurst) {
  load(test::policy("p", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 100, unit: SECOND, burst: 20}
)"));
  // 5 s in 1 ms steps, 3 attempts each: admitted = 100/s * 5 s + burst, exactly.
  int ok = 0;
  for (int ms = 0; ms < 5000; ++ms) {
    ok += passing(3);
    advance(1ms);
  }
  EXPECT_EQ(ok, 500 + 20 - 1);  // the token due at exactly t = 5 s is not taken yet
}

TEST_F(RateLimitFilterTest, MinuteAndHourUnitsRefillSlowly) {
  load(test::policy("m", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 10, unit: MINUTE, burst: 2}
)"));
  EXPECT_EQ(passing(3), 2);
  ASSERT_TRUE(ctx_.lastReply());
  // A token every 6 s.
  EXPECT_EQ(ctx_.lastReply()->headers[0],
            (std::pair<std::string, std::string>{"retry-after", "6"}));
  advance(5999ms);
  EXPECT_EQ(send(), FilterStatus::Respond);
  advance(1ms);
  EXPECT_EQ(send(), FilterStatus::Continue);

  load(test::policy("h", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 2, unit: HOUR, burst: 1}
)"));
  EXPECT_EQ(passing(2), 1);
  EXPECT_EQ(ctx_.lastReply()->headers[0].second, "1800");
}

TEST_F(RateLimitFilterTest, LimitedReplyIs429WithHeadersFlagAndDetails) {
  load(test::policy("p", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 4, unit: SECOND, burst: 2}
)"));
  EXPECT_EQ(passing(2), 2);
  advance(100ms);  // a quarter-second per token: 150 ms to go
  ASSERT_EQ(send(), FilterStatus::Respond);
  const filter_api::LocalReply& r = *ctx_.lastReply();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, "local_rate_limited");
  EXPECT_EQ(r.details, "local_rate_limited");
  EXPECT_EQ(r.response_flags, static_cast<uint32_t>(proxy::ResponseFlag::RateLimited));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"retry-after", "1"},  // 150 ms, rounded up to whole seconds
      {"x-ratelimit-limit", "2"},
      {"x-ratelimit-remaining", "0"},
      {"x-ratelimit-reset", "1"},  // 400 ms until full
  };
  EXPECT_EQ(r.headers, want);
  EXPECT_TRUE(ctx_.addedHeaders().empty()) << "a 429 carries its headers in the reply";
  EXPECT_EQ(ctx_.log(), R"("rate_limit":{"limited_by":"default/p"})");
}

TEST_F(RateLimitFilterTest, AllowedResponsesCarryHeadersWhenAsked) {
  load(test::policy("p", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 10, unit: MINUTE, burst: 3}
)"));
  ASSERT_EQ(send(), FilterStatus::Continue);
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-limit"), "3");
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-remaining"), "2");
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-reset"), "6");  // one token missing: 6 s
  EXPECT_EQ(ctx_.addedHeader("retry-after"), "");
  ASSERT_EQ(send(), FilterStatus::Continue);
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-remaining"), "1");
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-reset"), "12");
  EXPECT_EQ(ctx_.log(), "") << "allowed requests add nothing to the access log";

  load(test::policy("quiet", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 1, unit: MINUTE}
  responseHeaders: false
)"));
  ASSERT_EQ(send(), FilterStatus::Continue);
  EXPECT_TRUE(ctx_.addedHeaders().empty());
  ASSERT_EQ(send(), FilterStatus::Respond);
  EXPECT_EQ(ctx_.lastReply()->headers.size(), 4u) << "429s always carry the headers";
}

TEST_F(RateLimitFilterTest, HeaderDescriptorGivesEachValueItsOwnBudget) {
  load(test::policy("per-key", R"(  targets: [{virtualService: api}]
  descriptors: [{header: X-Api-Key}]
  limit: {requestsPerUnit: 3, unit: MINUTE}
)"));
  auto key = [](const char* v) {
    return [v](RequestContext& c) { c.head().headers().add("x-api-key", v); };
  };
  EXPECT_EQ(passing(5, key("alice")), 3);
  EXPECT_EQ(passing(5, key("bob")), 3);
  EXPECT_EQ(passing(1, key("alice")), 0);
  EXPECT_EQ(passing(1, key("")), 1) << "an empty value is a value";
  // No header: the policy does not apply (Envoy skips a descriptor whose header is absent).
  EXPECT_EQ(passing(10), 10);
  EXPECT_TRUE(ctx_.addedHeaders().empty());
  EXPECT_EQ(harness_.count(kDescriptorMissingTotal, "default/per-key"), 10);
  // Repeated header: the first field counts.
  EXPECT_EQ(passing(1,
                    [](RequestContext& c) {
                      c.head().headers().add("x-api-key", "bob");
                      c.head().headers().add("x-api-key", "carol");
                    }),
            0);
}

TEST_F(RateLimitFilterTest, SeveralDescriptorsMakeOneKey) {
  load(test::policy("combo", R"(  targets: [{virtualService: api}]
  descriptors: [{header: x-tenant}, {path: true}, {genericKey: v1}]
  limit: {requestsPerUnit: 1, unit: HOUR}
)"));
  auto tenant = [](const char* t) {
    return [t](RequestContext& c) { c.head().headers().add("x-tenant", t); };
  };
  EXPECT_EQ(send(tenant("a"), "/orders/1"), FilterStatus::Continue);
  EXPECT_EQ(send(tenant("a"), "/orders/1"), FilterStatus::Respond);
  EXPECT_EQ(send(tenant("a"), "/orders/2"), FilterStatus::Continue);
  EXPECT_EQ(send(tenant("b"), "/orders/1"), FilterStatus::Continue);
  // Length-prefixed parts: ("a/", "x") and ("a", "/x") are different keys.
  EXPECT_EQ(send(tenant("a/"), "x"), FilterStatus::Continue);
  EXPECT_EQ(send(tenant("a"), "/x"), FilterStatus::Continue);
}

TEST_F(RateLimitFilterTest, ClientIpUsesTheTrustedClientAddress) {
  load(test::policy("per-ip", R"(  targets: [{virtualService: api}]
  descriptors: [{clientIp: true}]
  limit: {requestsPerUnit: 2, unit: HOUR}
)"));
  auto from = [](const char* ip, uint16_t port) {
    return [ip, port](RequestContext& c) { c.setClient(ip, port); };
  };
  EXPECT_EQ(passing(3, from("10.0.0.1", 1000)), 2);
  // Another port of the same client is the same client.
  EXPECT_EQ(passing(1, from("10.0.0.1", 2000)), 0);
  EXPECT_EQ(passing(1, from("::ffff:10.0.0.1", 3000)), 0) << "IPv4-mapped IPv6 is the IPv4";
  EXPECT_EQ(passing(3, from("10.0.0.2", 1000)), 2);
  EXPECT_EQ(passing(3, from("2001:db8::1", 1000)), 2);

  // StreamInfo::client (after X-Forwarded-For trust) wins over the TCP peer.
  net::Address peer = *net::Address::fromIp("10.0.0.1", 5555);
  net::Address forwarded = *net::Address::fromIp("198.51.100.9", 0);
  EXPECT_EQ(passing(3,
                    [&](RequestContext& c) {
                      c.info().downstream_remote = &peer;
                      c.info().client = &forwarded;
                    }),
            2);
}

TEST_F(RateLimitFilterTest, JwtClaimDescriptor) {
  load(test::policy("per-user", R"(  targets: [{virtualService: api}]
  descriptors: [{jwtClaim: sub}, {jwtClaim: org.id}, {jwtClaim: "https://example.com/tier"}]
  limit: {requestsPerUnit: 1, unit: HOUR}
)"));
  auto user = [](std::map<std::string, std::vector<std::string>> claims) {
    return [claims](RequestContext& c) {
      filter_api::RequestIdentity id;
      id.request_principal = "issuer/" + (claims.count("sub") ? claims.at("sub")[0] : "");
      id.claims = std::make_shared<test::MapClaims>(claims);
      c.setIdentity(std::move(id));
    };
  };
  const std::string nested = test::claimKey({"org", "id"});
  const std::string dotted = test::claimKey({"https://example", "com/tier"});
  const std::string literal = "https://example.com/tier";
  EXPECT_EQ(passing(2, user({{"sub", {"alice"}}, {nested, {"o1"}}, {literal, {"gold"}}})), 1);
  EXPECT_EQ(passing(2, user({{"sub", {"bob"}}, {nested, {"o1"}}, {literal, {"gold"}}})), 1);
  EXPECT_EQ(passing(1, user({{"sub", {"alice"}}, {nested, {"o2"}}, {literal, {"gold"}}})), 1);
  // The dotted name is first read as a nested path, then as one claim.
  EXPECT_EQ(passing(1, user({{"sub", {"alice"}}, {nested, {"o1"}}, {dotted, {"gold"}}})), 0);
  // A claim missing, or no JWT at all: the policy does not apply.
  EXPECT_EQ(passing(3, user({{"sub", {"alice"}}, {nested, {"o1"}}})), 3);
  EXPECT_EQ(passing(3), 3);
  EXPECT_EQ(harness_.count(kDescriptorMissingTotal, "default/per-user"), 6);

  // Multi-valued claims are one key, values in order.
  load(test::policy("per-groups", R"(  targets: [{virtualService: api}]
  descriptors: [{jwtClaim: groups}]
  limit: {requestsPerUnit: 1, unit: HOUR}
)"));
  EXPECT_EQ(passing(1, user({{"groups", {"a", "b"}}})), 1);
  EXPECT_EQ(passing(1, user({{"groups", {"a", "b"}}})), 0);
  EXPECT_EQ(passing(1, user({{"groups", {"a,b"}}})), 1) << "length-prefixed: not the same key";
  EXPECT_EQ(passing(1, user({{"groups", {"b", "a"}}})), 1);
}

TEST_F(RateLimitFilterTest, GenericKeyAloneIsOneBucket) {
  load(test::policy("g", R"(  targets: [{virtualService: api}]
  descriptors: [{genericKey: everyone}]
  limit: {requestsPerUnit: 2, unit: HOUR}
)"));
  EXPECT_FALSE(route_->policies()[0].buckets->keyed());
  EXPECT_EQ(passing(3, [](RequestContext& c) { c.setClient("10.9.9.9"); }), 2);
  EXPECT_EQ(passing(1, [](RequestContext& c) { c.setClient("10.9.9.8"); }), 0);
}

TEST_F(RateLimitFilterTest, ShadowModeCountsAndLogsButNeverRejects) {
  load(test::policy("trial", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 2, unit: HOUR}
  shadowMode: true
)"));
  EXPECT_EQ(passing(2), 2);
  EXPECT_EQ(ctx_.log(), "");
  EXPECT_EQ(send(), FilterStatus::Continue);
  EXPECT_FALSE(ctx_.lastReply());
  EXPECT_TRUE(ctx_.addedHeaders().empty()) << "shadow policies are invisible to clients";
  EXPECT_EQ(ctx_.log(), R"("rate_limit":{"shadow_limited_by":["default/trial"]})");
  EXPECT_EQ(passing(7), 7);
  EXPECT_EQ(harness_.count(kAllowedTotal, "default/trial"), 2);
  EXPECT_EQ(harness_.count(kShadowLimitedTotal, "default/trial"), 8);
  EXPECT_EQ(harness_.count(kLimitedTotal, "default/trial"), 0);
}

TEST_F(RateLimitFilterTest, SeveralPoliciesMostRestrictiveFirstAnyDenialLimits) {
  load(test::policy("wide", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 4, unit: HOUR}
)") + test::policy("narrow", R"(  targets: [{virtualService: api, route: orders}]
  descriptors: [{header: x-user}]
  limit: {requestsPerUnit: 1, unit: HOUR}
)") + test::policy("watch", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 1, unit: HOUR}
  shadowMode: true
)"));
  ASSERT_EQ(route_->policies().size(), 3u);
  EXPECT_EQ(route_->policies()[0].name, "default/narrow");
  EXPECT_EQ(route_->policies()[1].name, "default/wide");
  EXPECT_EQ(route_->policies()[2].name, "default/watch");

  auto as = [](const char* u) {
    return [u](RequestContext& c) { c.head().headers().add("x-user", u); };
  };
  // alice: narrow allows once; its headers are the ones closest to the limit.
  ASSERT_EQ(send(as("alice")), FilterStatus::Continue);
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-limit"), "1");
  EXPECT_EQ(ctx_.addedHeader("x-ratelimit-remaining"), "0");
  // alice again: narrow denies; wide is not charged for it; the shadow policy still counts.
  ASSERT_EQ(send(as("alice")), FilterStatus::Respond);
  EXPECT_EQ(ctx_.lastReply()->headers[1].second, "1") << "the denying policy's limit";
  EXPECT_EQ(
      ctx_.log(),
      R"("rate_limit":{"limited_by":"default/narrow","shadow_limited_by":["default/watch"]})");
  EXPECT_EQ(harness_.count(kAllowedTotal, "default/wide"), 1);
  // Three more users use up the wide policy (4 in all); the fifth is denied by it even
  // though narrow allows (and charges) that user.
  EXPECT_EQ(send(as("bob")), FilterStatus::Continue);
  EXPECT_EQ(send(as("carol")), FilterStatus::Continue);
  EXPECT_EQ(send(as("dave")), FilterStatus::Continue);
  ASSERT_EQ(send(as("erin")), FilterStatus::Respond);
  EXPECT_EQ(ctx_.log(),
            R"("rate_limit":{"limited_by":"default/wide","shadow_limited_by":["default/watch"]})");
  EXPECT_EQ(send(as("erin")), FilterStatus::Respond);
  EXPECT_EQ(
      ctx_.log(),
      R"("rate_limit":{"limited_by":"default/narrow","shadow_limited_by":["default/watch"]})");
  // Without x-user, narrow does not apply and wide decides alone.
  EXPECT_EQ(send(), FilterStatus::Respond);
  EXPECT_EQ(harness_.count(kLimitedTotal, "default/narrow"), 2);
  EXPECT_EQ(harness_.count(kLimitedTotal, "default/wide"), 2);
  EXPECT_EQ(harness_.count(kShadowLimitedTotal, "default/watch"), 7);
}

TEST_F(RateLimitFilterTest, HostAndPathTargetsAreCheckedPerRequest) {
  load(test::policy(
      "host", R"(  targets: [{hosts: [api.example.com, "*.internal"], path: {prefix: /orders/v1}}]
  limit: {requestsPerUnit: 1, unit: HOUR}
)"));
  auto host = [](const char* h) {
    return [h](RequestContext& c) { c.head().headers().set(http::HeaderId::Host, h); };
  };
  EXPECT_EQ(send(host("api.example.com:8080"), "/orders/v1/x"), FilterStatus::Continue);
  EXPECT_EQ(send(host("API.example.com"), "/orders/v1/y"), FilterStatus::Respond);
  EXPECT_EQ(send(host("a.b.internal"), "/orders/v1"), FilterStatus::Respond);
  // Other hosts and paths are not limited at all.
  EXPECT_EQ(send(host("api.example.com"), "/orders/v2"), FilterStatus::Continue);
  EXPECT_EQ(send(host("other.example.com"), "/orders/v1"), FilterStatus::Continue);
  EXPECT_EQ(send(host("internal"), "/orders/v1"), FilterStatus::Continue);
  EXPECT_EQ(harness_.count(kAllowedTotal, "default/host"), 1);
  EXPECT_EQ(harness_.count(kLimitedTotal, "default/host"), 2);
}

TEST_F(RateLimitFilterTest, ShortHostNamesAreQualifiedWithTheWorkloadNamespace) {
  load(test::policy("svc", R"(  targets: [{hosts: [reviews], path: {prefix: /}}]
  limit: {requestsPerUnit: 1, unit: HOUR}
)"));
  auto host = [](const char* h) {
    return [h](RequestContext& c) { c.head().headers().set(http::HeaderId::Host, h); };
  };
  EXPECT_EQ(send(host("reviews:9080")), FilterStatus::Continue);
  EXPECT_EQ(send(host("reviews.default.svc.cluster.local")), FilterStatus::Respond);
  EXPECT_EQ(send(host("reviews.other.svc.cluster.local")), FilterStatus::Continue);
}

TEST_F(RateLimitFilterTest, OneBucketForTheWholeProcess) {
  load(test::policy("shared", R"(  targets: [{virtualService: api}]
  limit: {requestsPerUnit: 1, unit: HOUR, burst: 1000}
)") + test::policy("keyed", R"(  targets: [{virtualService: api}]
  descriptors: [{header: x-tenant}]
  limit: {requestsPerUnit: 1, unit: HOUR, burst: 100}
  shadowMode: true
)"));
  // Eight "workers", each with its own context on a frozen clock, 500 requests each.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      RequestContext ctx;
      int mine = 0;
      for (int i = 0; i < 500; ++i) {
        ctx.startRequest("/orders");
        ctx.head().headers().add("x-tenant", t % 2 == 0 ? "even" : "odd");
        RateLimitFilter filter(*route_);
        mine += filter.onRequestHeaders(ctx, true) == FilterStatus::Continue ? 1 : 0;
      }
      ok += mine;
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ok.load(), 1000);
  // The keyed shadow policy: 100 per tenant, the two tenants shared by four threads each.
  const limits::KeyedTokenBuckets* table = route_->policies()[1].buckets->keyedTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->trackedKeys(), 2u);
}

TEST(RateLimitHeadersTest, Format) {
  limits::RateLimitDecision d;
  d.allowed = true;
  d.limit = 100;
  d.remaining = 42;
  d.reset = 1500ms;
  auto h = rateLimitHeaders(d);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"x-ratelimit-limit", "100"}));
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{"x-ratelimit-remaining", "42"}));
  EXPECT_EQ(h[2], (std::pair<std::string, std::string>{"x-ratelimit-reset", "2"}));
  d.allowed = false;
  d.remaining = 0;
  d.retry_after = 1ms;
  h = rateLimitHeaders(d);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"retry-after", "1"}));
}

}  // namespace
}  // namespace meshgate::filters::rate_limit
