// SPDX-License-Identifier: Apache-2.0
#include "workload/restart_backoff.h"

#include <gtest/gtest.h>

#include "workload/readiness.h"

namespace meshgate::workload {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Policy = config::Workload::RestartPolicy;

sandbox::Outcome exited(int code) {
  sandbox::Outcome o;
  o.kind = sandbox::Outcome::Kind::Exited;
  o.exit_code = code;
  return o;
}

sandbox::Outcome of(sandbox::Outcome::Kind kind) {
  sandbox::Outcome o;
  o.kind = kind;
  return o;
}

TEST(ShouldRestart, FollowsThePolicy) {
  EXPECT_TRUE(shouldRestart(Policy::Always, exited(0)));
  EXPECT_TRUE(shouldRestart(Policy::Always, exited(3)));
  EXPECT_FALSE(shouldRestart(Policy::OnFailure, exited(0)));
  EXPECT_TRUE(shouldRestart(Policy::OnFailure, exited(1)));
  EXPECT_TRUE(shouldRestart(Policy::OnFailure, of(sandbox::Outcome::Kind::Signaled)));
  EXPECT_TRUE(shouldRestart(Policy::OnFailure, of(sandbox::Outcome::Kind::Violation)));
  EXPECT_TRUE(shouldRestart(Policy::OnFailure, of(sandbox::Outcome::Kind::MemoryLimit)));
  EXPECT_TRUE(shouldRestart(Policy::OnFailure, of(sandbox::Outcome::Kind::ExecFailed)));
  EXPECT_FALSE(shouldRestart(Policy::Never, exited(1)));
  EXPECT_FALSE(shouldRestart(Policy::Never, of(sandbox::Outcome::Kind::Violation)));
}

TEST(RestartBackoff, DoublesUpToTheCap) {
  RestartBackoff b(seconds(1), seconds(30));
  const milliseconds quick(100);
  EXPECT_EQ(b.next(quick), seconds(1));
  EXPECT_EQ(b.next(quick), seconds(2));
  EXPECT_EQ(b.next(quick), seconds(4));
  EXPECT_EQ(b.next(quick), seconds(8));
  EXPECT_EQ(b.next(quick), seconds(16));
  EXPECT_EQ(b.next(quick), seconds(30));
  EXPECT_EQ(b.next(quick), seconds(30));
  EXPECT_EQ(b.consecutiveFailures(), 7u);
}

TEST(RestartBackoff, ResetsAfterAProcessStayedUp) {
  RestartBackoff b(milliseconds(200), seconds(5));
  EXPECT_EQ(b.resetAfter(), seconds(10));  // at least 10 s
  EXPECT_EQ(b.next(milliseconds(1)), milliseconds(200));
  EXPECT_EQ(b.next(milliseconds(1)), milliseconds(400));
  EXPECT_EQ(b.next(milliseconds(1)), milliseconds(800));
  // Up for just under the reset time: still backing off.
  EXPECT_EQ(b.next(seconds(10) - milliseconds(1)), milliseconds(1600));
  // Up long enough: the next ending counts as the first.
  EXPECT_EQ(b.next(seconds(10)), milliseconds(200));
  EXPECT_EQ(b.consecutiveFailures(), 1u);
  EXPECT_EQ(b.next(milliseconds(1)), milliseconds(400));
}

TEST(RestartBackoff, ResetTimeFollowsALargeMax) {
  RestartBackoff b(seconds(1), seconds(60));
  EXPECT_EQ(b.resetAfter(), seconds(60));
  b.next(seconds(0));
  b.next(seconds(0));
  EXPECT_EQ(b.next(seconds(59)), seconds(4));
  EXPECT_EQ(b.next(seconds(60)), seconds(1));
}

TEST(RestartBackoff, DegenerateSettings) {
  // max below initial: every delay is initial; zero initial: 1 ms, never a spin.
  RestartBackoff a(seconds(2), seconds(1));
  EXPECT_EQ(a.next(seconds(0)), seconds(2));
  EXPECT_EQ(a.next(seconds(0)), seconds(2));
  RestartBackoff z(seconds(0), seconds(0));
  EXPECT_EQ(z.next(seconds(0)), milliseconds(1));
  EXPECT_EQ(z.next(seconds(0)), milliseconds(1));
}

TEST(ReadinessState, ThresholdsAsKubernetes) {
  ReadinessState r(/*success=*/2, /*failure=*/3);
  EXPECT_FALSE(r.ready());
  EXPECT_FALSE(r.record(true));
  EXPECT_FALSE(r.ready());
  EXPECT_TRUE(r.record(true));  // second success in a row
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.record(false));
  EXPECT_FALSE(r.record(false));
  EXPECT_FALSE(r.record(true));  // a success clears the failure count
  EXPECT_FALSE(r.record(false));
  EXPECT_FALSE(r.record(false));
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.record(false));  // third failure in a row
  EXPECT_FALSE(r.ready());
  EXPECT_FALSE(r.record(true));
  EXPECT_FALSE(r.record(false));  // a failure clears the success count
  EXPECT_FALSE(r.record(true));
  EXPECT_TRUE(r.record(true));
  EXPECT_TRUE(r.ready());
}

TEST(ReadinessState, ResetAndZeroThresholds) {
  ReadinessState r(0, 0);  // treated as 1
  EXPECT_TRUE(r.record(true));
  EXPECT_TRUE(r.record(false));
  EXPECT_TRUE(r.record(true));
  r.reset();
  EXPECT_FALSE(r.ready());
  r.setThresholds(3, 1);
  EXPECT_FALSE(r.record(true));
  EXPECT_FALSE(r.record(true));
  EXPECT_TRUE(r.record(true));
}

}  // namespace
}  // namespace meshgate::workload
