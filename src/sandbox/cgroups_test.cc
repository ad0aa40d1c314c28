// SPDX-License-Identifier: Apache-2.0
#include "sandbox/cgroups.h"

#include <gtest/gtest.h>

namespace meshgate::sandbox {
namespace {

TEST(Cgroups, ParsesAHybridHost) {
  // This machine's layout: v1 controllers plus an empty cgroup2 at unified/.
  const std::string mountinfo =
      "30 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "34 30 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
      "35 30 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "36 30 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "37 24 0:33 / /proc rw,relatime - proc proc rw\n";
  const std::string self =
      "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";
  auto hs = parseCgroupHierarchies(mountinfo, self);
  ASSERT_EQ(hs.size(), 5u);  // name=systemd has no controller and is left out
  EXPECT_EQ(hs[0].version, 1);
  EXPECT_EQ(hs[0].mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(hs[0].controllers, std::vector<std::string>{"cpu"});
  EXPECT_EQ(hs[2].mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(hs[2].own_path, "/process_api/abc");
  EXPECT_EQ(hs[4].version, 2);
  EXPECT_EQ(hs[4].mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(hs[4].own_path, "/");
}

TEST(Cgroups, ParsesAUnifiedHostInsideAContainer) {
  // A cgroup namespace: the mount's root is the container's own cgroup.
  const std::string mountinfo =
      "40 30 0:35 /kubepods/pod1 /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
  const std::string self = "0::/kubepods/pod1/app\n";
  auto hs = parseCgroupHierarchies(mountinfo, self);
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].version, 2);
  EXPECT_EQ(hs[0].own_path, "/app");
}

TEST(Cgroups, CombinedV1ControllersAndEscapedMountPoints) {
  const std::string mountinfo =
      "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "32 30 0:28 / /mnt/my\\040cgroups rw - cgroup cgroup rw,pids\n";
  const std::string self = "3:cpuacct,cpu:/a\n2:pids:/b\n";
  auto hs = parseCgroupHierarchies(mountinfo, self);
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(hs[0].own_path, "/a");
  EXPECT_EQ(hs[1].mount_point, "/mnt/my cgroups");
}

TEST(Cgroups, NoLimitsNeedNoCgroup) {
  auto set = CgroupSet::create(LimitsSpec{}, "", "unused");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set.value(), nullptr);
}

}  // namespace
}  // namespace meshgate::sandbox
