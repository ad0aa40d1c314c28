// SPDX-License-Identifier: Apache-2.0
// Which RateLimitPolicies apply to which routes, how they are ordered, and when their
// buckets survive a reload.
#include "filters/rate_limit/config.h"

#include <gtest/gtest.h>

#include "filters/rate_limit/test_support.h"

namespace meshgate::filters::rate_limit {
namespace {

using test::Harness;
using test::RequestContext;

std::vector<std::string> names(const std::shared_ptr<const RouteRateLimits>& r) {
  std::vector<std::string> out;
  if (r) {
    for (const CompiledPolicy& p : r->policies())
      out.push_back(p.name);
  }
  return out;
}

class RateLimitConfigTest : public ::testing::Test {
 protected:
  RateLimitConfigTest() : harness_(ctx_) {}
  RequestContext ctx_;
  Harness harness_;
};

TEST_F(RateLimitConfigTest, VirtualServiceAndRouteTargets) {
  auto cfg = test::loadConfig(
      test::virtualService("api", "[api.example.com]", {"orders", "users"}) +
      test::virtualService("web", "[web.example.com]", {"home"}) +
      test::policy("all-api",
                   "  targets: [{virtualService: api}]\n"
                   "  limit: {requestsPerUnit: 10}\n") +
      test::policy("orders-only",
                   "  targets: [{virtualService: default/api, route: orders}]\n"
                   "  limit: {requestsPerUnit: 5}\n") +
      test::policy("two",
                   "  targets: [{virtualService: web}, {virtualService: api, route: users}]\n"
                   "  limit: {requestsPerUnit: 20}\n"));
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(names(harness_.compile(*cfg, "api", "orders")),
            (std::vector<std::string>{"default/orders-only", "default/all-api"}));
  EXPECT_EQ(names(harness_.compile(*cfg, "api", "users")),
            (std::vector<std::string>{"default/all-api", "default/two"}));
  EXPECT_EQ(names(harness_.compile(*cfg, "web", "home")),
            (std::vector<std::string>{"default/two"}));
  const auto users = harness_.compile(*cfg, "api", "users");
  for (const CompiledPolicy& p : users->policies()) {
    EXPECT_TRUE(p.every_request) << p.name;
    EXPECT_TRUE(p.matches.empty()) << p.name;
  }
}

TEST_F(RateLimitConfigTest, NoPolicyNoFilter) {
  auto cfg = test::loadConfig(test::virtualService("api", "[a.example.com]", {"x"}) +
                              test::virtualService("other", "[b.example.com]", {"y"}) +
                              test::policy("p",
                                           "  targets: [{virtualService: other}]\n"
                                           "  limit: {requestsPerUnit: 1}\n"));
  EXPECT_EQ(harness_.compile(*cfg, "api", "x"), nullptr);
  RateLimitConfigFactory factory;
  auto built = factory.build(test::siteFor(*cfg, "api", "x"), harness_.services());
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(*built, nullptr) << "no filter in a chain no policy targets";
  built = factory.build(test::siteFor(*cfg, "other", "y"), harness_.services());
  ASSERT_TRUE(built.ok());
  ASSERT_NE(*built, nullptr);
  EXPECT_EQ((*built)->name(), "rate_limit");
  EXPECT_NE((*built)->create(), nullptr);
}

TEST_F(RateLimitConfigTest, HostTargetsAgainstTheRouteHosts) {
  auto cfg = test::loadConfig(
      test::virtualService("exact", "[api.example.com]", {"r"}) +
      test::virtualService("wild", "[\"*.example.com\"]", {"r"}) +
      test::virtualService("any", "[\"*\"]", {"r"}) +
      test::virtualService("elsewhere", "[api.example.org]", {"r"}) +
      test::virtualService("short", "[reviews]", {"r"}) +
      test::policy("p",
                   "  targets: [{hosts: [api.example.com, reviews]}]\n"
                   "  limit: {requestsPerUnit: 1}\n") +
      test::policy("wide",
                   "  targets: [{hosts: [\"*.example.com\"], path: {prefix: /v1}}]\n"
                   "  limit: {requestsPerUnit: 2}\n"));
  auto exact = harness_.compile(*cfg, "exact", "r");
  ASSERT_EQ(names(exact), (std::vector<std::string>{"default/p", "default/wide"}));
  EXPECT_TRUE(exact->policies()[0].every_request) << "every host of the route is targeted";
  EXPECT_FALSE(exact->policies()[1].every_request);
  ASSERT_EQ(exact->policies()[1].matches.size(), 1u);
  EXPECT_TRUE(exact->policies()[1].matches[0].hosts.empty()) << "hosts covered: path only";

  auto wild = harness_.compile(*cfg, "wild", "r");
  ASSERT_EQ(names(wild), (std::vector<std::string>{"default/p", "default/wide"}));
  EXPECT_FALSE(wild->policies()[0].every_request) << "only api.example.com of *.example.com";
  ASSERT_EQ(wild->policies()[0].matches.size(), 1u);
  EXPECT_EQ(wild->policies()[0].matches[0].hosts,
            (std::vector<std::string>{"api.example.com", "reviews.default.svc.cluster.local"}));

  EXPECT_EQ(names(harness_.compile(*cfg, "any", "r")),
            (std::vector<std::string>{"default/p", "default/wide"}));
  EXPECT_EQ(names(harness_.compile(*cfg, "elsewhere", "r")), std::vector<std::string>{});
  auto short_vs = harness_.compile(*cfg, "short", "r");
  ASSERT_EQ(names(short_vs), (std::vector<std::string>{"default/p"}));
  EXPECT_TRUE(short_vs->policies()[0].every_request) << "reviews = reviews.default.svc...";
}

TEST_F(RateLimitConfigTest, EnforcedByRateThenShadowByName) {
  auto cfg =
      test::loadConfig(test::virtualService("api", "[\"*\"]", {"r"}) +
                       test::policy("z-shadow",
                                    "  targets: [{virtualService: api}]\n"
                                    "  limit: {requestsPerUnit: 1}\n  shadowMode: true\n") +
                       test::policy("a-shadow",
                                    "  targets: [{virtualService: api}]\n"
                                    "  limit: {requestsPerUnit: 1000}\n  shadowMode: true\n") +
                       test::policy("per-second",
                                    "  targets: [{virtualService: api}]\n"
                                    "  limit: {requestsPerUnit: 10}\n") +
                       test::policy("per-minute",
                                    "  targets: [{virtualService: api}]\n"
                                    "  limit: {requestsPerUnit: 60, unit: MINUTE}\n") +
                       test::policy("per-hour",
                                    "  targets: [{virtualService: api}]\n"
                                    "  limit: {requestsPerUnit: 3600, unit: HOUR, burst: 5}\n"));
  // 1/s with burst 5 is more restrictive than 1/s with burst 60.
  EXPECT_EQ(
      names(harness_.compile(*cfg, "api", "r")),
      (std::vector<std::string>{"default/per-hour", "default/per-minute", "default/per-second",
                                "default/a-shadow", "default/z-shadow"}));
}

TEST_F(RateLimitConfigTest, BucketShapeFromTheLimit) {
  config::RateLimit l;
  l.requests_per_unit = 100;
  l.unit = config::RateLimit::Unit::Minute;
  l.burst = 0;
  limits::TokenBucketConfig c = bucketConfigFor(l);
  EXPECT_EQ(c.max_tokens, 100u) << "burst defaults to requestsPerUnit";
  EXPECT_EQ(c.tokens_per_fill, 100u);
  EXPECT_EQ(c.fill_interval, std::chrono::minutes(1));
  l.burst = 7;
  EXPECT_EQ(bucketConfigFor(l).max_tokens, 7u);
}

TEST_F(RateLimitConfigTest, BucketsSharedByRoutesAndKeptAcrossReloads) {
  const std::string vs = test::virtualService("api", "[\"*\"]", {"a", "b"});
  auto gen1 = test::loadConfig(vs + test::policy("p",
                                                 "  targets: [{virtualService: api}]\n"
                                                 "  descriptors: [{header: x-user}]\n"
                                                 "  limit: {requestsPerUnit: 10, burst: 20}\n"));
  auto a1 = harness_.compile(*gen1, "api", "a");
  auto b1 = harness_.compile(*gen1, "api", "b");
  ASSERT_TRUE(a1 && b1);
  EXPECT_EQ(a1->policies()[0].buckets, b1->policies()[0].buckets)
      << "one policy, one set of buckets, whichever route";
  EXPECT_TRUE(a1->policies()[0].buckets->keyed());

  // Targets, shadowMode and responseHeaders may change: the buckets stay.
  auto gen2 =
      test::loadConfig(vs + test::policy("p",
                                         "  targets: [{virtualService: api, route: a}]\n"
                                         "  descriptors: [{header: X-User}]\n"
                                         "  limit: {requestsPerUnit: 10, unit: SECOND, burst: 20}\n"
                                         "  shadowMode: true\n  responseHeaders: false\n"));
  auto a2 = harness_.compile(*gen2, "api", "a");
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->policies()[0].buckets, a1->policies()[0].buckets);

