// SPDX-License-Identifier: Apache-2.0
#include "rego/value/value.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "rego/value/json.h"
#include "rego/value/number.h"

namespace meshgate::rego {
namespace {

Value num(const char* text) {
  return Value::numberFromText(text);
}

TEST(Value, SortOrderFollowsOpa) {
  // null < boolean < number < string < array < object < set
  std::vector<Value> ordered = {
      Value::null(),    Value::boolean(false), Value::boolean(true), Value::integer(-1),
      num("2.5"),       Value::string("a"),    Value::array({}),     Value::emptyObject(),
      Value::emptySet()};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(compare(ordered[i], ordered[i + 1]), 0) << i;
    EXPECT_GT(compare(ordered[i + 1], ordered[i]), 0) << i;
  }
}

TEST(Value, NumbersCompareByValueAcrossRepresentations) {
  EXPECT_EQ(num("1.0"), Value::integer(1));
  EXPECT_EQ(num("1e3"), Value::integer(1000));
  EXPECT_LT(num("28857836529306024611912"), num("28857836529306024611913"));
  EXPECT_EQ(Value::set({num("1.0"), Value::integer(1)}).size(), 1u);
  EXPECT_EQ(num("1.0").hash(), Value::integer(1).hash());
}

// Inline strings (up to 14 bytes) compare by their padded bytes; the order must be the bytes'
// order, NUL bytes and lengths included, and agree with heap strings'.
TEST(Value, SetsAreSortedAndUnique) {
  // Of equal elements the first is kept.
  EXPECT_EQ(toJson(Value::set({num("1.0"), Value::integer(1)})), "[1.0]");
  EXPECT_EQ(toJson(Value::set({Value::integer(1), num("1.0")})), "[1]");
  // Small (insertion) and large (sorted) sets against a sort and unique.
  uint32_t seed = 7;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
  for (size_t n = 1; n <= 40; ++n) {
    std::vector<Value> items;
    for (size_t i = 0; i < n; ++i) {
      uint32_t r = next() >> 16;
      items.push_back(r % 3 == 0
                          ? Value::integer(r % 7)
                          : Value::string(std::string(1 + r % 3, static_cast<char>('a' + r % 5))));
    }
    std::vector<Value> want = items;
    std::stable_sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    Value set = Value::set(items);
    ASSERT_EQ(set.items().size(), want.size()) << n;
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(compare(set.items()[i], want[i]), 0) << n << " " << i;
  }
}

TEST(Value, StringOrderIsByteOrder) {
  using namespace std::string_literals;
  const std::vector<std::string> strings = {""s,
                                            "\0"s,
                                            "\0\0"s,
                                            "a"s,
                                            "a\0"s,
                                            "a\0b"s,
                                            "ab"s,
                                            "abcdefgh"s,
                                            "abcdefgh\0"s,
                                            "abcdefghi"s,
                                            "abcdefghij"s,
                                            "abcdefghijklmn"s,
                                            "abcdefghijklmo"s,
                                            "abcdefghijklmn\0"s,
                                            "abcdefghijklmno"s,
                                            "\xff"s,
                                            "\x80"
                                            "a"s,
                                            "b"s,
                                            "action"s,
                                            "resource"s};
  auto sign = [](int c) { return (c > 0) - (c < 0); };
  for (const std::string& a : strings) {
    for (const std::string& b : strings) {
      EXPECT_EQ(sign(compare(Value::string(a), Value::string(b))),
                sign(std::string_view(a).compare(b)))
          << testing::PrintToString(a) << " vs " << testing::PrintToString(b);
    }
  }
}

TEST(Value, InlineAndHeapStrings) {
  Value shortv = Value::string("short");
  Value longv = Value::string(std::string(100, 'x'));
  EXPECT_EQ(shortv.asString(), "short");
  EXPECT_EQ(longv.asString().size(), 100u);
  Value copy = longv;
  EXPECT_EQ(copy, longv);
  // Assigning a value from inside itself must not use freed memory.
  Value arr = Value::array({Value::string(std::string(40, 'y'))});
  arr = arr.items()[0];
  EXPECT_EQ(arr.asString(), std::string(40, 'y'));
}

TEST(Value, ObjectsAreSortedAndLookupsWork) {
  Value o = Value::object({{Value::string("b"), Value::integer(2)},
                           {Value::string("a"), Value::integer(1)},
                           {Value::integer(3), Value::string("three")}});
  ASSERT_EQ(o.entries().size(), 3u);
  EXPECT_TRUE(o.entries()[0].key.isNumber());
  EXPECT_EQ(o.field("a")->asInt(), 1);
  EXPECT_EQ(o.get(Value::integer(3))->asString(), "three");
  EXPECT_EQ(o.field("zz"), nullptr);
}

// field() scans small objects and bisects larger ones: both find exactly the
// string keys present, among keys of other kinds and of equal lengths.
TEST(Value, FieldLookupInSmallAndLargeObjects) {
  for (size_t n : {1, 2, 7, 8, 9, 40}) {
    std::vector<ObjectEntry> entries;
    entries.push_back({Value::integer(7), Value::string("seven")});
    entries.push_back({Value::array({Value::string("k0")}), Value::string("array")});
    for (size_t i = 0; i < n; ++i) {
      // Keys of one length that differ late, and some beyond 8 and 32 bytes.
      std::string key = "key-" + std::string(i % 3 == 0 ? 30 : 5, 'x') + std::to_string(i % 10) +
                        std::to_string(i / 10);
      entries.push_back({Value::string(key), Value::integer(static_cast<int64_t>(i))});
    }
    Value o = Value::object(entries);
    for (size_t i = 0; i < n; ++i) {
      const ObjectEntry& e = entries[i + 2];
      const Value* v = o.field(e.key.asString());
      ASSERT_NE(v, nullptr) << n << " " << e.key.asString();
      EXPECT_EQ(*v, e.value);
      std::string missing(e.key.asString());
      missing.back() = 'z';
      EXPECT_EQ(o.field(missing), nullptr) << missing;
      missing.pop_back();
      EXPECT_EQ(o.field(missing), nullptr) << missing;
    }
    EXPECT_EQ(o.field("k0"), nullptr);
    EXPECT_EQ(o.field(""), nullptr);
    EXPECT_EQ(*o.get(Value::integer(7)), Value::string("seven"));
  }
}

TEST(Value, ObjectBuilderDetectsConflicts) {
  ObjectBuilder b;
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(b.insert(Value::integer(i), Value::integer(i * 2)));
  EXPECT_TRUE(b.insert(Value::integer(5), Value::integer(10)));
  EXPECT_FALSE(b.insert(Value::integer(5), Value::integer(11)));
  Value o = b.build();
  EXPECT_EQ(o.size(), 100u);
  EXPECT_EQ(o.get(Value::integer(99))->asInt(), 198);
}

TEST(Number, ArithmeticIsExactForIntegers) {
  EXPECT_EQ(formatNumber(numberAdd(num("49649733057"), num("1")).value), "49649733058");
  EXPECT_EQ(formatNumber(numberMul(num("9223372036854775807"), num("2")).value),
            "18446744073709551614");
  EXPECT_EQ(formatNumber(numberSub(num("-9223372036854775808"), num("1")).value),
            "-9223372036854775809");
  EXPECT_EQ(formatNumber(numberRem(num("28857836529306024611913"), num("10")).value), "3");
  EXPECT_STREQ(numberDiv(num("1"), num("0")).error, "divide by zero");
  EXPECT_STREQ(numberRem(num("7"), num("0")).error, "modulo by zero");
  EXPECT_STREQ(numberRem(num("1.1"), num("1")).error, "modulo on floating-point number");
}

TEST(Number, FloatsFormatLikeGoBigFloat) {
  EXPECT_EQ(formatNumber(numberDiv(num("1"), num("4")).value), "0.25");
  EXPECT_EQ(formatNumber(numberDiv(num("10"), num("4")).value), "2.5");
  EXPECT_EQ(formatNumber(numberDiv(num("4"), num("2")).value), "2");
  EXPECT_EQ(formatNumber(numberDiv(num("1e109"), num("1e100")).value), "1000000000");
  EXPECT_EQ(formatFloat(0.00001L), "1e-05");
  EXPECT_EQ(formatFloat(1234567.5L), "1.2345675e+06");
  EXPECT_EQ(formatNumber(numberRound(num("2.5"))), "3");
  EXPECT_EQ(formatNumber(numberRound(num("-2.5"))), "-3");
  EXPECT_EQ(formatNumber(numberCeil(num("1.01"))), "2");
  EXPECT_EQ(formatNumber(numberFloor(num("-1.5"))), "-2");
  // Literal text is kept for output.
  EXPECT_EQ(formatNumber(num("13.37")), "13.37");
}

TEST(Json, RoundTripKeepsBigNumbersExact) {
  auto v = parseJson(R"({"b":[1,2.5,"x",null,true],"a":123456789012345678901234567890})");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(toJson(*v), R"({"a":123456789012345678901234567890,"b":[1,2.5,"x",null,true]})");
  EXPECT_FALSE(parseJson("{").ok());
  EXPECT_FALSE(parseJson("[1] 2").ok());
  EXPECT_TRUE(parseJson("  42 ").ok());
}

TEST(Json, EdgeCases) {
  auto text = [](std::string_view json) {
    auto v = parseJson(json);
    return v.ok() ? toJson(*v) : "error: " + v.error().message;
  };
  // Numbers keep their exact text, whatever their magnitude.
  // (-0 is the integer 0, as before.)
  EXPECT_EQ(text("[-0, 1e400, -1E+400, 1e-400, 0.10]"), "[0,1e400,-1E+400,1e-400,0.10]");
  std::string big = "1" + std::string(400, '0');
  EXPECT_EQ(text("{\"n\": " + big + "}"), "{\"n\":" + big + "}");
  // Duplicate keys: the last one wins (Go's encoding/json, OPA's json.unmarshal).
  EXPECT_EQ(text(R"({"a": 1, "b": 2, "a": 3})"), R"({"a":3,"b":2})");
  EXPECT_EQ(text("\"a\\u0000b\""), "\"a\\u0000b\"");
  EXPECT_EQ(text(""), "error: invalid JSON at offset 0: the document is empty");
  EXPECT_EQ(text("{} x"), "error: invalid JSON at offset 3: trailing content after the JSON value");
  EXPECT_EQ(text(std::string("[1]\0", 4)), "error: invalid JSON at offset 3: unexpected NUL byte");
  EXPECT_EQ(text("[1,]"), "error: invalid JSON at offset 3: invalid value");
  EXPECT_EQ(text("[\"\xff\"]"), "error: invalid JSON at offset 2: invalid UTF-8");
  // Lone surrogates are refused (as before; Go would write U+FFFD).
  EXPECT_FALSE(parseJson("\"\\ud800\"").ok());
  EXPECT_FALSE(parseJson("\"\\udc00\"").ok());
  EXPECT_EQ(text("\"\\ud83d\\ude00\""), "\"\xF0\x9F\x98\x80\"");
  // At most 1024 nested arrays/objects.
  auto nested = [](int n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_TRUE(parseJson(nested(1024)).ok());
  EXPECT_EQ(text(nested(1025)),
            "error: invalid JSON at offset 1024: nesting deeper than 1024 levels");
}

// parseJson reads common documents in one pass (detail::parseJsonDirect) and leaves the rest
// to the event reader: where the direct reader gives a value, it is the event reader's.
TEST(Json, DirectReaderAgreesWithTheEventReader) {
  auto same = [](std::string_view json) {
    Value direct;
    if (!detail::parseJsonDirect(json, &direct)) return false;
    auto events = detail::parseJsonEvents(json);
    return events.ok() && compare(direct, *events) == 0 && toJson(direct) == toJson(*events);
  };
  for (std::string_view json : {
           R"({"sub":"alice","iss":"https://issuer","roles":["viewer"],"exp":4102444800})",
           R"({"alg":"RS256","typ":"JWT","kid":"k1"})",
           R"( { "b" : [ 1 , -2 , 0 , -0 , 2.5e3 , 1E-2 , true , false , null ] , "a" : {} } )",
           R"({"z":1,"a":2,"m":3,"a":4,"z":5})",
           R"(["a\"b\\c\/d\b\f\n\r\t","\u00e9\u20ac\u0041\u0000","h\u00e9llo wörld"])",
           R"([999999999999999999,-999999999999999999,1000000000000000000,-12345678901234567890])",
           R"("0123456789abcdef0123456789abcdef€")",
           "[[],[[]],{\"\":[]}]",
       }) {
    EXPECT_TRUE(same(json)) << json;
  }
  // What it leaves to the event reader: errors, surrogate escapes, deep nesting.
  for (std::string_view json : {"", "[1,]", "{\"a\" 1}", "01", "[1] 2", "\"\\ud83d\\ude00\"",
                                "\"\xff\"", "[\"\x01\"]", "\"\\x\"", "1.", "-", "tru", "[1 2]"}) {
    Value v;
    EXPECT_FALSE(detail::parseJsonDirect(json, &v)) << json;
  }
  std::string deep = std::string(100, '[') + std::string(100, ']');
  Value v;
  EXPECT_FALSE(detail::parseJsonDirect(deep, &v));
  EXPECT_TRUE(parseJson(deep).ok());
  // Duplicate keys, the last one wins; keys sorted.
  ASSERT_TRUE(detail::parseJsonDirect(R"({"b":1,"a":2,"b":3})", &v));
  EXPECT_EQ(toJson(v), R"({"a":2,"b":3})");
}

