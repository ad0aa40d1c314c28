// SPDX-License-Identifier: Apache-2.0
#include "jwt/claims.h"

#include <gtest/gtest.h>

namespace meshgate::jwt {
namespace {

Claims claims(std::string_view text) {
  return Claims(*JsonValue::parse(text));
}

using Strings = std::vector<std::string_view>;

TEST(Claims, TopLevelAndNestedLookup) {
  Claims c = claims(R"({"sub":"alice","realm":{"roles":{"admin":true}},"n":3})");
  EXPECT_EQ(c.string("sub"), "alice");
  EXPECT_FALSE(c.string("n"));
  EXPECT_FALSE(c.string("missing"));
  EXPECT_TRUE(c.findPath({"realm", "roles", "admin"})->asBool());
  EXPECT_FALSE(c.findPath({"realm", "roles", "user"}));
  EXPECT_FALSE(c.findPath({"sub", "x"}));
  EXPECT_TRUE(c.findPath({})->isObject());
}

TEST(Claims, DottedNamesPreferAnExactTopLevelClaim) {
  Claims c = claims(R"({"a":{"b":{"c":"nested"}},"a.b":"flat","https://x.io/roles":["r"]})");
  EXPECT_EQ(c.findDotted("a.b.c")->asString(), "nested");
  EXPECT_EQ(c.findDotted("a.b")->asString(), "flat");
  EXPECT_EQ(c.findDotted("https://x.io/roles")->at(0).asString(), "r");
  EXPECT_FALSE(c.findDotted("a.x"));
  EXPECT_FALSE(c.findDotted("nope"));
}

TEST(Claims, StringLists) {
  Claims c = claims(R"({"scope":"read  write admin","groups":["g1",2,"g2",null],"one":"x y",)"
                    R"("obj":{}})");
  EXPECT_EQ(stringList(*c.find("scope"), SpaceDelimited::Yes), (Strings{"read", "write", "admin"}));
  EXPECT_EQ(stringList(*c.find("scope")), (Strings{"read  write admin"}));
  EXPECT_EQ(stringList(*c.find("groups")), (Strings{"g1", "g2"}));
  EXPECT_EQ(stringList(*c.find("one")), (Strings{"x y"}));
  EXPECT_TRUE(stringList(*c.find("obj")).empty());
  EXPECT_TRUE(stringList(JsonValue()).empty());
}

TEST(Claims, SpaceDelimitedDefaultsFollowIstio) {
  EXPECT_TRUE(isSpaceDelimitedClaim("scope"));
  EXPECT_TRUE(isSpaceDelimitedClaim("permission"));
  EXPECT_FALSE(isSpaceDelimitedClaim("groups"));
  std::vector<std::string> extra = {"roles"};
  EXPECT_TRUE(isSpaceDelimitedClaim("roles", extra));
}

TEST(Claims, HeaderValues) {
  Claims c = claims(R"({"s":"v","i":42,"d":1.5,"b":false,"l":["a",1,true],"o":{"x":1},)"
                    R"("z":null,"bad":"a\r\nX-Injected: 1","nested":[["a"]]})");
  EXPECT_EQ(claimHeaderValue(*c.find("s")), "v");
  EXPECT_EQ(claimHeaderValue(*c.find("i")), "42");
  EXPECT_EQ(claimHeaderValue(*c.find("d")), "1.5");
  EXPECT_EQ(claimHeaderValue(*c.find("b")), "false");
  EXPECT_EQ(claimHeaderValue(*c.find("l")), "a,1,true");
  EXPECT_FALSE(claimHeaderValue(*c.find("o")));
  EXPECT_FALSE(claimHeaderValue(*c.find("z")));
  EXPECT_FALSE(claimHeaderValue(*c.find("bad")));
  EXPECT_FALSE(claimHeaderValue(*c.find("nested")));
}

TEST(Claims, CopiesShareTheDocument) {
  Claims a = claims(R"({"k":"value that is long enough to be heap allocated"})");
  Claims b = a;
  std::string_view v = *b.string("k");
  a = Claims();
  EXPECT_EQ(v, "value that is long enough to be heap allocated");
  EXPECT_EQ(b.toJson(), R"({"k":"value that is long enough to be heap allocated"})");
}

}  // namespace
}  // namespace meshgate::jwt
