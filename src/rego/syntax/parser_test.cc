// SPDX-License-Identifier: Apache-2.0
#include "rego/syntax/parser.h"

#include <gtest/gtest.h>

#include "rego/syntax/lexer.h"

namespace meshgate::rego {
namespace {

struct ParseCase {
  const char* name;
  const char* source;
  RegoVersion version;
  const char* error;  // substring of the first error, or null when it must parse
};

class ParseCases : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseCases, Parse) {
  const ParseCase& c = GetParam();
  ParseOptions o;
  o.version = c.version;
  auto m = parseModule("x.rego", c.source, o);
  if (c.error == nullptr) {
    EXPECT_TRUE(m.ok()) << describeErrors(m.errors());
  } else {
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_NE(m.errors()[0].describe().find(c.error), std::string::npos)
        << m.errors()[0].describe();
  }
}

constexpr RegoVersion V1 = RegoVersion::V1;
constexpr RegoVersion V0 = RegoVersion::V0;

INSTANTIATE_TEST_SUITE_P(
    Rego, ParseCases,
    ::testing::Values(
        ParseCase{"complete", "package a\np := 1\n", V1, nullptr},
        ParseCase{"if body", "package a\nallow if { input.x == 1; input.y != 2 }\n", V1, nullptr},
        ParseCase{"single expr body", "package a\nallow if input.x > 1\n", V1, nullptr},
        ParseCase{"contains", "package a\ns contains x if some x in input.xs\n", V1, nullptr},
        ParseCase{"ref head", "package a\na.b[c].d := 1 if c := \"k\"\n", V1, nullptr},
        ParseCase{"function and else", "package a\nf(x) := 1 if x > 0 else := 2\n", V1, nullptr},
        ParseCase{"every", "package a\np if { every k, v in input { k == v } }\n", V1, nullptr},
        ParseCase{"comprehensions",
                  "package a\np := {k: v | some k, v in [1]}\nq := {x | x := 1}\n", V1, nullptr},
        ParseCase{"with",
                  "package a\np if { q with input as {\"a\": 1} with data.b as 2 }\nq := 1\n", V1,
                  nullptr},
        ParseCase{"template", "package a\np := $\"x {1 + 2} y\"\n", V1, nullptr},
        ParseCase{"keyword ref", "package a\nas.foo := 1\np if as.foo == 1\n", V1, nullptr},
        ParseCase{"v0 partial set", "package a\np[x] { x := 1 }\nq { true }\n", V0, nullptr},
        ParseCase{"v0 future keywords", "package a\nimport future.keywords.in\np { 1 in [1] }\n",
                  V0, nullptr},
        ParseCase{"v1 needs if", "package a\np { true }\n", V1, "`if` keyword is required"},
        ParseCase{"missing package", "p := 1\n", V1, "expected package"},
        ParseCase{"unterminated string", "package a\np := \"x\n", V1, "non-terminated string"},
        ParseCase{"bad import", "package a\nimport foo.bar\n", V1, "invalid import"},
        ParseCase{"eof in body", "package a\np if {\n", V1, "unexpected eof token"},
        ParseCase{"empty body", "package a\np if {}\n", V1, "found empty body"},
        ParseCase{"default needs value", "package a\ndefault p\n", V1, "default rules must use"}),
    [](const ::testing::TestParamInfo<ParseCase>& info) {
      std::string n = info.param.name;
      for (auto& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(Parser, ErrorsCarryPositions) {
  auto m = parseModule("pos.rego", "package a\n\np := [1,\n");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.errors()[0].file, "pos.rego");
  EXPECT_EQ(m.errors()[0].line, 4u);
  EXPECT_EQ(m.errors()[0].code, "rego_parse_error");
}

TEST(Parser, DeepNestingIsRejectedNotCrashing) {
  std::string deep = "package a\np := " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  auto m = parseModule("deep.rego", deep);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.errors()[0].message.find("nesting too deep"), std::string::npos);
}

TEST(Parser, QueryKeepsExpressionText) {
  auto q = parseQuery("x := 1; y = x + 1");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->body.exprs.size(), 2u);
  const Expr& e = q->body.exprs[1];
  EXPECT_EQ(q->source->text.substr(e.begin, e.end - e.begin), "y = x + 1");
}

TEST(Lexer, TokensAndEscapes) {
  LexResult r = lex("a := \"\\u00e9\\n\" # comment\n`raw\\n` 1.5e3 $\"t{1}\"");
  ASSERT_GE(r.tokens.size(), 6u);
  EXPECT_EQ(r.tokens[0].kind, Tok::Ident);
  EXPECT_EQ(r.tokens[1].kind, Tok::Assign);
  EXPECT_EQ(r.tokens[2].text, "\xc3\xa9\n");
  EXPECT_EQ(r.tokens[3].kind, Tok::RawString);
  EXPECT_EQ(r.tokens[3].text, "raw\\n");
  EXPECT_TRUE(r.tokens[3].newline_before);
  EXPECT_EQ(r.tokens[4].text, "1.5e3");
  EXPECT_EQ(r.tokens[5].kind, Tok::Template);
  ASSERT_EQ(r.comments.size(), 1u);
  EXPECT_EQ(r.comments[0].text, " comment");
}

TEST(Parser, TermTextToValue) {
  auto t = parseTermText("{\"a\": [1, {2, 3}], \"b\": null}");
  ASSERT_TRUE(t.ok());
  Value v = termToValue(*t->term);
  ASSERT_TRUE(v.isObject());
  EXPECT_TRUE(v.field("a")->items()[1].isSet());
}

}  // namespace
}  // namespace meshgate::rego
