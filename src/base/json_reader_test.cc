// SPDX-License-Identifier: Apache-2.0
#include "base/json_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace meshgate::base {
namespace {

// Records the events as compact text: n t f #1 "s" k:"s" { } [ ], each with its offset when
// `offsets` is set.
class Recorder final : public JsonHandler {
 public:
  explicit Recorder(bool offsets = false) : offsets_(offsets) {}
  std::string trace;
  int stop_after = -1;

  bool null() override { return add("n"); }
  bool boolean(bool b) override { return add(b ? "t" : "f"); }
  bool number(std::string_view t) override { return add("#" + std::string(t)); }
  bool string(std::string_view s) override { return add("\"" + std::string(s) + "\""); }
  bool key(std::string_view k) override { return add("k:" + std::string(k)); }
  bool beginObject() override { return add("{"); }
  bool endObject() override { return add("}"); }
  bool beginArray() override { return add("["); }
  bool endArray() override { return add("]"); }

 private:
  bool add(const std::string& e) {
    if (!trace.empty()) trace += ' ';
    trace += e;
    if (offsets_) trace += "@" + std::to_string(tokenOffset());
    if (stop_after >= 0 && --stop_after < 0) return fail(Error{"stopped here"});
    return true;
  }
  bool offsets_;
};

std::string events(std::string_view text) {
  Recorder r;
  auto s = readJson(text, r);
  return s.ok() ? r.trace : "error: " + s.error().message;
}

std::string errorOf(std::string_view text, const JsonReadOptions& options = {}) {
  Recorder r;
  auto s = readJson(text, r, options);
  return s.ok() ? "<ok>" : s.error().message;
}

TEST(JsonReader, Events) {
  EXPECT_EQ(events(R"({"a": [1, -2.5e3, true, false, null, "x"], "b": {}})"),
            "{ k:a [ #1 #-2.5e3 t f n \"x\" ] k:b { } }");
  EXPECT_EQ(events(" 7 "), "#7");
  EXPECT_EQ(events("\"\\u00e9\\n\\ud83d\\ude00\""), "\"\xC3\xA9\n\xF0\x9F\x98\x80\"");
}

TEST(JsonReader, NumbersKeepTheirText) {
  EXPECT_EQ(events("-0"), "#-0");
  EXPECT_EQ(events("[0.10, 1E+2, 1e-400]"), "[ #0.10 #1E+2 #1e-400 ]");
  // Beyond double's range: RapidJSON refuses these, readJson reads them anyway.
  EXPECT_EQ(events("1e400"), "#1e400");
  EXPECT_EQ(events("[1, \"1e999\", -1e400, {\"k\": 123456789012345678901234567890}, 2]"),
            "[ #1 \"1e999\" #-1e400 { k:k #123456789012345678901234567890 } #2 ]");
  std::string big(400, '9');
  EXPECT_EQ(events("[" + big + "]"), "[ #" + big + " ]");
  // A bad token after a big number is still an error, at its own offset.
  EXPECT_EQ(errorOf("[1e400, 01]"),
            "invalid JSON at offset 9: missing a comma or ']' after an array element");
}

TEST(JsonReader, StrictSyntax) {
  EXPECT_EQ(errorOf(""), "invalid JSON at offset 0: the document is empty");
  EXPECT_EQ(errorOf("  \n"), "invalid JSON at offset 3: the document is empty");
  EXPECT_EQ(errorOf("{} x"), "invalid JSON at offset 3: trailing content after the JSON value");
  EXPECT_EQ(errorOf("1 2"), "invalid JSON at offset 2: trailing content after the JSON value");
  EXPECT_EQ(errorOf("[1,]"), "invalid JSON at offset 3: invalid value");
  EXPECT_EQ(errorOf("{\"a\":1,}"), "invalid JSON at offset 7: missing a name for object member");
  EXPECT_NE(errorOf("[1] // c"), "<ok>");
  EXPECT_NE(errorOf("/* c */ 1"), "<ok>");
  EXPECT_NE(errorOf("NaN"), "<ok>");
  EXPECT_NE(errorOf("[Infinity]"), "<ok>");
  EXPECT_NE(errorOf("['a']"), "<ok>");
  EXPECT_NE(errorOf("[01]"), "<ok>");
  EXPECT_NE(errorOf("[1.]"), "<ok>");
  EXPECT_NE(errorOf("[.5]"), "<ok>");
  EXPECT_NE(errorOf("[+1]"), "<ok>");
  EXPECT_NE(errorOf("[-]"), "<ok>");
  EXPECT_NE(errorOf("[1e]"), "<ok>");
  EXPECT_NE(errorOf("{\"a\" 1}"), "<ok>");
  EXPECT_NE(errorOf("[\"a\tb\"]"), "<ok>");  // raw control character in a string
  EXPECT_NE(errorOf("[\"\\x\"]"), "<ok>");
  EXPECT_NE(errorOf("[nul]"), "<ok>");
  EXPECT_NE(errorOf("[1"), "<ok>");
  EXPECT_NE(errorOf("\"abc"), "<ok>");
}

TEST(JsonReader, NulBytes) {
  using namespace std::string_literals;
  EXPECT_EQ(errorOf("[1]\0"s), "invalid JSON at offset 3: unexpected NUL byte");
  EXPECT_EQ(errorOf("[1]\0 [2]"s), "invalid JSON at offset 3: unexpected NUL byte");
  EXPECT_EQ(errorOf("\0"s), "invalid JSON at offset 0: unexpected NUL byte");
  EXPECT_EQ(errorOf("[1,\0 2]"s), "invalid JSON at offset 3: unexpected NUL byte");
  EXPECT_EQ(errorOf("[\"a\0b\"]"s), "invalid JSON at offset 3: unexpected NUL byte");
  // Escaped, NUL is an ordinary character.
  EXPECT_EQ(events("[\"a\\u0000b\"]"), "[ \"a\0b\" ]"s);
}

TEST(JsonReader, Utf8) {
  EXPECT_EQ(errorOf("[\"a\xFF\"]"), "invalid JSON at offset 3: invalid UTF-8");
  EXPECT_NE(errorOf("[\"\xC0\xAF\"]"), "<ok>");          // overlong '/'
  EXPECT_NE(errorOf("[\"\xED\xA0\x80\"]"), "<ok>");      // UTF-8 encoded surrogate
  EXPECT_NE(errorOf("[\"\xF4\x90\x80\x80\"]"), "<ok>");  // above U+10FFFF
  EXPECT_NE(errorOf("[\"\xE2\x82\"]"), "<ok>");          // truncated
  EXPECT_NE(errorOf("{\"\xFF\": 1}"), "<ok>");
  EXPECT_EQ(events("[\"\xE2\x82\xAC\"]"), "[ \"\xE2\x82\xAC\" ]");
}

TEST(JsonReader, LoneSurrogatesAreRefused) {
  EXPECT_EQ(errorOf("[\"\\ud800\"]"),
            "invalid JSON at offset 2: the surrogate pair in string is invalid");
  EXPECT_NE(errorOf("[\"\\ud800\\u0041\"]"), "<ok>");
  EXPECT_NE(errorOf("[\"\\ud800x\"]"), "<ok>");
  EXPECT_EQ(errorOf("[1, \"ab\\udc00\"]"),
            "invalid JSON at offset 4: lone UTF-16 surrogate in a \\u escape");
  EXPECT_EQ(errorOf("{\"\\uDFFF\": 1}"),
            "invalid JSON at offset 1: lone UTF-16 surrogate in a \\u escape");
  EXPECT_NE(errorOf("[\"\\udc00\\ud800\"]"), "<ok>");
}

TEST(JsonReader, DepthLimit) {
  auto nested = [](int n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_EQ(errorOf(nested(1024)), "<ok>");
  EXPECT_EQ(errorOf(nested(1025)), "invalid JSON at offset 1024: nesting deeper than 1024 levels");
  // Far deeper than any stack would take recursively.
  EXPECT_NE(errorOf(std::string(1000000, '[')), "<ok>");
  EXPECT_NE(errorOf(nested(200000)), "<ok>");
  JsonReadOptions shallow;
  shallow.max_depth = 2;
  EXPECT_EQ(errorOf("[[1]]", shallow), "<ok>");
  EXPECT_EQ(errorOf("[{\"a\": []}]", shallow),
            "invalid JSON at offset 7: nesting deeper than 2 levels");
}

TEST(JsonReader, DuplicateKeysArePassedThrough) {
  EXPECT_EQ(events(R"({"a": 1, "a": 2})"), "{ k:a #1 k:a #2 }");
}

TEST(JsonReader, TokenOffsets) {
  Recorder r(true);
  ASSERT_TRUE(readJson(" {\"a\" : [1 , \"x\\\"\", {}], \"b\":null}", r).ok());
  EXPECT_EQ(r.trace, "{@1 k:a@2 [@8 #1@9 \"x\"\"@13 {@20 }@21 ]@22 k:b@25 n@29 }@33");
  // The same offsets when the document is read a second time for a big number.
  Recorder big(true);
  ASSERT_TRUE(readJson(" {\"a\" : [1 , \"x\\\"\", 1e999], \"b\":null}", big).ok());
  EXPECT_EQ(big.trace, "{@1 k:a@2 [@8 #1@9 \"x\"\"@13 #1e999@20 ]@25 k:b@28 n@32 }@36");
}

TEST(JsonReader, HandlerErrorsStopTheReader) {
  Recorder r;
  r.stop_after = 2;
  auto s = readJson("[1, 2, 3, 4]", r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "stopped here");
  EXPECT_EQ(r.trace, "[ #1 #2");
  // After a second pass for a big number, too.
  Recorder big;
  big.stop_after = 3;
  s = readJson("[1, 1e999, 3, 4]", big);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "stopped here");
  EXPECT_EQ(big.trace, "[ #1 #1e999 #3");
}

TEST(JsonReader, SyntaxErrorDetails) {
  Recorder r;
  JsonSyntaxError syntax;
  ASSERT_FALSE(readJson("{\"a\": tru}", r, {}, &syntax).ok());
  EXPECT_EQ(syntax.offset, 9u);  // RapidJSON points after "tru"
  EXPECT_EQ(syntax.reason, "invalid value");
  // A handler's own error is not a syntax error.
  Recorder stop;
  stop.stop_after = 0;
  JsonSyntaxError none;
  ASSERT_FALSE(readJson("[1]", stop, {}, &none).ok());
  EXPECT_TRUE(none.reason.empty());
}

}  // namespace
}  // namespace meshgate::base
