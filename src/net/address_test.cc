// SPDX-License-Identifier: Apache-2.0
#include "net/address.h"

#include <gtest/gtest.h>

#include <string>

namespace meshgate::net {
namespace {

TEST(Address, ParsesV4AndV6) {
  auto a = Address::parse("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port(), 8080);
  EXPECT_EQ(a->ip(), "127.0.0.1");
  EXPECT_EQ(a->toString(), "127.0.0.1:8080");
  EXPECT_TRUE(a->isLoopback());
  auto b = Address::parse("[::1]:443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->toString(), "[::1]:443");
  EXPECT_TRUE(b->isLoopback());
}

TEST(Address, FormatsEveryV4OctetWidth) {
  for (const char* ip :
       {"0.0.0.0", "255.255.255.255", "10.0.100.9", "192.168.1.10", "1.20.250.99"}) {
    auto a = Address::parse(std::string(ip) + ":80");
    ASSERT_TRUE(a.ok()) << ip;
    EXPECT_EQ(a->ip(), ip);
  }
}

TEST(Address, RejectsMalformed) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "::1:80", "[::1]80",
                          "host:80", "1.2.3:80", "[::1]:-1"}) {
    EXPECT_FALSE(Address::parse(bad).ok()) << bad;
  }
}

TEST(Cidr, ContainsRespectsPrefix) {
  auto c = Cidr::parse("10.1.2.3/8");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->toString(), "10.0.0.0/8");
  EXPECT_TRUE(c->contains(*Address::parse("10.200.0.1:1")));
  EXPECT_FALSE(c->contains(*Address::parse("11.0.0.1:1")));
  auto host = Cidr::parse("192.168.1.7");
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->contains(*Address::parse("192.168.1.7:9")));
  EXPECT_FALSE(host->contains(*Address::parse("192.168.1.8:9")));
  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->contains(*Address::parse("[2001:db8:1::5]:1")));
  EXPECT_FALSE(v6->contains(*Address::parse("10.0.0.1:1")));
  auto odd = Cidr::parse("10.0.0.0/12");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->contains(*Address::parse("10.15.255.255:1")));
  EXPECT_FALSE(odd->contains(*Address::parse("10.16.0.0:1")));
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "x", "::/129", "10.0.0.0/"}) {
    EXPECT_FALSE(Cidr::parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace meshgate::net
