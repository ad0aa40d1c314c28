// SPDX-License-Identifier: Apache-2.0
#include "upstream/health_checker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>

#include "testing/test_upstream.h"

namespace meshgate::upstream {
namespace {

using std::chrono::milliseconds;
using Status = HealthCheckState::Status;
using Change = HealthCheckState::Change;

// ------------------------------------------------------------------ state machine

TEST(HealthCheckState, FirstSuccessBypassesHealthyThreshold) {
  HealthCheckState s;
  EXPECT_EQ(s.status(), Status::Pending);
  EXPECT_FALSE(s.inService());
  EXPECT_EQ(s.recordSuccess(5), Change::BecameHealthy);
  EXPECT_TRUE(s.inService());
  EXPECT_EQ(s.recordSuccess(5), Change::None);
}

TEST(HealthCheckState, FirstFailureMarksUnhealthyAtOnce) {
  HealthCheckState s;
  EXPECT_EQ(s.recordFailure(3), Change::BecameUnhealthy);
  EXPECT_EQ(s.status(), Status::Unhealthy);
  // Coming back from a failed first check takes the full healthy threshold.
  EXPECT_EQ(s.recordSuccess(2), Change::None);
  EXPECT_EQ(s.recordSuccess(2), Change::BecameHealthy);
}

TEST(HealthCheckState, UnhealthyThresholdCountsConsecutiveFailures) {
  HealthCheckState s;
  ASSERT_EQ(s.recordSuccess(1), Change::BecameHealthy);
  EXPECT_EQ(s.recordFailure(3), Change::None);
  EXPECT_EQ(s.recordFailure(3), Change::None);
  EXPECT_EQ(s.recordSuccess(1), Change::None);  // resets the failure run
  EXPECT_EQ(s.consecutiveFailures(), 0u);
  EXPECT_EQ(s.recordFailure(3), Change::None);
  EXPECT_EQ(s.recordFailure(3), Change::None);
  EXPECT_TRUE(s.inService());
  EXPECT_EQ(s.recordFailure(3), Change::BecameUnhealthy);
  EXPECT_FALSE(s.inService());
  EXPECT_EQ(s.recordFailure(3), Change::None);
  EXPECT_EQ(s.consecutiveFailures(), 4u);
}

TEST(HealthCheckState, HealthyThresholdCountsConsecutiveSuccesses) {
  HealthCheckState s;
  ASSERT_EQ(s.recordFailure(1), Change::BecameUnhealthy);
  EXPECT_EQ(s.recordSuccess(3), Change::None);
  EXPECT_EQ(s.recordSuccess(3), Change::None);
  EXPECT_EQ(s.recordFailure(1), Change::None);  // resets the success run
  EXPECT_EQ(s.recordSuccess(3), Change::None);
  EXPECT_EQ(s.recordSuccess(3), Change::None);
  EXPECT_EQ(s.recordSuccess(3), Change::BecameHealthy);
}

TEST(HealthCheckState, ZeroThresholdsActLikeOne) {
  HealthCheckState s;
  ASSERT_EQ(s.recordSuccess(0), Change::BecameHealthy);
  EXPECT_EQ(s.recordFailure(0), Change::BecameUnhealthy);
  EXPECT_EQ(s.recordSuccess(0), Change::BecameHealthy);
}

TEST(HealthCheckSpec, ExpectedStatusRanges) {
  HealthCheckSpec spec;
  EXPECT_TRUE(spec.expects(200));
  EXPECT_TRUE(spec.expects(299));
  EXPECT_FALSE(spec.expects(300));
  EXPECT_FALSE(spec.expects(199));
  spec.expected_statuses = {{200, 200}, {418, 418}, {500, 503}};
  EXPECT_TRUE(spec.expects(418));
  EXPECT_TRUE(spec.expects(502));
  EXPECT_FALSE(spec.expects(204));
  EXPECT_FALSE(spec.expects(504));
  EXPECT_FALSE(spec.expects(-1));
}

// ------------------------------------------------------------------ the checker

class Checker : public ::testing::Test {
 protected:
  Checker() : checker_(loop_, registry_, 42) {}

