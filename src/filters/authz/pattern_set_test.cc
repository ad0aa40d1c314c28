// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/pattern_set.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace meshgate::filters::authz {
namespace {

PatternSet make(std::initializer_list<const char*> patterns,
                PatternSet::Case c = PatternSet::Case::Sensitive) {
  PatternSet s(c);
  for (const char* p : patterns)
    s.add(p);
  s.finalize();
  return s;
}

TEST(PatternSetTest, ExactPrefixSuffixAndWildcard) {
  PatternSet s = make({"/exact", "/api/*", "*.php"});
  EXPECT_TRUE(s.matches("/exact"));
  EXPECT_FALSE(s.matches("/exact/"));
  EXPECT_FALSE(s.matches("/exac"));
  EXPECT_TRUE(s.matches("/api/"));
  EXPECT_TRUE(s.matches("/api/v1/x"));
  EXPECT_FALSE(s.matches("/api"));
  EXPECT_TRUE(s.matches("/x/index.php"));
  EXPECT_TRUE(s.matches(".php"));
  EXPECT_FALSE(s.matches("/index.php5"));
  EXPECT_FALSE(s.matches(""));
}

TEST(PatternSetTest, PrefixMatchesItsOwnText) {
  // Envoy's prefix matcher: "/admin*" matches "/admin" itself.
  PatternSet s = make({"/admin*"});
  EXPECT_TRUE(s.matches("/admin"));
  EXPECT_TRUE(s.matches("/administrator"));
  EXPECT_FALSE(s.matches("/adm"));
}

TEST(PatternSetTest, StarAloneIsAnyNonEmptyValue) {
  // Istio translates "*" to the regex ".+".
  PatternSet s = make({"*"});
  EXPECT_TRUE(s.hasWildcard());
  EXPECT_TRUE(s.matches("x"));
  EXPECT_TRUE(s.matches("/"));
  EXPECT_FALSE(s.matches(""));
}

TEST(PatternSetTest, EmptyExactValueMatchesOnlyEmpty) {
  PatternSet s = make({""});
  EXPECT_TRUE(s.matches(""));
  EXPECT_FALSE(s.matches("a"));
}

TEST(PatternSetTest, ManyPatternsOfManyLengths) {
  PatternSet s;
  for (int i = 0; i < 500; ++i) {
    s.add("/svc" + std::to_string(i) + "/*");
    s.add("*.ext" + std::to_string(i));
    s.add("/exact/" + std::to_string(i));
  }
  s.finalize();
  EXPECT_TRUE(s.matches("/svc0/a"));
  EXPECT_TRUE(s.matches("/svc499/"));
  EXPECT_FALSE(s.matches("/svc500/a"));
  EXPECT_TRUE(s.matches("/file.ext42"));
  EXPECT_FALSE(s.matches("/file.ext42x"));
  EXPECT_TRUE(s.matches("/exact/321"));
  EXPECT_FALSE(s.matches("/exact/3210"));
}

TEST(PatternSetTest, DuplicatesAreHarmless) {
  PatternSet s = make({"/a", "/a", "/b*", "/b*", "*c", "*c"});
  EXPECT_TRUE(s.matches("/a"));
  EXPECT_TRUE(s.matches("/bb"));
  EXPECT_TRUE(s.matches("abc"));
  EXPECT_FALSE(s.matches("/d"));
}

TEST(PatternSetTest, CaseInsensitiveLowerCasesPatterns) {
  PatternSet s = make({"Example.COM", "*.Example.org", "API.*"}, PatternSet::Case::Insensitive);
  // The caller passes lower-cased text.
  EXPECT_TRUE(s.matches("example.com"));
  EXPECT_TRUE(s.matches("www.example.org"));
  EXPECT_TRUE(s.matches("api.internal"));
  EXPECT_FALSE(s.matches("Example.COM")) << "text must be lower-cased by the caller";
}

TEST(PatternSetTest, EmptySet) {
  PatternSet s;
  s.finalize();
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.matches(""));
  EXPECT_FALSE(s.matches("x"));
}

}  // namespace
}  // namespace meshgate::filters::authz
