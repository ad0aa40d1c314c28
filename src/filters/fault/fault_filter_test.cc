// SPDX-License-Identifier: Apache-2.0
#include "filters/fault/fault_filter.h"

#include <gtest/gtest.h>

#include "testing/fake_filter_context.h"

namespace meshgate::filters::fault {
namespace {

using filter_api::FilterStatus;

std::shared_ptr<FaultConfig> config(testing::FakeFilterContext& ctx) {
  auto c = std::make_shared<FaultConfig>();
  c->delays_injected = ctx.registry().counter("meshgate_fault_delays_injected_total", "t");
  c->aborts_injected = ctx.registry().counter("meshgate_fault_aborts_injected_total", "t");
  return c;
}

TEST(FaultFilter, AbortAtHundredPercentResponds) {
  testing::FakeFilterContext ctx;
  auto cfg = config(ctx);
  cfg->abort = FaultConfig::Abort{418, 100};
  FaultFilter f(cfg);
  EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Respond);
  ASSERT_TRUE(ctx.reply());
  EXPECT_EQ(ctx.reply()->status, 418);
  EXPECT_EQ(ctx.reply()->body, "fault filter abort");
}

TEST(FaultFilter, DelayWaitsThenResumes) {
  testing::FakeFilterContext ctx;
  auto cfg = config(ctx);
  cfg->delay = FaultConfig::Delay{std::chrono::milliseconds(200), 100};
  FaultFilter f(cfg);
  EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Wait);
  EXPECT_NE(ctx.logFields().find("\"fault_delay_ms\":200"), std::string::npos);
  ctx.manualClock().advance(std::chrono::milliseconds(199));
  ctx.eventLoop().runOnce(std::chrono::milliseconds(0));
  EXPECT_EQ(ctx.resumeCount(), 0);
  ctx.manualClock().advance(std::chrono::milliseconds(2));
  ctx.eventLoop().runOnce(std::chrono::milliseconds(0));
  EXPECT_EQ(ctx.resumeCount(), 1);
  EXPECT_FALSE(ctx.reply());
  EXPECT_EQ(ctx.responseFlags(), 1u << 14);
}

TEST(FaultFilter, DelayThenAbort) {
  testing::FakeFilterContext ctx;
  auto cfg = config(ctx);
  cfg->delay = FaultConfig::Delay{std::chrono::milliseconds(10), 100};
  cfg->abort = FaultConfig::Abort{503, 100};
  FaultFilter f(cfg);
  EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Wait);
  ctx.manualClock().advance(std::chrono::milliseconds(11));
  ctx.eventLoop().runOnce(std::chrono::milliseconds(0));
  ASSERT_TRUE(ctx.reply());
  EXPECT_EQ(ctx.reply()->status, 503);
  EXPECT_EQ(ctx.resumeCount(), 1);
}

TEST(FaultFilter, PercentagesAreHonouredStatistically) {
  testing::FakeFilterContext ctx;
  auto cfg = config(ctx);
  cfg->abort = FaultConfig::Abort{500, 25};
  int aborted = 0;
  for (int i = 0; i < 20000; ++i) {
    FaultFilter f(cfg);
    aborted += f.onRequestHeaders(ctx, true) == FilterStatus::Respond;
  }
  EXPECT_NEAR(aborted, 5000, 300);
  EXPECT_EQ(ctx.registry().value(cfg->aborts_injected), aborted);
}

TEST(FaultFilter, DrawPercentEdges) {
  EXPECT_TRUE(drawPercent(100, 999999));
  EXPECT_FALSE(drawPercent(0, 0));
  EXPECT_TRUE(drawPercent(0.0001, 0));  // one in a million
  EXPECT_FALSE(drawPercent(0.0001, 1));
}

}  // namespace
}  // namespace meshgate::filters::fault
