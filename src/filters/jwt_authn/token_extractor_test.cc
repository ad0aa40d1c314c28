// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/token_extractor.h"

#include <gtest/gtest.h>

namespace meshgate::filters::jwt_authn {
namespace {

std::vector<std::string> texts(const TokenList& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens)
    out.emplace_back(t.text());
  return out;
}

http::RequestHead request(const std::string& target,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::RequestHead h;
  EXPECT_EQ(h.setTarget(target), http::TargetError::None);
  for (auto& [k, v] : headers)
    h.headers().add(k, v);
  return h;
}

TEST(ValueAfterPrefix, EnvoyRules) {
  EXPECT_EQ(valueAfterPrefix("Bearer abc.def.ghi", "Bearer "), "abc.def.ghi");
  // The prefix may appear anywhere; what follows it starts at the first token character.
  EXPECT_EQ(valueAfterPrefix("Basic xyz, Bearer   abc.def", "Bearer "), "abc.def");
  EXPECT_EQ(valueAfterPrefix("Bearer \"abc.def\"", "Bearer "), "abc.def\"");
  // Case-sensitive, as Envoy.
  EXPECT_EQ(valueAfterPrefix("bearer abc", "Bearer "), std::nullopt);
  EXPECT_EQ(valueAfterPrefix("Token abc", "Bearer "), std::nullopt);
  // Nothing token-like after the prefix: the whole value, so that parsing reports it.
  EXPECT_EQ(valueAfterPrefix("Bearer !!!", "Bearer "), "Bearer !!!");
}

TEST(QueryParams, FirstValueDecoded) {
  EXPECT_EQ(queryParamValue("a=1&access_token=x.y.z&access_token=2", "access_token"), "x.y.z");
  EXPECT_EQ(queryParamValue("access%5Ftoken=a%2Eb+c", "access_token"), "a.b c");
  EXPECT_EQ(queryParamValue("access_token", "access_token"), "");
  EXPECT_EQ(queryParamValue("access_tokenx=1", "access_token"), std::nullopt);
  EXPECT_EQ(queryParamValue("", "access_token"), std::nullopt);
  EXPECT_EQ(queryParamValue("t=%zz%4", "t"), "%zz%4");
}

TEST(QueryParams, RemovalKeepsTheOthersVerbatim) {
  EXPECT_EQ(removeQueryParam("a=%41&access_token=x&b=2&access_token=y", "access_token"),
            "a=%41&b=2");
  EXPECT_EQ(removeQueryParam("access_token=x", "access_token"), "");
  EXPECT_EQ(removeQueryParam("a=1&&b", "access_token"), "a=1&b");
}

TEST(Cookies, EnvoyParsing) {
  http::HeaderMap h;
  h.add("cookie", "a=1;  session=\"abc.def\"; broken; session=second");
  h.add("cookie", "other=x");
  EXPECT_EQ(cookieValue(h, "session"), "abc.def");
  EXPECT_EQ(cookieValue(h, "other"), "x");
  EXPECT_EQ(cookieValue(h, "broken"), std::nullopt);
  EXPECT_EQ(cookieValue(h, "missing"), std::nullopt);
  removeCookie(h, "session");
  EXPECT_EQ(cookieValue(h, "session"), std::nullopt);
  EXPECT_EQ(cookieValue(h, "a"), "1");
  EXPECT_EQ(cookieValue(h, "other"), "x");
  removeCookie(h, "other");
  EXPECT_EQ(h.count(http::HeaderId::Cookie), 1u);  // the emptied field is gone
}

TEST(LocationTable, SortsLikeEnvoyAndDeduplicates) {
  LocationTable t({{LocationKind::Cookie, "c", ""},
                   {LocationKind::Param, "z", ""},
                   {LocationKind::Header, "x-token", ""},
                   {LocationKind::Header, "authorization", "Bearer "},
                   {LocationKind::Param, "access_token", ""},
                   {LocationKind::Header, "authorization", "Bearer "}});
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.at(0).name, "authorization");
  EXPECT_EQ(t.at(1).name, "x-token");
  EXPECT_EQ(t.at(2).name, "access_token");
  EXPECT_EQ(t.at(3).name, "z");
  EXPECT_EQ(t.at(4).name, "c");
  EXPECT_EQ(t.indexOf({LocationKind::Param, "z", ""}), 3);
  EXPECT_EQ(t.indexOf({LocationKind::Param, "nope", ""}), -1);
  EXPECT_EQ(t.maskOf(defaultTokenLocations()), LocationMask{0b101});
}

TEST(LocationTable, ExtractsInOrderFromEveryOccurrence) {
  LocationTable t({{LocationKind::Header, "authorization", "Bearer "},
                   {LocationKind::Header, "x-jwt", ""},
                   {LocationKind::Param, "access_token", ""},
                   {LocationKind::Cookie, "session", ""}});
  auto head = request("/p?access_token=q.q.q", {{"x-jwt", "raw.raw.raw"},
                                                {"authorization", "Bearer one.one.one"},
                                                {"authorization", "Basic nope"},
                                                {"authorization", "Bearer two.two.two"},
                                                {"cookie", "session=c.c.c"}});
  TokenList tokens;
  t.extract(head, ~LocationMask{0}, tokens);
  EXPECT_EQ(texts(tokens), (std::vector<std::string>{"one.one.one", "two.two.two", "raw.raw.raw",
                                                     "q.q.q", "c.c.c"}));
  EXPECT_EQ(tokens[2].location, 1);
  EXPECT_TRUE(tokens[3].is_owned);

  tokens = TokenList();
  t.extract(head, LocationMask{0b1010}, tokens);
  EXPECT_EQ(texts(tokens), (std::vector<std::string>{"raw.raw.raw", "c.c.c"}));
}

TEST(LocationTable, NothingWithoutAToken) {
  LocationTable t(defaultTokenLocations());
  auto head = request("/p?x=1", {{"authorization", "Basic abc"}});
  TokenList tokens;
  t.extract(head, ~LocationMask{0}, tokens);
  EXPECT_TRUE(tokens.empty());
}

TEST(RemoveTokenAt, HeaderParamCookie) {
  auto head = request("/a/b?x=1&access_token=t&y=%41",
                      {{"authorization", "Bearer t"}, {"cookie", "s=t; k=v"}});
  removeTokenAt({LocationKind::Header, "authorization", "Bearer "}, head);
  EXPECT_FALSE(head.headers().has(http::HeaderId::Authorization));
  removeTokenAt({LocationKind::Param, "access_token", ""}, head);
  EXPECT_EQ(head.target(), "/a/b?x=1&y=%41");
  removeTokenAt({LocationKind::Cookie, "s", ""}, head);
  EXPECT_EQ(head.headers().get("cookie"), "k=v");

  auto only = request("/p?access_token=t");
  removeTokenAt({LocationKind::Param, "access_token", ""}, only);
  EXPECT_EQ(only.target(), "/p");
  EXPECT_FALSE(only.hasQuery());
}

}  // namespace
}  // namespace meshgate::filters::jwt_authn
