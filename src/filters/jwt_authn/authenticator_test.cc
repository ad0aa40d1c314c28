// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/authenticator.h"

#include <gtest/gtest.h>

#include "filters/jwt_authn/test_util.h"

namespace meshgate::filters::jwt_authn {
namespace {

using jwt::JwtStatus;
using namespace test;

const base::SystemTime kNowTime{std::chrono::seconds(kNow)};

/// A key source whose first fetch never settles.
class PendingKeys final : public KeySource {
 public:
  uint64_t version() const override { return 1; }
  KeysSnapshot snapshot() const override { return KeysSnapshot{nullptr, true, JwtStatus::Ok}; }
  bool notifyWhenSettled(event::EventLoop&, std::function<void()>) override { return true; }
};

std::shared_ptr<const CompiledRule> rule(const std::string& issuer,
                                         std::shared_ptr<KeySource> keys = nullptr,
                                         std::vector<TokenLocation> locations = {}) {
  auto r = std::make_shared<CompiledRule>();
  r->id = CompiledRule::nextId();
  r->issuer = issuer;
  jwt::VerifyOptions vo;
  vo.issuer = issuer;
  r->verifier = std::make_shared<const jwt::JwtVerifier>(vo);
  if (!keys) keys = std::make_shared<StaticKeys>(jwt::JwkSet::parse(jwks()).value());
  r->keys = std::move(keys);
  r->locations = locations.empty() ? defaultTokenLocations() : std::move(locations);
  return r;
}

ExtractedToken token(const std::string& text, uint16_t location = 0) {
  ExtractedToken t;
  t.location = location;
  t.owned = text;
  t.is_owned = true;
  return t;
}

TEST(IstioRequirement, Shapes) {
  Requirement one = istioRequirement(1);
  ASSERT_EQ(one.kind, Requirement::Kind::Any);
  ASSERT_EQ(one.children.size(), 2u);
  EXPECT_EQ(one.children[0].kind, Requirement::Kind::Provider);
  EXPECT_EQ(one.children[1].kind, Requirement::Kind::AllowMissing);
  EXPECT_EQ(one.children[1].rules, std::vector<uint16_t>{0});

  Requirement three = istioRequirement(3);
  ASSERT_EQ(three.kind, Requirement::Kind::Any);
  ASSERT_EQ(three.children.size(), 4u);
  for (uint16_t i = 0; i < 3; ++i) {
    EXPECT_EQ(three.children[i].kind, Requirement::Kind::Provider);
    EXPECT_EQ(three.children[i].rule, i);
  }
  const Requirement& all = three.children[3];
  ASSERT_EQ(all.kind, Requirement::Kind::All);
  ASSERT_EQ(all.children.size(), 3u);
  EXPECT_EQ(all.children[2].children[0].rule, 2);
  EXPECT_EQ(all.children[2].children[1].rules, std::vector<uint16_t>{2});
}

TEST(CompilePolicy, LocationsMasksAndSanitizing) {
  auto a = std::const_pointer_cast<CompiledRule>(rule("https://a.example"));
  a->output_payload_to_header = "x-payload";
  a->output_claim_to_headers = {{"x-sub", "sub"}, {"x-payload", "whole"}};
  auto b = rule("https://b.example", nullptr, {{LocationKind::Header, "x-b", ""}});
  auto p = compilePolicy({a, b});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->locations.size(), 3u);
  EXPECT_EQ(p->rule_masks[0], LocationMask{0b101});  // authorization, access_token
  EXPECT_EQ(p->rule_masks[1], LocationMask{0b010});  // x-b
  EXPECT_EQ(p->all_locations, LocationMask{0b111});
  EXPECT_EQ(p->sanitize_headers, (std::vector<std::string>{"x-payload", "x-sub"}));

  std::vector<TokenLocation> many;
  for (int i = 0; i < 65; ++i)
    many.push_back({LocationKind::Param, "p" + std::to_string(i), ""});
  auto too_many = compilePolicy({rule("https://a.example", nullptr, many)});
  EXPECT_FALSE(too_many.ok());
}

TEST(Authenticator, NoTokenIsOkAndGoodTokensAreReported) {
  auto p = compilePolicy({rule(kIssuer)});
  ASSERT_TRUE(p.ok());
  std::vector<ExtractedToken> none;
  AuthnOutcome out = Authenticator(*p, none, kNowTime).run();
  EXPECT_EQ(out.status, JwtStatus::Ok);
  EXPECT_TRUE(out.good.empty());

  std::vector<ExtractedToken> one{token(rs256(claims()))};
  Authenticator a(*p, one, kNowTime);
  out = a.run();
  EXPECT_EQ(out.status, JwtStatus::Ok);
  ASSERT_EQ(out.good.size(), 1u);
  EXPECT_EQ(out.good[0].rule, 0);
  ASSERT_TRUE(a.jwtOf(0));
  EXPECT_EQ(a.jwtOf(0)->subject(), "alice");
}

TEST(Authenticator, PendingKeysStopTheRunOnlyForPlausibleTokens) {
  auto p = compilePolicy({rule(kIssuer, std::make_shared<PendingKeys>())});
  ASSERT_TRUE(p.ok());
  std::vector<ExtractedToken> good{token(rs256(claims()))};
  AuthnOutcome out = Authenticator(*p, good, kNowTime).run();
  ASSERT_TRUE(out.waiting_for_rule.has_value());
  EXPECT_EQ(*out.waiting_for_rule, 0);

  std::vector<ExtractedToken> expired{token(rs256(claims(kIssuer, "", "api", -300)))};
  out = Authenticator(*p, expired, kNowTime).run();
  EXPECT_FALSE(out.waiting_for_rule.has_value());
  EXPECT_EQ(out.status, JwtStatus::JwtExpired);

  std::vector<ExtractedToken> garbage{token("x.y")};
  out = Authenticator(*p, garbage, kNowTime).run();
  EXPECT_FALSE(out.waiting_for_rule.has_value());
  EXPECT_EQ(out.status, JwtStatus::JwtBadFormat);
}

TEST(Authenticator, CacheIsPerWorkerAndRechecksTime) {
  auto p = compilePolicy({rule(kIssuer)});
  ASSERT_TRUE(p.ok());
  // Expires 30 s from now: with the 60 s skew it stays good until now + 90 s.
  std::vector<ExtractedToken> t{token(rs256(claims(kIssuer, "", "api", 30)))};
  AuthnOutcome first = Authenticator(*p, t, kNowTime).run();
  EXPECT_EQ(first.status, JwtStatus::Ok);
  EXPECT_EQ(first.cache_misses, 1u);
  AuthnOutcome second = Authenticator(*p, t, kNowTime).run();
  EXPECT_EQ(second.status, JwtStatus::Ok);
  EXPECT_EQ(second.cache_hits, 1u);
  EXPECT_EQ(second.cache_misses, 0u);
  AuthnOutcome later = Authenticator(*p, t, kNowTime + std::chrono::seconds(120)).run();
  EXPECT_EQ(later.status, JwtStatus::JwtExpired);

  // Another thread has its own cache.
  AuthnOutcome other;
  std::thread([&] { other = Authenticator(*p, t, kNowTime).run(); }).join();
  EXPECT_EQ(other.status, JwtStatus::Ok);
  EXPECT_EQ(other.cache_hits, 0u);
  EXPECT_EQ(other.cache_misses, 1u);
}

}  // namespace
}  // namespace meshgate::filters::jwt_authn