  HealthCheckGroup group(const testing::TestUpstream& up, HealthCheckSpec spec) {
    HealthCheckGroup g;
    g.name = "default/hc";
    g.cluster = "outbound|80||svc.default.svc.cluster.local";
    g.spec = std::move(spec);
    HealthCheckTarget t;
    t.address = *net::Address::parse(up.address());
    t.address_text = up.address();
    t.records = {record_};
    g.targets.push_back(std::move(t));
    return g;
  }

  static HealthCheckSpec fastSpec() {
    HealthCheckSpec spec;
    spec.path = "/healthz";
    spec.authority = "svc.example";
    spec.interval = milliseconds(20);
    spec.timeout = milliseconds(200);
    spec.healthy_threshold = 2;
    spec.unhealthy_threshold = 2;
    return spec;
  }

  // Runs the loop until `cond` holds; bounded.
  bool runUntil(const std::function<bool()>& cond, milliseconds limit = milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      loop_.runOnce(milliseconds(5));
    }
    return true;
  }

  int64_t counter(const std::string& name, const metrics::Labels& labels) {
    return registry_.value(registry_.counter(name, "", labels));
  }

  const metrics::Labels labels_ = {{"cluster", "outbound|80||svc.default.svc.cluster.local"}};
  event::EventLoop loop_;
  metrics::Registry registry_;
  std::shared_ptr<EndpointHealth> record_ = std::make_shared<EndpointHealth>();
  HealthChecker checker_;
};

TEST_F(Checker, ProbesWithPathHostAndUserAgentThenFailsAndRecovers) {
  std::atomic<int> status{200};
  testing::TestUpstream up([&](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.status = status.load();
    r.body = "state";
    return r;
  });
  checker_.update({group(up, fastSpec())});
  // Pending: out of service until the first result.
  EXPECT_FALSE(record_->healthy.load());
  EXPECT_FALSE(checker_.warmedUp());
  ASSERT_TRUE(runUntil([&] { return record_->healthy.load(); }));
  EXPECT_TRUE(checker_.warmedUp());
  const testing::ReceivedRequest req = up.lastRequest();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/healthz");
  EXPECT_EQ(req.header("host"), "svc.example");
  EXPECT_EQ(req.header("user-agent"), "meshgate-health-check");

  status = 503;
  ASSERT_TRUE(runUntil([&] { return !record_->healthy.load(); }));
  EXPECT_EQ(checker_.status("default/hc", up.address()), Status::Unhealthy);
  EXPECT_EQ(
      counter("meshgate_upstream_health_check_failures_total", {labels_[0], {"reason", "status"}}),
      2);
  EXPECT_EQ(counter("meshgate_upstream_health_check_ejections_total", labels_), 1);

  status = 200;
  ASSERT_TRUE(runUntil([&] { return record_->healthy.load(); }));
  EXPECT_EQ(counter("meshgate_upstream_health_check_recoveries_total", labels_), 1);
  EXPECT_GE(counter("meshgate_upstream_health_check_attempts_total", labels_), 5);
  EXPECT_EQ(registry_.value(registry_.gauge("meshgate_upstream_endpoint_healthy", "",
                                            {labels_[0], {"endpoint", up.address()}})),
            1);
}

TEST_F(Checker, TimeoutCountsAsFailure) {
  testing::TestUpstream up([](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.delay = milliseconds(400);
    return r;
  });
  HealthCheckSpec spec = fastSpec();
  spec.timeout = milliseconds(50);
  checker_.update({group(up, spec)});
  ASSERT_TRUE(runUntil([&] { return checker_.warmedUp(); }));
  EXPECT_EQ(checker_.status("default/hc", up.address()), Status::Unhealthy);
  EXPECT_FALSE(record_->healthy.load());
  EXPECT_GE(
      counter("meshgate_upstream_health_check_failures_total", {labels_[0], {"reason", "timeout"}}),
      1);
}

TEST_F(Checker, ConnectFailureIsANetworkFailure) {
  uint16_t port;
  {
    testing::TestUpstream closed;
    port = closed.port();
  }
  HealthCheckGroup g;
  g.name = "default/hc";
  g.cluster = labels_[0].second;
  g.spec = fastSpec();
  HealthCheckTarget t;
  t.address = *net::Address::fromIp("127.0.0.1", port);
  t.address_text = t.address.toString();
  t.records = {record_};
  g.targets.push_back(t);
  checker_.update({g});
  ASSERT_TRUE(runUntil([&] { return checker_.warmedUp(); }));
  EXPECT_FALSE(record_->healthy.load());
  EXPECT_GE(
      counter("meshgate_upstream_health_check_failures_total", {labels_[0], {"reason", "network"}}),
      1);
}

TEST_F(Checker, UpdateKeepsStateOfUnchangedEndpointsAndReleasesRemovedOnes) {
  std::atomic<int> status{503};
  testing::TestUpstream up([&](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.status = status.load();
    return r;
  });
  HealthCheckSpec spec = fastSpec();
  spec.interval = std::chrono::seconds(30);  // one probe only in this test
  checker_.update({group(up, spec)});
  ASSERT_TRUE(runUntil([&] { return checker_.warmedUp(); }));
  ASSERT_FALSE(record_->healthy.load());
  const size_t probes = up.requestCount();

  // A reload: the same check and endpoint with a new record (a new subset cluster, say). The
  // verdict carries over and is written to the new record; no new probe is sent.
  auto fresh = std::make_shared<EndpointHealth>();
  HealthCheckGroup g = group(up, spec);
  g.targets[0].records.push_back(fresh);
  checker_.update({g});
  EXPECT_TRUE(checker_.warmedUp());
  EXPECT_FALSE(fresh->healthy.load());
  EXPECT_EQ(checker_.status("default/hc", up.address()), Status::Unhealthy);
  loop_.runOnce(milliseconds(20));
  EXPECT_EQ(up.requestCount(), probes);

  // The check is removed: its endpoints go back in service.
  checker_.update({});
  EXPECT_TRUE(record_->healthy.load());
  EXPECT_TRUE(fresh->healthy.load());
  EXPECT_EQ(checker_.sessionCount(), 0u);
}

TEST_F(Checker, ARecordCoveredByTwoChecksNeedsBothToPass) {
  testing::TestUpstream good;  // 200 "ok"
  testing::TestUpstream bad([](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.status = 500;
    return r;
  });
  // Two checks write the same record; the one probing `bad` fails.
  HealthCheckGroup a = group(good, fastSpec());
  HealthCheckGroup b = group(bad, fastSpec());
  b.name = "default/other";
  checker_.update({a, b});
  ASSERT_TRUE(runUntil([&] { return checker_.warmedUp(); }));
  EXPECT_EQ(checker_.status("default/hc", good.address()), Status::Healthy);
  EXPECT_EQ(checker_.status("default/other", bad.address()), Status::Unhealthy);
  EXPECT_FALSE(record_->healthy.load());
  EXPECT_EQ(checker_.statusOf(record_.get()).has_value(), true);
  // Without the failing check, the record follows the passing one.
  checker_.update({group(good, fastSpec())});
  EXPECT_TRUE(record_->healthy.load());
}

TEST_F(Checker, ExpectedStatusesDecide) {
  testing::TestUpstream up([](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.status = 418;
    return r;
  });
  HealthCheckSpec spec = fastSpec();
  spec.expected_statuses = {{418, 418}};
  checker_.update({group(up, spec)});
  ASSERT_TRUE(runUntil([&] { return checker_.warmedUp(); }));
  EXPECT_TRUE(record_->healthy.load());
}

}  // namespace
}  // namespace meshgate::upstream
