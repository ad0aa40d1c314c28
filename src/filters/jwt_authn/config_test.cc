// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/config.h"

#include <gtest/gtest.h>

#include "base/assert.h"
#include "config/loader.h"
#include "filters/jwt_authn/jwt_authn_filter.h"
#include "filters/jwt_authn/test_util.h"

namespace meshgate::filters::jwt_authn {
namespace {

using namespace test;

class JwtConfig : public ::testing::Test {
 protected:
  JwtConfig() {
    listener_.meta.name = "main";
    listener_.meta.namespace_ = "shop";
    listener_.workload_labels = {{"app", "api"}};
  }

  base::Result<std::shared_ptr<const filter_api::FilterFactory>> build(const std::string& yaml) {
    auto loaded = config::loadText(yaml);
    EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.toString();
    if (!loaded.ok()) return base::Error{"load failed"};
    configs_.push_back(loaded.config);
    filter_api::ChainSite site;
    site.config = loaded.config.get();
    site.listener = &listener_;
    site.listener_name = "shop/main";
    filter_api::BuildServices services;
    services.shared = &shared_;
    services.metrics = &registry_;
    services.main_loop = &loop_;
    return JwtAuthnConfigFactory().build(site, services);
  }

  const FilterConfig& configOf(const std::shared_ptr<const filter_api::FilterFactory>& f) {
    MG_ASSERT(f != nullptr, "no jwt_authn filter for the site");
    return static_cast<const JwtAuthnFilterFactory&>(*f).config();
  }