TEST(Json, GoEscapingAndHtml) {
  JsonOptions html;
  html.escape_html = true;
  EXPECT_EQ(toJson(Value::string("<a&b>\n"), html), "\"\\u003ca\\u0026b\\u003e\\n\"");
  EXPECT_EQ(toJson(Value::string("bad\xff")), "\"bad\\ufffd\"");
  EXPECT_EQ(toJson(Value::set({Value::integer(2), Value::integer(1)})), "[1,2]");
}

TEST(Json, RegoSyntaxRendering) {
  EXPECT_EQ(toRegoString(Value::emptySet()), "set()");
  EXPECT_EQ(toRegoString(Value::set({Value::string("a")})), "{\"a\"}");
  EXPECT_EQ(toRegoString(Value::object({{Value::string("a"), Value::array({Value::null()})}})),
            "{\"a\": [null]}");
}

TEST(Yaml, CoreSchemaAndQuotedStrings) {
  auto v = parseYaml("a: 1\nb: 'yes'\nc: yes\nd: ~\ne: [x, 2.5]\n");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->field("a")->isNumber());
  EXPECT_TRUE(v->field("b")->isString());
  EXPECT_TRUE(v->field("c")->isTrue());
  EXPECT_TRUE(v->field("d")->isNull());
  EXPECT_EQ(v->field("e")->items().size(), 2u);
  EXPECT_FALSE(parseYaml("a: [1, 2").ok());
}

}  // namespace
}  // namespace meshgate::rego
