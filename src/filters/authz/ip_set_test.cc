// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/ip_set.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace meshgate::filters::authz {
namespace {

IpRangeSet make(std::initializer_list<const char*> cidrs) {
  IpRangeSet s;
  for (const char* c : cidrs) {
    auto parsed = config::Cidr::parse(c);
    EXPECT_TRUE(parsed) << c;
    if (parsed) s.add(*parsed);
  }
  s.finalize();
  return s;
}

IpKey ip(const std::string& text) {
  auto a = net::Address::fromIp(text, 1);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? IpKey::fromAddress(*a) : IpKey{};
}

TEST(IpRangeSetTest, V4RangesAndBareAddresses) {
  IpRangeSet s = make({"10.0.0.0/8", "192.168.1.7", "172.16.0.0/12"});
  EXPECT_TRUE(s.contains(ip("10.0.0.0")));
  EXPECT_TRUE(s.contains(ip("10.255.255.255")));
  EXPECT_FALSE(s.contains(ip("11.0.0.0")));
  EXPECT_FALSE(s.contains(ip("9.255.255.255")));
  EXPECT_TRUE(s.contains(ip("192.168.1.7")));
  EXPECT_FALSE(s.contains(ip("192.168.1.8")));
  EXPECT_TRUE(s.contains(ip("172.31.255.255")));
  EXPECT_FALSE(s.contains(ip("172.32.0.0")));
}

TEST(IpRangeSetTest, AllAndNothing) {
  IpRangeSet all = make({"0.0.0.0/0"});
  EXPECT_TRUE(all.contains(ip("0.0.0.0")));
  EXPECT_TRUE(all.contains(ip("255.255.255.255")));
  EXPECT_FALSE(all.contains(ip("::1"))) << "0.0.0.0/0 is IPv4 only";
  IpRangeSet all6 = make({"::/0"});
  EXPECT_TRUE(all6.contains(ip("::1")));
  EXPECT_TRUE(all6.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(all6.contains(ip("1.2.3.4"))) << "::/0 does not match IPv4 clients (Envoy)";
  IpRangeSet none;
  none.finalize();
  EXPECT_FALSE(none.contains(ip("1.2.3.4")));
  EXPECT_FALSE(all.contains(IpKey{})) << "no address matches nothing";
}

TEST(IpRangeSetTest, V6Ranges) {
  IpRangeSet s = make({"2001:db8::/32", "fe80::1"});
  EXPECT_TRUE(s.contains(ip("2001:db8::")));
  EXPECT_TRUE(s.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(s.contains(ip("2001:db9::")));
  EXPECT_TRUE(s.contains(ip("fe80::1")));
  EXPECT_FALSE(s.contains(ip("fe80::2")));
}

TEST(IpRangeSetTest, MappedV4MatchesV4Ranges) {
  IpRangeSet s = make({"10.0.0.0/8"});
  EXPECT_TRUE(s.contains(ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(s.contains(ip("::ffff:11.1.2.3")));
  // A v6 range written in mapped form matches it too.
  IpRangeSet m = make({"::ffff:0:0/96"});
  EXPECT_TRUE(m.contains(ip("::ffff:1.2.3.4")));
}

TEST(IpRangeSetTest, OverlappingAndAdjacentRangesMerge) {
  IpRangeSet s = make({"10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.3.0/24"});
  EXPECT_TRUE(s.contains(ip("10.0.0.0")));
  EXPECT_TRUE(s.contains(ip("10.0.1.255")));
  EXPECT_FALSE(s.contains(ip("10.0.2.0")));
  EXPECT_TRUE(s.contains(ip("10.0.3.9")));
}

TEST(IpRangeSetTest, ManyRanges) {
  IpRangeSet s;
  for (int i = 0; i < 256; i += 2) {
    auto c = config::Cidr::parse("10." + std::to_string(i) + ".0.0/16");
    ASSERT_TRUE(c);
    s.add(*c);
  }
  s.finalize();
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ(s.contains(ip("10." + std::to_string(i) + ".7.7")), i % 2 == 0) << i;
  }
}

TEST(IpKeyTest, FromConfigAndAddressAgree) {
  auto a = config::IpAddress::parse("192.0.2.1");
  ASSERT_TRUE(a);
  IpKey k = IpKey::fromConfig(*a);
  IpKey k2 = ip("192.0.2.1");
  EXPECT_EQ(k.family, IpKey::Family::V4);
  EXPECT_EQ(k.v4, k2.v4);
  auto b = config::IpAddress::parse("2001:db8::5");
  ASSERT_TRUE(b);
  EXPECT_TRUE(IpKey::fromConfig(*b).v6 == ip("2001:db8::5").v6);
  EXPECT_FALSE(ip("2001:db8::5").mappedV4());
  ASSERT_TRUE(ip("::ffff:192.0.2.1").mappedV4());
  EXPECT_EQ(*ip("::ffff:192.0.2.1").mappedV4(), k.v4);
}

}  // namespace
}  // namespace meshgate::filters::authz
