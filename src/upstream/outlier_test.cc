// SPDX-License-Identifier: Apache-2.0
#include "upstream/outlier.h"

#include <gtest/gtest.h>

namespace meshgate::upstream {
namespace {

using std::chrono::seconds;

struct Fixture {
  explicit Fixture(size_t endpoints, OutlierSettings o) {
    std::vector<Endpoint> eps;
    for (size_t i = 0; i < endpoints; ++i) {
      Endpoint e;
      e.address_text = "10.0.0." + std::to_string(i + 1) + ":80";
      e.address = *net::Address::parse(e.address_text);
      e.health = std::make_shared<EndpointHealth>();
      eps.push_back(std::move(e));
    }
    ClusterSettings s;
    s.outlier = o;
    ClusterMetrics m;
    m.outlier_ejections = registry.counter("ej_total", "t");
    m.outlier_returns = registry.counter("ret_total", "t");
    m.ejected_endpoints = registry.gauge("ejected", "t");
    cluster = std::make_unique<Cluster>("c", std::move(eps), s,
                                        std::make_shared<limits::CircuitBreaker>(s.breaker), m);
  }
  const Endpoint& ep(size_t i) { return cluster->endpoints()[i]; }
  metrics::Registry registry;
  metrics::Shard shard{registry};
  std::unique_ptr<Cluster> cluster;
  base::MonoTime now{seconds(1000)};
};

TEST(Outlier, Consecutive5xxEjectsAndTheSweepReturnsIt) {
  OutlierSettings o;
  o.consecutive_5xx = 3;
  o.base_ejection_time = seconds(30);
  o.max_ejection_percent = 50;
  Fixture f(2, o);
  EXPECT_FALSE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_FALSE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::GatewayError, f.now, f.shard));
  EXPECT_TRUE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_TRUE(f.ep(0).health->ejected(f.now));
  EXPECT_EQ(f.registry.value(f.cluster->metrics().ejected_endpoints), 1);
  EXPECT_EQ(sweepOutliers(*f.cluster, f.now + seconds(29), f.shard), 0u);
  EXPECT_TRUE(f.ep(0).health->ejected(f.now + seconds(29)));
  EXPECT_EQ(sweepOutliers(*f.cluster, f.now + seconds(31), f.shard), 1u);
  EXPECT_FALSE(f.ep(0).health->ejected(f.now + seconds(31)));
  EXPECT_EQ(f.registry.value(f.cluster->metrics().ejected_endpoints), 0);
  EXPECT_EQ(f.registry.value(f.cluster->metrics().outlier_returns), 1);
}

TEST(Outlier, SuccessResetsTheCount) {
  OutlierSettings o;
  o.consecutive_5xx = 2;
  o.max_ejection_percent = 100;
  Fixture f(1, o);
  recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard);
  recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::Success, f.now, f.shard);
  EXPECT_FALSE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_FALSE(f.ep(0).health->ejected(f.now));
}

TEST(Outlier, GatewayDetectorIgnoresPlain500) {
  OutlierSettings o;
  o.consecutive_5xx = 0;  // off
  o.consecutive_gateway_errors = 2;
  o.max_ejection_percent = 100;
  Fixture f(1, o);
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::GatewayError, f.now, f.shard);
  EXPECT_TRUE(
      recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::LocalOriginFailure, f.now, f.shard));
}

TEST(Outlier, MaxEjectionPercentLeavesEndpointsIn) {
  OutlierSettings o;
  o.consecutive_5xx = 1;
  o.max_ejection_percent = 50;
  Fixture f(4, o);
  EXPECT_TRUE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_TRUE(recordOutcome(*f.cluster, f.ep(1), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_FALSE(recordOutcome(*f.cluster, f.ep(2), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_FALSE(f.ep(2).health->ejected(f.now));
}

TEST(Outlier, AtLeastOneEndpointMayBeEjected) {
  OutlierSettings o;
  o.consecutive_5xx = 1;
  o.max_ejection_percent = 10;  // Istio's default, with two endpoints
  Fixture f(2, o);
  EXPECT_TRUE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  EXPECT_FALSE(recordOutcome(*f.cluster, f.ep(1), AttemptOutcome::ServerError, f.now, f.shard));
}

TEST(Outlier, RepeatedEjectionsLastLonger) {
  OutlierSettings o;
  o.consecutive_5xx = 1;
  o.base_ejection_time = seconds(10);
  o.max_ejection_percent = 100;
  Fixture f(1, o);
  ASSERT_TRUE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, f.now, f.shard));
  ASSERT_EQ(sweepOutliers(*f.cluster, f.now + seconds(11), f.shard), 1u);
  const auto t2 = f.now + seconds(12);
  ASSERT_TRUE(recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::ServerError, t2, f.shard));
  EXPECT_TRUE(f.ep(0).health->ejected(t2 + seconds(19)));
  EXPECT_FALSE(f.ep(0).health->ejected(t2 + seconds(21)));
}

TEST(Outlier, SplitLocalOriginErrors) {
  OutlierSettings o;
  o.consecutive_5xx = 100;
  o.split_external_local_origin_errors = true;
  o.consecutive_local_origin_failures = 2;
  o.max_ejection_percent = 100;
  Fixture f(1, o);
  EXPECT_FALSE(
      recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::LocalOriginFailure, f.now, f.shard));
  EXPECT_TRUE(
      recordOutcome(*f.cluster, f.ep(0), AttemptOutcome::LocalOriginFailure, f.now, f.shard));
}

}  // namespace
}  // namespace meshgate::upstream