  config::Listener listener_;
  metrics::Registry registry_;
  event::EventLoop loop_;
  filter_api::SharedState shared_;
  std::vector<std::shared_ptr<const config::ConfigSet>> configs_;
};

TEST_F(JwtConfig, OnlyPoliciesForTheWorkloadApply) {
  auto none = build(policy("elsewhere", kIssuer, "", "", "other"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);

  auto f = build(policy("ns-wide", "https://z.example", "", "", "shop") +
                 policy("mesh", "https://m.example", "", "", "istio-system") +
                 policy("selected", "https://a.example", "", "", "shop",
                        "  selector:\n    matchLabels: {app: api}\n") +
                 policy("not-selected", "https://b.example", "", "", "shop",
                        "  selector:\n    matchLabels: {app: web}\n") +
                 policy("other-ns", "https://c.example", "", "", "other"));
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_NE(*f, nullptr);
  EXPECT_EQ((*f)->name(), "jwt_authn");
  const FilterConfig& cfg = configOf(*f);
  std::vector<std::string> issuers;
  for (const auto& r : cfg.policy.rules)
    issuers.push_back(r->issuer);
  // Sorted by issuer, as Istio does.
  EXPECT_EQ(issuers, (std::vector<std::string>{"https://a.example", "https://m.example",
                                               "https://z.example"}));
  EXPECT_EQ(cfg.policies, "istio-system/mesh,shop/ns-wide,shop/selected");
}

TEST_F(JwtConfig, TargetRefs) {
  const std::string listener_doc =
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: main, namespace: shop}\n"
      "spec: {port: 0}\n---\n"
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: other, namespace: shop}\n"
      "spec: {port: 0}\n---\n";
  auto mine = build(listener_doc + policy("ref", kIssuer, "", "", "shop",
                                          "  targetRef: {kind: Listener, name: main}\n"));
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_NE(*mine, nullptr);
  auto theirs = build(listener_doc + policy("ref", kIssuer, "", "", "shop",
                                            "  targetRef: {kind: Listener, name: other}\n"));
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(*theirs, nullptr);
}

TEST_F(JwtConfig, RulesAreSharedAcrossBuildsWhileUnchanged) {
  auto a = build(policy("p", kIssuer, "", "", "shop"));
  auto b = build(policy("p", kIssuer, "", "", "shop"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(configOf(*a).policy.rules[0].get(), configOf(*b).policy.rules[0].get());
  // Routes of one listener (and the next generation) share the whole compiled config.
  EXPECT_EQ(&configOf(*a), &configOf(*b));
  auto c = build(policy("p", kIssuer, "    audiences: [x]\n", "", "shop"));
  ASSERT_TRUE(c.ok());
  EXPECT_NE(configOf(*a).policy.rules[0].get(), configOf(*c).policy.rules[0].get());
  EXPECT_NE(&configOf(*a), &configOf(*c));
  // The inline key set is shared too.
  EXPECT_EQ(configOf(*a).policy.rules[0]->keys.get(), configOf(*c).policy.rules[0]->keys.get());
}

TEST_F(JwtConfig, JwksUriProvidersAreSharedPerUri) {
  const std::string uri = "    jwksUri: http://127.0.0.1:1/jwks\n";
  auto a = build(policy("a", "https://a.example", uri, "", "shop") +
                 policy("b", "https://b.example", uri, "", "shop"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  const FilterConfig& cfg = configOf(*a);
  ASSERT_EQ(cfg.policy.rules.size(), 2u);
  EXPECT_EQ(cfg.policy.rules[0]->keys.get(), cfg.policy.rules[1]->keys.get());
  // Another refresh interval is another provider.
  auto b = build(policy("a", "https://a.example", uri,
                        "  annotations:\n    meshgate.io/jwks-refresh-interval: 1m\n", "shop"));
  ASSERT_TRUE(b.ok());
  EXPECT_NE(configOf(*b).policy.rules[0]->keys.get(), cfg.policy.rules[0]->keys.get());
}

TEST_F(JwtConfig, RejectsWhatCannotWork) {
  auto small = build(policy(
      "p", kIssuer,
      "    jwks: '" + jwt::jwksOf({jwt::TestKey::fromOpensslCli("RSA:1024").jwk("k")}) + "'\n", "",
      "shop"));
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("RequestAuthentication shop/p jwtRules[0]: jwks:"),
            std::string::npos)
      << small.error().message;
  EXPECT_NE(small.error().message.find("JwksRsaKeyTooSmall"), std::string::npos);

  auto skew = build(
      policy("p", kIssuer, "", "  annotations:\n    meshgate.io/jwt-clock-skew: 1.5s\n", "shop"));
  ASSERT_FALSE(skew.ok());
  EXPECT_NE(skew.error().message.find("meshgate.io/jwt-clock-skew"), std::string::npos);
  auto refresh = build(policy(
      "p", kIssuer, "", "  annotations:\n    meshgate.io/jwks-refresh-interval: soon\n", "shop"));
  ASSERT_FALSE(refresh.ok());
  EXPECT_NE(refresh.error().message.find("meshgate.io/jwks-refresh-interval"), std::string::npos);
}

TEST_F(JwtConfig, MetricsAreRegisteredPerListener) {
  auto f = build(policy("p", kIssuer, "", "", "shop"));
  ASSERT_TRUE(f.ok());
  ASSERT_NE(*f, nullptr);
  const std::string text = registry_.renderPrometheus();
  for (const char* series :
       {R"(meshgate_jwt_authn_allowed_total{listener="shop/main"} 0)",
        R"(meshgate_jwt_authn_missing_total{listener="shop/main"} 0)",
        R"(meshgate_jwt_authn_denied_total{listener="shop/main",reason="JwtExpired"} 0)",
        R"(meshgate_jwt_authn_denied_total{listener="shop/main",reason="JwksFetchFail"} 0)",
        R"(meshgate_jwt_authn_jwt_cache_hits_total{listener="shop/main"} 0)"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
  EXPECT_EQ(text.find(R"(reason="JwtMissed")"), std::string::npos);
  EXPECT_EQ(text.find(R"(reason="Ok")"), std::string::npos);
}

}  // namespace
}  // namespace meshgate::filters::jwt_authn