  // A new limit or new descriptors: new buckets.
  auto gen3 = test::loadConfig(vs + test::policy("p",
                                                 "  targets: [{virtualService: api}]\n"
                                                 "  descriptors: [{header: x-user}]\n"
                                                 "  limit: {requestsPerUnit: 10, burst: 21}\n"));
  auto a3 = harness_.compile(*gen3, "api", "a");
  EXPECT_NE(a3->policies()[0].buckets, a1->policies()[0].buckets);
  auto gen4 = test::loadConfig(vs + test::policy("p",
                                                 "  targets: [{virtualService: api}]\n"
                                                 "  descriptors: [{header: x-tenant}]\n"
                                                 "  limit: {requestsPerUnit: 10, burst: 20}\n"));
  auto a4 = harness_.compile(*gen4, "api", "a");
  EXPECT_NE(a4->policies()[0].buckets, a1->policies()[0].buckets);
  EXPECT_NE(a4->policies()[0].buckets, a3->policies()[0].buckets);
  // Same limit in other words (60/MINUTE is not 1/SECOND: a different refill grain).
  EXPECT_NE(bucketStateKey(gen1->rate_limit_policies[0]),
            bucketStateKey(gen4->rate_limit_policies[0]));

  // Once no generation holds them, prune() lets them go.
  const std::weak_ptr<PolicyBuckets> old = a1->policies()[0].buckets;
  a1.reset();
  b1.reset();
  a2.reset();
  harness_.shared().prune();
  EXPECT_TRUE(old.expired());
}

TEST_F(RateLimitConfigTest, StateKeyIsUnambiguous) {
  config::RateLimitPolicy a;
  a.meta.namespace_ = "default";
  a.meta.name = "p";
  a.limit.requests_per_unit = 1;
  config::RateLimitPolicy b = a;
  config::RateLimitDescriptor d;
  d.kind = config::RateLimitDescriptor::Kind::GenericKey;
  d.value = "x1:y";
  a.descriptors = {d};
  d.value = "x";
  config::RateLimitDescriptor e;
  e.kind = config::RateLimitDescriptor::Kind::GenericKey;
  e.value = "y";
  b.descriptors = {d, e};
  EXPECT_NE(bucketStateKey(a), bucketStateKey(b));
  EXPECT_FALSE(isKeyed(a));
  b.descriptors.push_back(
      config::RateLimitDescriptor{config::RateLimitDescriptor::Kind::Path, "", {}});
  EXPECT_TRUE(isKeyed(b));
}

TEST_F(RateLimitConfigTest, OutOfRangeLimitRejectsTheGeneration) {
  auto cfg = test::loadConfig(test::virtualService("api", "[\"*\"]", {"r"}) +
                              test::policy("huge",
                                           "  targets: [{virtualService: api}]\n"
                                           "  limit: {requestsPerUnit: 1, unit: HOUR,"
                                           " burst: 1000000000}\n"));
  auto r = compileRouteRateLimits(test::siteFor(*cfg, "api", "r"), harness_.services());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("RateLimitPolicy default/huge"), std::string::npos)
      << r.error().message;
}

TEST_F(RateLimitConfigTest, RegisteredAtTheRateLimitPosition) {
  registerRateLimitFilter();
  registerRateLimitFilter();  // idempotent
  int found = 0;
  for (const auto& f : filter_api::registeredFilters()) {
    if (f->name() == "rate_limit") {
      ++found;
      EXPECT_EQ(f->order(), filter_api::order::kRateLimit);
    }
  }
  EXPECT_EQ(found, 1);
}

}  // namespace
}  // namespace meshgate::filters::rate_limit
