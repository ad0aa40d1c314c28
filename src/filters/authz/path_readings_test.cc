// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/path_readings.h"

#include <gtest/gtest.h>

namespace meshgate::filters::authz {
namespace {

struct Readings {
  std::string dots_first;
  std::string merge_first;
};

Readings read(std::string_view path, bool lowercase = false) {
  Readings r;
  EXPECT_TRUE(canonicalReadings(path, lowercase, r.dots_first, r.merge_first)) << path;
  return r;
}

TEST(PathReadingsTest, EveryStepIsApplied) {
  EXPECT_EQ(read("/admin%2Fx").dots_first, "/admin/x");
  EXPECT_EQ(read("/admin%2fx").dots_first, "/admin/x");
  EXPECT_EQ(read("/a%5Cb").dots_first, "/a/b");
  EXPECT_EQ(read("/%61dmin").dots_first, "/admin");
  EXPECT_EQ(read("/%2e%2e/admin").dots_first, "/admin");
  EXPECT_EQ(read("/admin;jsessionid=1/x").dots_first, "/admin/x");
  EXPECT_EQ(read("/public/..;/admin").dots_first, "/admin");
  EXPECT_EQ(read("/a\\..\\admin").dots_first, "/admin");
  EXPECT_EQ(read("//admin///x").dots_first, "/admin/x");
  EXPECT_EQ(read("/a/./b/../c").dots_first, "/a/c");
  EXPECT_EQ(read("/ADMIN", true).dots_first, "/admin");
  EXPECT_EQ(read("/ADMIN").dots_first, "/ADMIN");
}

TEST(PathReadingsTest, TheTwoOrdersOfDotsAndSlashes) {
  Readings a = read("/public//..//admin");
  EXPECT_EQ(a.dots_first, "/public/admin") << "'..' removes the empty segment first";
  EXPECT_EQ(a.merge_first, "/admin") << "nginx merges slashes while resolving dots";
  Readings b = read("/admin//..");
  EXPECT_EQ(b.dots_first, "/admin/");
  EXPECT_EQ(b.merge_first, "/");
}

TEST(PathReadingsTest, DecodingHappensOnce) {
  EXPECT_EQ(read("/a%252Fb").dots_first, "/a%252Fb");
  EXPECT_EQ(read("/a%252Fb").merge_first, "/a%252Fb");
}

TEST(PathReadingsTest, InvalidPathsAreRefused) {
  std::string a, b;
  EXPECT_FALSE(canonicalReadings("admin", false, a, b));
  EXPECT_FALSE(canonicalReadings("/a%zz", false, a, b));
  EXPECT_FALSE(canonicalReadings("/a%00", false, a, b));
}

TEST(PathReadingsTest, CleanPathsNeedNoReading) {
  EXPECT_FALSE(mayHaveOtherReadings("/"));
  EXPECT_FALSE(mayHaveOtherReadings("/api/v1/items/42"));
  EXPECT_FALSE(mayHaveOtherReadings("/a.b/c..d/"));
  for (const char* p : {"/a%2Fb", "/a\\b", "/a;b", "//a", "/a//b", "/./a", "/a/..", "/a/.b"}) {
    EXPECT_TRUE(mayHaveOtherReadings(p)) << p;
  }
  // Every path that has another reading is flagged.
  for (const char* p : {"/a.b/c..d/", "/api/v1", "/x-y_z~"}) {
    std::string a, b;
    ASSERT_TRUE(canonicalReadings(p, false, a, b));
    EXPECT_EQ(a, p);
    EXPECT_EQ(b, p);
  }
}

}  // namespace
}  // namespace meshgate::filters::authz
