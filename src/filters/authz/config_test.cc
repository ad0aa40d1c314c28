// SPDX-License-Identifier: Apache-2.0
// Policy selection (Istio's namespace, root namespace, selector and targetRef
// rules, for Listeners and Gateway listeners) and what the factory builds.
#include "filters/authz/config.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "filters/authz/selection.h"
#include "filters/authz/test_harness.h"

namespace meshgate::filters::authz {
namespace {

using test::Harness;

std::string denyAll(const std::string& name, const std::string& ns,
                    const std::string& targeting = "") {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name +
         ", namespace: " + ns + "}\nspec:\n" + targeting + "  action: DENY\n  rules: [{}]\n---\n";
}

TEST(AuthzSelection, NamespaceWidePolicyAppliesToItsNamespaceOnly) {
  Harness same(denyAll("p", "default"));
  ASSERT_TRUE(same.loaded()) << same.loadError();
  EXPECT_TRUE(same.applies());
  Harness other(denyAll("p", "other"));
  ASSERT_TRUE(other.loaded()) << other.loadError();
  EXPECT_FALSE(other.applies());
}

TEST(AuthzSelection, WorkloadNamespaceOverridesTheListenersNamespace) {
  const std::string yaml =
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: main}\nspec:\n  port: 18080\n"
      "  workload: {namespace: shop, labels: {app: web}}\n---\n" +
      denyAll("p", "shop");
  config::LoadResult r = config::loadText(yaml);
  ASSERT_TRUE(r.ok());
  filter_api::ChainSite site;
  site.config = r.config.get();
  site.listener = r.config->findListener("main", "default");
  ASSERT_NE(site.listener, nullptr);
  Workload w = workloadOf(site);
  EXPECT_EQ(w.namespace_, "shop");
  EXPECT_EQ(selectPolicies(*r.config, w).size(), 1u);
}

TEST(AuthzSelection, RootNamespacePolicyAppliesEverywhere) {
  Harness h(denyAll("mesh-wide", "istio-system"));
  EXPECT_TRUE(h.applies());
  EXPECT_EQ(h.get("/"), 403);
}

TEST(AuthzSelection, SelectorMatchesWorkloadLabels) {
  const std::string match = "  selector: {matchLabels: {app: web}}\n";
  const std::string mismatch = "  selector: {matchLabels: {app: db}}\n";
  const std::string extra = "  selector: {matchLabels: {app: web, tier: front}}\n";
  EXPECT_TRUE(Harness(denyAll("p", "default", match)).applies());
  EXPECT_FALSE(Harness(denyAll("p", "default", mismatch)).applies());
  EXPECT_FALSE(Harness(denyAll("p", "default", extra)).applies())
      << "every selector label must be on the workload";
  EXPECT_TRUE(Harness(denyAll("p", "istio-system", match)).applies())
      << "a root-namespace selector applies in every namespace";
  EXPECT_FALSE(Harness(denyAll("p", "other", match)).applies())
      << "a selector never crosses namespaces outside the root namespace";
}

TEST(AuthzSelection, TargetRefNamesAListener) {
  const std::string ref = "  targetRef: {group: meshgate.io, kind: Listener, name: main}\n";
  Harness h(denyAll("p", "default", ref));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_TRUE(h.applies());
  // Another listener in the same namespace is not targeted.
  Harness other(
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: side}\nspec: {port: "
      "18081}\n---\n" +
          denyAll("p", "default",
                  "  targetRef: {group: meshgate.io, kind: Listener, name: side}\n"),
      "", "main");
  ASSERT_TRUE(other.loaded()) << other.loadError();
  EXPECT_FALSE(other.applies());
  Harness refs(denyAll("p", "default", "  targetRefs:\n  - {kind: Listener, name: main}\n"));
  ASSERT_TRUE(refs.loaded()) << refs.loadError();
  EXPECT_TRUE(refs.applies());
}

const char* const kGateway = R"(apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ingress, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 18090, name: http, protocol: HTTP}
    hosts: ["*"]
---
)";

TEST(AuthzSelection, GatewayListeners) {
  {
    Harness h(std::string(kGateway) + denyAll("p", "edge"));
    ASSERT_TRUE(h.loaded()) << h.loadError();
    h.useGateway("edge/ingress");
    EXPECT_TRUE(h.applies()) << "namespace-wide policy in the Gateway's namespace";
  }
  {
    Harness h(std::string(kGateway) + denyAll("p", "default"));
    h.useGateway("edge/ingress");
    EXPECT_FALSE(h.applies()) << "the mesh listener's namespace does not apply to the gateway";
  }
  {
    Harness h(std::string(kGateway) +
              denyAll("p", "istio-system", "  selector: {matchLabels: {istio: ingressgateway}}\n"));
    h.useGateway("edge/ingress");
    EXPECT_TRUE(h.applies()) << "selectors match the Gateway's selector labels";
    Harness mesh(
        std::string(kGateway) +
        denyAll("p", "istio-system", "  selector: {matchLabels: {istio: ingressgateway}}\n"));
    EXPECT_FALSE(mesh.applies()) << "the mesh listener does not carry the gateway's labels";
  }
  {
    Harness h(
        std::string(kGateway) +
        denyAll("p", "edge",
                "  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ingress}\n"));
    ASSERT_TRUE(h.loaded()) << h.loadError();
    h.useGateway("edge/ingress");
    EXPECT_TRUE(h.applies());
    Harness mesh(
        std::string(kGateway) +
        denyAll("p", "edge",
                "  targetRef: {group: networking.istio.io, kind: Gateway, name: ingress}\n"));
    EXPECT_FALSE(mesh.applies());
  }
}

TEST(AuthzSelection, PoliciesElsewhereDoNotBuildAFilter) {
  Harness h(denyAll("p", "other") +
            denyAll("q", "default", "  selector: {matchLabels: {app: nope}}\n"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_FALSE(h.applies());
  EXPECT_EQ(h.buildError(), "");
}

TEST(AuthzConfigFactoryTest, NameOrderAndRegistration) {
  AuthzConfigFactory f;
  EXPECT_EQ(f.name(), "authz");
  EXPECT_EQ(f.order(), filter_api::order::kAuthz);
  registerAuthzFilter();
  registerAuthzFilter();
  int count = 0;
  for (const auto& registered : filter_api::registeredFilters()) {
    if (registered->name() == "authz") ++count;
  }
  EXPECT_EQ(count, 1);
}

TEST(AuthzConfigFactoryTest, BuildsAFactoryOnlyWhereAPolicyApplies) {
  Harness h(denyAll("p", "default"));
  ASSERT_TRUE(h.loaded());
  filter_api::BuildServices services;
  AuthzConfigFactory f;
  auto built = f.build(h.site(), services);
  ASSERT_TRUE(built.ok());
  ASSERT_NE(*built, nullptr);
  EXPECT_EQ((*built)->name(), "authz");
  EXPECT_NE((*built)->create(), nullptr);

  Harness none("");
  auto nothing = f.build(none.site(), services);
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(*nothing, nullptr);
}

}  // namespace
}  // namespace meshgate::filters::authz
