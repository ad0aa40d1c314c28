// SPDX-License-Identifier: Apache-2.0
#include "sandbox/landlock.h"

#include <gtest/gtest.h>

namespace meshgate::sandbox {
namespace {

Profile withMounts() {
  Profile p;
  addBind(p, "/usr", "/usr", true);
  addBind(p, "/srv", "/srv", false);
  return p;
}

TEST(Landlock, EveryAbiGetsTheRightsItKnows) {
  const uint64_t expected[] = {0, 0x1fff, 0x3fff, 0x7fff, 0x7fff, 0xffff, 0xffff, 0xffff};
  for (int abi = 1; abi <= 7; ++abi) {
    auto plan = planLandlock(withMounts(), abi);
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(plan->enabled);
    EXPECT_EQ(plan->handled_fs, expected[abi]) << "ABI " << abi;
  }
}

TEST(Landlock, RulesMirrorTheMountView) {
  auto plan = planLandlock(withMounts(), 7);
  ASSERT_TRUE(plan.ok());
  // "/", /tmp (default tmpfs), /usr, /srv, /proc, /dev.
  ASSERT_EQ(plan->rules.size(), 6u);
  EXPECT_EQ(plan->rules[0].path, "/");
  EXPECT_EQ(plan->rules[0].access, 1u << 3);  // READ_DIR only
  const uint64_t execute = 1u << 0, write_file = 1u << 1, read_file = 1u << 2;
  const uint64_t make_char = 1u << 6, make_block = 1u << 11;
  for (const auto& r : plan->rules) {
    EXPECT_EQ(r.access & (make_char | make_block), 0u) << r.path;
    if (r.path == "/usr") {
      EXPECT_TRUE(r.access & execute);
      EXPECT_FALSE(r.access & write_file);
    }
    if (r.path == "/srv" || r.path == "/tmp") {
      EXPECT_TRUE(r.access & write_file);
      EXPECT_FALSE(r.access & execute) << "writable paths are not executable";
    }
    if (r.path == "/proc") EXPECT_EQ(r.access, read_file | (1u << 3));
  }
}

TEST(Landlock, TcpRulesAndScopesNeedTheirAbi) {
  Profile p = withMounts();
  p.landlock.bind_tcp = std::vector<uint16_t>{8080};
  auto old = planLandlock(p, 3);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->handled_net, 0u);
  EXPECT_EQ(old->scoped, 0u);
  ASSERT_EQ(old->not_enforced.size(), 2u);
  EXPECT_EQ(old->not_enforced[0], "TCP port rules need ABI 4");
  auto v4 = planLandlock(p, 4);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->handled_net, 1u);  // bind only: connect stays unrestricted
  EXPECT_EQ(v4->scoped, 0u);
  auto v6 = planLandlock(p, 6);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->scoped, 3u);
  EXPECT_TRUE(v6->not_enforced.empty());
  EXPECT_EQ(v6->describe(),
            "ABI 6: 6 path rules over 16 file-system rights, TCP bind (1 ports), scoped: signals "
            "abstract-unix-sockets");
}

TEST(Landlock, RequiredModeFailsWhereBestEffortDegrades) {
  Profile p = withMounts();
  p.landlock.mode = LandlockMode::Required;
  auto none = planLandlock(p, 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(
      none.error().message,
      "landlock: Landlock is not available (kernel ABI 0, and spec.landlock.mode is required)");
  p.landlock.mode = LandlockMode::BestEffort;
  auto degraded = planLandlock(p, 0);
  ASSERT_TRUE(degraded.ok());
  EXPECT_FALSE(degraded->enabled);
  EXPECT_EQ(degraded->describe(), "off (the kernel has no Landlock)");
  p.landlock.mode = LandlockMode::Off;
  EXPECT_EQ(planLandlock(p, 7)->describe(), "off (disabled by the profile)");
}

TEST(Landlock, ExplicitPathsReplaceTheDerivedOnes) {
  Profile p = withMounts();
  p.landlock.paths = std::vector<LandlockPathRule>{{"/srv/data", kLandlockRead}};
  auto plan = planLandlock(p, 7);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->rules.size(), 1u);
  EXPECT_EQ(plan->rules[0].access, (1u << 2) | (1u << 3));
  EXPECT_FALSE(plan->rules[0].optional);
}

}  // namespace
}  // namespace meshgate::sandbox
