// SPDX-License-Identifier: Apache-2.0
#include "http/forwarded_for.h"

#include <gtest/gtest.h>

namespace meshgate::http {
namespace {

TEST(ForwardedForTest, EntriesFromTheRight) {
  const std::string_view xff = "203.0.113.7, 10.0.0.1,10.0.0.2 ,\t2001:db8::1";
  EXPECT_EQ(forwardedForEntry(xff, 0), "2001:db8::1");
  EXPECT_EQ(forwardedForEntry(xff, 1), "10.0.0.2");
  EXPECT_EQ(forwardedForEntry(xff, 2), "10.0.0.1");
  EXPECT_EQ(forwardedForEntry(xff, 3), "203.0.113.7");
  EXPECT_EQ(forwardedForEntry(xff, 4), std::nullopt);
  EXPECT_EQ(forwardedForEntry(xff, UINT32_MAX), std::nullopt);
  EXPECT_EQ(forwardedForEntry("1.2.3.4", 0), "1.2.3.4");
  EXPECT_EQ(forwardedForEntry("1.2.3.4", 1), std::nullopt);
}

TEST(ForwardedForTest, EmptyEntriesAreNotAddresses) {
  EXPECT_EQ(forwardedForEntry("", 0), std::nullopt);
  EXPECT_EQ(forwardedForEntry("   ", 0), std::nullopt);
  EXPECT_EQ(forwardedForEntry("1.2.3.4,", 0), std::nullopt);
  EXPECT_EQ(forwardedForEntry("1.2.3.4,", 1), "1.2.3.4");
  EXPECT_EQ(forwardedForEntry(",1.2.3.4", 1), std::nullopt);
  EXPECT_EQ(forwardedForEntry("a,,b", 1), std::nullopt);
  EXPECT_EQ(forwardedForEntry("a,,b", 2), "a");
}

// Envoy's table (docs: "x-forwarded-for" and xff_num_trusted_hops).
TEST(ForwardedForTest, TrustedClientFollowsEnvoy) {
  const std::string_view xff = "198.51.100.1, 203.0.113.5, 10.1.1.1";
  // use_remote_address: the XFF as received, before the peer is appended.
  EXPECT_EQ(trustedClientFromForwardedFor(xff, true, 0), std::nullopt);  // the peer
  EXPECT_EQ(trustedClientFromForwardedFor(xff, true, 1), "10.1.1.1");
  EXPECT_EQ(trustedClientFromForwardedFor(xff, true, 2), "203.0.113.5");
  EXPECT_EQ(trustedClientFromForwardedFor(xff, true, 3), "198.51.100.1");
  EXPECT_EQ(trustedClientFromForwardedFor(xff, true, 4), std::nullopt);  // too few: the peer
  // Without use_remote_address the last entry is the trusted proxy's view of our peer.
  EXPECT_EQ(trustedClientFromForwardedFor(xff, false, 0), "10.1.1.1");
  EXPECT_EQ(trustedClientFromForwardedFor(xff, false, 1), "203.0.113.5");
  EXPECT_EQ(trustedClientFromForwardedFor(xff, false, 3), std::nullopt);
  EXPECT_EQ(trustedClientFromForwardedFor("", false, 0), std::nullopt);
  EXPECT_EQ(trustedClientFromForwardedFor("", true, 1), std::nullopt);
}

}  // namespace
}  // namespace meshgate::http
