// SPDX-License-Identifier: Apache-2.0
#include "policy/rego_authorizer.h"

#include <gtest/gtest.h>

#include "testing/fake_filter_context.h"
#include "testing/temp_dir.h"

namespace meshgate::policy {
namespace {

using filters::authz::CustomCheck;
using filters::authz::CustomDecision;

class RegoAuthorizerTest : public ::testing::Test {
 protected:
  RegoAuthorizerTest() {
    services_.metrics = &ctx_.registry();
    services_.shared = &shared_;
    provider_.meta.name = "opa";
    provider_.resolved_bundle_path = dir_.file("bundle");
    provider_.decision_path = "envoy/authz/allow";
  }

  void writePolicy(const std::string& rego) { dir_.write("bundle/policy.rego", rego); }

  CustomDecision check(const filters::authz::CustomAuthorizer& a, const std::string& target,
                       const std::string& method = "GET") {
    EXPECT_EQ(ctx_.head().setTarget(target), http::TargetError::None);
    EXPECT_TRUE(ctx_.head().setMethod(method));
    CustomCheck c{ctx_, provider_, {}, false, {}, false};
    return a.check(c);
  }

  int64_t loads(const char* result) {
    return ctx_.registry().value(
        ctx_.registry().counter("meshgate_policy_bundle_loads_total", "",
                                {{"bundle", dir_.file("bundle")}, {"result", result}}));
  }

  testing::TempDir dir_;
  filter_api::SharedState shared_;
  filter_api::BuildServices services_;
  config::PolicyProvider provider_;
  testing::FakeFilterContext ctx_;
};

const char* const kAllowlist = R"(package envoy.authz

import rego.v1

default allow := false

allow if {
	input.attributes.request.http.method == "GET"
	input.parsed_path[0] == "public"
}
)";

TEST_F(RegoAuthorizerTest, DecidesWithTheBundle) {
  writePolicy(kAllowlist);
  auto a = makeRegoAuthorizer(provider_, services_);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(check(**a, "/public/x").result, CustomDecision::Result::Allow);
  EXPECT_EQ(check(**a, "/public/x", "POST").result, CustomDecision::Result::Deny);
  EXPECT_EQ(check(**a, "/private").result, CustomDecision::Result::Deny);
  const CustomDecision bad = check(**a, "/a%zz");
  EXPECT_EQ(bad.result, CustomDecision::Result::Error) << "OPA-Envoy fails on url.Parse errors";
  EXPECT_NE(bad.message.find("invalid URL escape"), std::string::npos) << bad.message;
}

TEST_F(RegoAuthorizerTest, CompiledBundlesAreReusedUntilTheFilesChange) {
  writePolicy(kAllowlist);
  ASSERT_TRUE(makeRegoAuthorizer(provider_, services_).ok());
  auto again = makeRegoAuthorizer(provider_, services_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(loads("success"), 1) << "an unchanged bundle is not compiled again";

  dir_.write("bundle/data.json", R"({"x": 1})");
  ASSERT_TRUE(makeRegoAuthorizer(provider_, services_).ok());
  EXPECT_EQ(loads("success"), 2) << "a new data file is a new bundle";

  writePolicy("package envoy.authz\n\nallow if {\n");
  auto broken = makeRegoAuthorizer(provider_, services_);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("failed to compile"), std::string::npos);
  EXPECT_NE(broken.error().message.find("policy.rego:"), std::string::npos)
      << "errors carry positions: " << broken.error().message;
  EXPECT_EQ(loads("failure"), 1);
}

TEST_F(RegoAuthorizerTest, ManifestRevisionOrContentHash) {
  writePolicy(kAllowlist);
  auto b = loadBundleCached(provider_, services_);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->revision.rfind("sha:", 0), 0u) << (*b)->revision;
  EXPECT_EQ((*b)->revision, "sha:" + (*b)->content_hash);
  dir_.write("bundle/.manifest", R"({"revision": "v42"})");
  auto m = loadBundleCached(provider_, services_);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->revision, "v42");
}

TEST_F(RegoAuthorizerTest, MissingBundleIsAnError) {
  EXPECT_FALSE(makeRegoAuthorizer(provider_, services_).ok());
}

TEST_F(RegoAuthorizerTest, BudgetsStopRunawayPolicies) {
  writePolicy(R"(package envoy.authz

import rego.v1

allow if {
	count([x | some x in numbers.range(1, 100000)]) > 0
}
)");
  provider_.limits.max_steps = 1000;
  auto a = makeRegoAuthorizer(provider_, services_);
  ASSERT_TRUE(a.ok()) << a.error().message;
  const CustomDecision d = check(**a, "/");
  EXPECT_EQ(d.result, CustomDecision::Result::Error);
  EXPECT_FALSE(d.message.empty());
  EXPECT_EQ(ctx_.registry().value(ctx_.registry().counter(
                "meshgate_policy_decisions_total", "", {{"provider", "opa"}, {"result", "error"}})),
            1);
}

TEST_F(RegoAuthorizerTest, ConflictIsAnError) {
  writePolicy(
      "package envoy.authz\n\nallow := true if count(input.parsed_path) > 0\nallow := false\n");
  auto a = makeRegoAuthorizer(provider_, services_);
  ASSERT_TRUE(a.ok()) << a.error().message;
  const CustomDecision d = check(**a, "/");
  EXPECT_EQ(d.result, CustomDecision::Result::Error);
  EXPECT_NE(d.message.find("conflict"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace meshgate::policy
