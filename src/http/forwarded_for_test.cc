// SPDX-License-Identifier: Apache-2.0
#include "http/forwarded_for.h"

#include <gtest/gtest.h>

#include <string>

namespace meshgate::http {
namespace {

std::string pick(std::string_view xff, bool use_remote, uint32_t hops) {
  auto r = trustedClientFromXff(xff, use_remote, hops);
  return r ? std::string(*r) : std::string("<peer>");
}

TEST(ForwardedForTest, UseRemoteAddressWithoutTrustedHopsIsThePeer) {
  EXPECT_EQ(pick("1.1.1.1", true, 0), "<peer>");
  EXPECT_EQ(pick("1.1.1.1, 2.2.2.2", true, 0), "<peer>");
  EXPECT_EQ(pick("", true, 0), "<peer>");
}

TEST(ForwardedForTest, UseRemoteAddressTakesTheNthFromTheRight) {
  // Envoy's example 2: one trusted proxy in front; XFF "client, proxy-added".
  EXPECT_EQ(pick("203.0.113.10", true, 1), "203.0.113.10");
  EXPECT_EQ(pick("198.51.100.1, 203.0.113.10", true, 1), "203.0.113.10");
  EXPECT_EQ(pick("198.51.100.1, 203.0.113.10", true, 2), "198.51.100.1");
  // Fewer addresses than trusted hops: the peer.
  EXPECT_EQ(pick("203.0.113.10", true, 2), "<peer>");
  EXPECT_EQ(pick("", true, 1), "<peer>");
}

TEST(ForwardedForTest, WithoutUseRemoteAddressTakesTheNPlusFirst) {
  EXPECT_EQ(pick("1.1.1.1, 2.2.2.2", false, 0), "2.2.2.2");
  EXPECT_EQ(pick("1.1.1.1, 2.2.2.2", false, 1), "1.1.1.1");
  EXPECT_EQ(pick("1.1.1.1, 2.2.2.2", false, 2), "<peer>");
  EXPECT_EQ(pick("", false, 0), "<peer>");
}

TEST(ForwardedForTest, WhitespaceAndEmptyElements) {
  EXPECT_EQ(pick("  1.1.1.1 ,\t2.2.2.2\t", false, 0), "2.2.2.2");
  EXPECT_EQ(pick("  1.1.1.1 ,\t2.2.2.2\t", false, 1), "1.1.1.1");
  // An empty element at the chosen position cannot name a client.
  EXPECT_EQ(pick("1.1.1.1,,2.2.2.2", false, 1), "<peer>");
  EXPECT_EQ(pick("1.1.1.1,", false, 0), "<peer>");
  EXPECT_EQ(pick(",", false, 1), "<peer>");
}

TEST(ForwardedForTest, ElementsAreReturnedAsWritten) {
  // Not an IP: returned, and the caller falls back to the peer when parsing fails.
  EXPECT_EQ(pick("unknown, 2001:db8::1", false, 0), "2001:db8::1");
  EXPECT_EQ(pick("unknown, 2001:db8::1", false, 1), "unknown");
}

TEST(ForwardedForTest, HugeTrustedHopsDoNotOverflow) {
  EXPECT_EQ(pick("1.1.1.1", false, UINT32_MAX), "<peer>");
  EXPECT_EQ(pick("1.1.1.1", true, UINT32_MAX), "<peer>");
}

}  // namespace
}  // namespace meshgate::http
