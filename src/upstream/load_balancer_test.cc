// SPDX-License-Identifier: Apache-2.0
#include "upstream/load_balancer.h"

#include <gtest/gtest.h>

#include <map>

#include "base/hash.h"

namespace meshgate::upstream {
namespace {

std::vector<Endpoint> makeEndpoints(std::vector<uint32_t> weights) {
  std::vector<Endpoint> eps;
  for (size_t i = 0; i < weights.size(); ++i) {
    Endpoint e;
    e.address_text = "10.0.0." + std::to_string(i + 1) + ":80";
    e.address = *net::Address::parse(e.address_text);
    e.weight = weights[i];
    e.health = std::make_shared<EndpointHealth>();
    eps.push_back(std::move(e));
  }
  return eps;
}

Cluster makeCluster(std::vector<Endpoint> eps, LbPolicy lb, uint32_t min_health = 0) {
  ClusterSettings s;
  s.lb = lb;
  if (min_health) {
    s.outlier = OutlierSettings{};
    s.outlier->min_health_percent = min_health;
  }
  return Cluster("c", std::move(eps), s, std::make_shared<limits::CircuitBreaker>(s.breaker),
                 ClusterMetrics{});
}

std::map<std::string, int> distribution(LoadBalancer& lb, int n,
                                        std::optional<uint64_t> hash = {}) {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) {
    LbContext ctx;
    ctx.now = base::MonoTime(std::chrono::seconds(100));
    ctx.hash = hash;
    const Endpoint* e = lb.pick(ctx);
    counts[e ? e->address_text : "none"]++;
  }
  return counts;
}

TEST(LoadBalancer, RoundRobinIsEven) {
  Cluster c = makeCluster(makeEndpoints({1, 1, 1}), LbPolicy::RoundRobin);
  LoadBalancer lb(c, 7);
  auto d = distribution(lb, 300);
  ASSERT_EQ(d.size(), 3u);
  for (auto& [k, v] : d)
    EXPECT_EQ(v, 100) << k;
}

TEST(LoadBalancer, WeightedRoundRobinFollowsWeightsExactly) {
  Cluster c = makeCluster(makeEndpoints({5, 1, 4}), LbPolicy::RoundRobin);
  LoadBalancer lb(c, 1);
  auto d = distribution(lb, 1000);
  EXPECT_EQ(d["10.0.0.1:80"], 500);
  EXPECT_EQ(d["10.0.0.2:80"], 100);
  EXPECT_EQ(d["10.0.0.3:80"], 400);
}

TEST(LoadBalancer, SkipsEjectedAndUnhealthyEndpoints) {
  auto eps = makeEndpoints({1, 1, 1});
  eps[0].health->healthy = false;
  eps[1].health->ejected_until_ns = std::chrono::nanoseconds(std::chrono::seconds(200)).count();
  Cluster c = makeCluster(eps, LbPolicy::RoundRobin);
  LoadBalancer lb(c, 3);
  auto d = distribution(lb, 50);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d["10.0.0.3:80"], 50);
}

TEST(LoadBalancer, NoHealthyEndpointMeansNullWithoutPanic) {
  auto eps = makeEndpoints({1, 1});
  eps[0].health->healthy = false;
  eps[1].health->healthy = false;
  Cluster c = makeCluster(eps, LbPolicy::Random);
  LoadBalancer lb(c, 3);
  EXPECT_EQ(distribution(lb, 10)["none"], 10);
}

TEST(LoadBalancer, PanicModeBelowMinHealthPercentUsesAll) {
  auto eps = makeEndpoints({1, 1, 1, 1});
  eps[0].health->healthy = false;
  eps[1].health->healthy = false;
  eps[2].health->healthy = false;
  Cluster c = makeCluster(eps, LbPolicy::RoundRobin, /*min_health=*/50);
  LoadBalancer lb(c, 3);
  auto d = distribution(lb, 400);
  EXPECT_EQ(d.size(), 4u);
}

TEST(LoadBalancer, RandomFollowsWeightsWithinTolerance) {
  Cluster c = makeCluster(makeEndpoints({3, 1}), LbPolicy::Random);
  LoadBalancer lb(c, 99);
  auto d = distribution(lb, 40000);
  EXPECT_NEAR(d["10.0.0.1:80"], 30000, 600);
  EXPECT_NEAR(d["10.0.0.2:80"], 10000, 600);
}

TEST(LoadBalancer, LeastRequestAvoidsBusyEndpoint) {
  auto eps = makeEndpoints({1, 1});
  eps[0].health->active_requests = 50;
  Cluster c = makeCluster(eps, LbPolicy::LeastRequest);
  LoadBalancer lb(c, 5);
  auto d = distribution(lb, 1000);
  // P2C with two endpoints: whenever both are sampled, the idle one wins; the busy
  // one wins only when it is drawn twice (about 1/4 of picks).
  EXPECT_GT(d["10.0.0.2:80"], 650);
  EXPECT_LT(d["10.0.0.1:80"], 350);
}

TEST(LoadBalancer, RoundRobinAvoidsPreviousEndpointOnRetry) {
  Cluster c = makeCluster(makeEndpoints({1, 1}), LbPolicy::RoundRobin);
  LoadBalancer lb(c, 0);
  for (int i = 0; i < 20; ++i) {
    LbContext ctx;
    ctx.avoid = &c.endpoints()[0];
    EXPECT_EQ(lb.pick(ctx), &c.endpoints()[1]);
  }
}

class HashLbTest : public ::testing::TestWithParam<LbPolicy> {};

TEST_P(HashLbTest, SameKeySameEndpointAndMinimalDisruption) {
  auto eps = makeEndpoints({1, 1, 1, 1});
  Cluster c = makeCluster(eps, GetParam());
  LoadBalancer lb(c, 1);
  LbContext ctx;
  std::map<int, const Endpoint*> before;
  for (int k = 0; k < 2000; ++k) {
    ctx.hash = base::xxHash64("user-" + std::to_string(k));
    const Endpoint* e = lb.pick(ctx);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(lb.pick(ctx), e);  // stable
    before[k] = e;
  }
  std::map<const Endpoint*, int> spread;
  for (auto& [k, e] : before)
    spread[e]++;
  for (auto& [e, n] : spread)
    EXPECT_GT(n, 300) << e->address_text;  // roughly even (500 each)
  // Take one endpoint out: only its keys move.
  eps[2].health->healthy = false;
  int moved = 0;
  for (int k = 0; k < 2000; ++k) {
    ctx.hash = base::xxHash64("user-" + std::to_string(k));
    const Endpoint* e = lb.pick(ctx);
    ASSERT_NE(e, &c.endpoints()[2]);
    if (e != before[k]) {
      ++moved;
      EXPECT_EQ(before[k], &c.endpoints()[2]) << "key " << k << " moved off a healthy endpoint";
    }
  }
  EXPECT_GT(moved, 300);
}

INSTANTIATE_TEST_SUITE_P(RingAndMaglev, HashLbTest,
                         ::testing::Values(LbPolicy::RingHash, LbPolicy::Maglev));

}  // namespace
}  // namespace meshgate::upstream
