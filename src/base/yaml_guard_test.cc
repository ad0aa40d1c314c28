// SPDX-License-Identifier: Apache-2.0
#include "base/yaml_guard.h"

#include <gtest/gtest.h>

namespace meshgate::base {
namespace {

TEST(YamlGuard, FindsTheShapesYamlCppLoopsOn) {
  // Each of these made yaml-cpp 0.7's LoadAll spin forever (found by
  // config_loader_fuzz).
  for (const char* text :
       {" - a\n,\n", "  x: 1\n,\n", "  - a\n , b\n", "# c\n      - a\n,      - b\n"}) {
    auto h = findYamlHazard(text);
    ASSERT_TRUE(h.has_value()) << text;
    EXPECT_NE(h->message.find("','"), std::string::npos);
  }
  auto h = findYamlHazard("a: 1\nb:\n  - x\n,\n");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 4u);
  EXPECT_EQ(h->column, 1u);
  h = findYamlHazard("a:\n   , b\n");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 2u);
  EXPECT_EQ(h->column, 4u);
}

TEST(YamlGuard, FindsNulBytes) {
  // "\0,E\xec\xed" made LoadAll spin (config_loader_fuzz): yaml-cpp took the leading NUL
  // for UTF-16BE and read a line starting with ','.
  auto h = findYamlHazard(std::string_view("\0,E\xec\xed", 5));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 1u);
  EXPECT_EQ(h->column, 1u);
  EXPECT_NE(h->message.find("NUL"), std::string::npos);
  h = findYamlHazard(std::string_view("a: 1\nb: x\0y\n", 13));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 2u);
  EXPECT_EQ(h->column, 5u);
}

TEST(YamlGuard, AcceptsValidYamlWithCommasEverywhereElse) {
  for (const char* text : {
           "hosts: [a\n, b]\n",                            // flow sequence over lines
           "m: {a: 1\n  , b: 2}\n",                        // flow mapping over lines
           "s: 'x\n, y'\n",                                // single-quoted, folded
           "s: \"x\n, y\"\n",                              // double-quoted, folded
           "s: \"a \\\" [\n, b\"\n",                       // escaped quote inside
           "script: |\n  , first\n  , second\nnext: 1\n",  // literal block scalar
           "- >-\n  , folded\n- b\n",                      // folded block scalar in a sequence
           "a: b, c\n",                                    // comma inside a plain scalar
           "# , a comment\na: 1 # , another\n",            // comments
           "it's: [x]\nk: a[0]\n",  // quotes and brackets inside plain scalars
           "",
           "\n\n",
       }) {
    EXPECT_FALSE(findYamlHazard(text).has_value()) << text;
  }
}

TEST(YamlGuard, ABlockScalarEndsWhereIndentationReturns) {
  auto h = findYamlHazard("a: |\n  , text\n,\n");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 3u);
}

}  // namespace
}  // namespace meshgate::base
