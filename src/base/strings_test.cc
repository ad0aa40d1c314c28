// SPDX-License-Identifier: Apache-2.0
#include "base/strings.h"

#include <gtest/gtest.h>

namespace meshgate::base {
namespace {

using std::chrono::nanoseconds;

TEST(Strings, TrimAndSplit) {
  EXPECT_EQ(trim("  a b \t"), "a b");
  EXPECT_EQ(trim(""), "");
  auto parts = split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "b");
}

TEST(Strings, Iequals) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("abc", "abd"));
  EXPECT_FALSE(iequals("abc", "ab"));
}

TEST(Strings, ParseUint64IsStrict) {
  EXPECT_EQ(parseUint64("0"), 0u);
  EXPECT_EQ(parseUint64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parseUint64("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parseUint64("+1"), std::nullopt);
  EXPECT_EQ(parseUint64("-1"), std::nullopt);
  EXPECT_EQ(parseUint64(" 1"), std::nullopt);
  EXPECT_EQ(parseUint64("0x10"), std::nullopt);
  EXPECT_EQ(parseUint64(""), std::nullopt);
}

TEST(Strings, ParseInt64) {
  EXPECT_EQ(parseInt64("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(parseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parseInt64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parseInt64("-"), std::nullopt);
}

TEST(Strings, ParseDurationGoSyntax) {
  EXPECT_EQ(parseDuration("1s"), nanoseconds(1'000'000'000));
  EXPECT_EQ(parseDuration("1.5s"), nanoseconds(1'500'000'000));
  EXPECT_EQ(parseDuration("100ms"), nanoseconds(100'000'000));
  EXPECT_EQ(parseDuration("1h30m"), nanoseconds(5400LL * 1'000'000'000));
  EXPECT_EQ(parseDuration("250us"), nanoseconds(250'000));
  EXPECT_EQ(parseDuration("0"), nanoseconds(0));
  EXPECT_EQ(parseDuration("10"), std::nullopt);
  EXPECT_EQ(parseDuration("-1s"), std::nullopt);
  EXPECT_EQ(parseDuration("1x"), std::nullopt);
  EXPECT_EQ(parseDuration("1..2s"), std::nullopt);
  EXPECT_EQ(parseDuration(""), std::nullopt);
}

TEST(Strings, FormatDurationRoundTrips) {
  for (const char* text : {"1s", "1.5s", "100ms", "1h30m", "250us", "17ns", "2m3.25s"}) {
    auto d = parseDuration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(formatDuration(*d), text);
  }
}

TEST(Strings, HexEncode) {
  EXPECT_EQ(hexEncode(std::string("\x01\xab", 2)), "01ab");
}

TEST(Strings, HexDigitValue) {
  EXPECT_EQ(hexDigitValue('0'), 0);
  EXPECT_EQ(hexDigitValue('9'), 9);
  EXPECT_EQ(hexDigitValue('a'), 10);
  EXPECT_EQ(hexDigitValue('F'), 15);
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'})
    EXPECT_EQ(hexDigitValue(c), -1) << c;
}

TEST(Strings, AppendRuneReplacesWhatIsNotAScalarValue) {
  std::string out;
  appendRune(out, 'A');
  appendRune(out, 0xE9);
  appendRune(out, 0x1F600);
  EXPECT_EQ(out, "A\xc3\xa9\xf0\x9f\x98\x80");
  for (uint64_t r : {uint64_t{0xD800}, uint64_t{0xDFFF}, uint64_t{0x110000}, ~uint64_t{0}}) {
    out.clear();
    appendRune(out, r);
    EXPECT_EQ(out, "\xef\xbf\xbd") << r;
  }
}

}  // namespace
}  // namespace meshgate::base
