// SPDX-License-Identifier: Apache-2.0
#include "jwt/json_value.h"

#include <gtest/gtest.h>

namespace meshgate::jwt {
namespace {

JsonValue parse(std::string_view text) {
  auto r = JsonValue::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : JsonValue();
}

TEST(JsonValue, Scalars) {
  EXPECT_TRUE(parse("null").isNull());
  EXPECT_TRUE(parse("true").asBool());
  EXPECT_FALSE(parse("false").asBool());
  EXPECT_EQ(parse("-42").asInt64(), -42);
  EXPECT_EQ(parse("18446744073709551615").type(), JsonValue::Type::Uint);
  EXPECT_FALSE(parse("18446744073709551615").asInt64());
  EXPECT_EQ(parse("1.5").asDouble(), 1.5);
  EXPECT_FALSE(parse("1.5").asInt64());
  EXPECT_EQ(parse("\"a\\u00e9\\n\"").asString(), "a\xc3\xa9\n");
  EXPECT_TRUE(parse("\"x\"").isString());
  EXPECT_FALSE(parse("\"x\"").isNumber());
}

TEST(JsonValue, NestedLookups) {
  JsonValue v = parse(R"({"a":{"b":[1,"two",{"c":null}]},"d":"e"})");
  ASSERT_TRUE(v.isObject());
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.keyAt(0), "a");
  EXPECT_EQ(v.keyAt(1), "d");
  auto b = v.find("a")->find("b");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->isArray());
  EXPECT_EQ(b->size(), 3u);
  EXPECT_EQ(b->at(0).asInt64(), 1);
  EXPECT_EQ(b->at(1).asString(), "two");
  EXPECT_TRUE(b->at(2).find("c")->isNull());
  EXPECT_FALSE(b->at(2).find("z"));
  EXPECT_FALSE(v.find("d")->find("x"));  // find on a string
}

TEST(JsonValue, ChildrenKeepTheDocumentAlive) {
  JsonValue child;
  std::string_view text;
  {
    JsonValue root = parse(R"({"k":["a long enough string to live on the heap"]})");
    child = root.find("k")->at(0);
  }
  text = child.asString();
  EXPECT_EQ(text, "a long enough string to live on the heap");
}

TEST(JsonValue, RejectsInvalidJson) {
  for (std::string_view bad :
       {"", "{", "{\"a\":}", "[1,]", "{'a':1}", "tru", "\"\xff\"", "{\"a\":1}x", "01", "NaN"}) {
    EXPECT_FALSE(JsonValue::parse(bad).ok()) << bad;
  }
}

TEST(JsonValue, RejectsDuplicateMembers) {
  EXPECT_FALSE(JsonValue::parse(R"({"a":1,"a":2})").ok());
  EXPECT_FALSE(JsonValue::parse(R"({"x":{"a":1,"b":2,"a":3}})").ok());
  std::string many = "{";
  for (int i = 0; i < 40; ++i)
    many += "\"k" + std::to_string(i) + "\":1,";
  EXPECT_TRUE(JsonValue::parse(many + "\"z\":1}").ok());
  EXPECT_FALSE(JsonValue::parse(many + "\"k7\":1}").ok());
}

TEST(JsonValue, EnforcesLimits) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_FALSE(JsonValue::parse(deep).ok());
  JsonParseOptions options;
  options.max_depth = 64;
  EXPECT_TRUE(JsonValue::parse(deep, options).ok());
  options.max_bytes = 10;
  EXPECT_FALSE(JsonValue::parse("[1,2,3,4,5,6]", options).ok());
}

TEST(JsonValue, EdgeCases) {
  EXPECT_EQ(parse("-0").asInt64(), 0);
  EXPECT_EQ(parse("1e-400").asDouble(), 0.0);
  EXPECT_EQ(parse("-9223372036854775808").asInt64(), INT64_MIN);
  // Out of every number type's range, as before.
  EXPECT_FALSE(JsonValue::parse("1e400").ok());
  EXPECT_FALSE(JsonValue::parse("[-1e400]").ok());
  EXPECT_FALSE(JsonValue::parse("18446744073709551616").ok());
  EXPECT_FALSE(JsonValue::parse("-9223372036854775809").ok());
  // Strict text.
  for (std::string_view bad : {"", "{} x", "[1,]", "\"\xff\"", "\"\\ud800\"", "\"\\udc00\""}) {
    EXPECT_FALSE(JsonValue::parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(JsonValue::parse(std::string_view("[1]\0", 4)).ok());
  EXPECT_EQ(JsonValue::parse("[1,]").error().message, "invalid JSON at offset 3: invalid value");
  EXPECT_EQ(parse("\"a\\u0000b\"").asString(), std::string_view("a\0b", 3));
  EXPECT_EQ(JsonValue::parse(R"({"a":1,"a":2})").error().message, "duplicate JSON member name");
  // max_depth counts arrays and objects: a scalar inside the deepest one is fine.
  JsonParseOptions two;
  two.max_depth = 2;
  EXPECT_TRUE(JsonValue::parse("[[1]]", two).ok());
  EXPECT_FALSE(JsonValue::parse("[[[]]]", two).ok());
  // Member names stay with their values through nested containers.
  JsonValue v = parse(R"({"a":[{"b":1},{"c":[2,{"d":3}]}],"e":{"f":{}},"g":4})");
  EXPECT_EQ(v.toJson(), R"({"a":[{"b":1},{"c":[2,{"d":3}]}],"e":{"f":{}},"g":4})");
  EXPECT_EQ(v.keyAt(1), "e");
  EXPECT_EQ(v.find("a")->at(1).find("c")->at(1).find("d")->asInt64(), 3);
}

TEST(JsonValue, SerialisesBack) {
  std::string text = R"({"s":"q\"\\","n":-1,"u":18446744073709551615,"d":0.25,"b":true,)"
                     R"("z":null,"a":[1,[],{}]})";
  EXPECT_EQ(parse(text).toJson(), text);
  EXPECT_EQ(parse(parse("1e2").toJson()).asDouble(), 100.0);
  EXPECT_EQ(parse("1.0").toJson(), "1");
}

}  // namespace
}  // namespace meshgate::jwt
