// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/policy_match.h"

#include <gtest/gtest.h>

namespace meshgate::filters::jwt_authn {
namespace {

config::ObjectMeta meta(std::string ns, std::string name = "p") {
  config::ObjectMeta m;
  m.namespace_ = std::move(ns);
  m.name = std::move(name);
  return m;
}

config::PolicyTarget selector(config::Labels labels) {
  config::PolicyTarget t;
  t.selector = config::WorkloadSelector{std::move(labels), {}};
  return t;
}

config::PolicyTarget targetRef(std::string kind, std::string name, std::string group = "",
                               std::string ns = "") {
  config::PolicyTarget t;
  config::PolicyTargetRef r;
  r.kind = std::move(kind);
  r.name = std::move(name);
  r.group = std::move(group);
  r.namespace_ = std::move(ns);
  t.target_refs.push_back(r);
  return t;
}

class PolicyMatch : public ::testing::Test {
 protected:
  config::Labels labels_{{"app", "api"}, {"version", "v1"}};
  WorkloadRef listener_{"shop", &labels_, "shop/main", ""};
  WorkloadRef gateway_{"edge", &labels_, "", "edge/public"};
};

TEST_F(PolicyMatch, NamespaceWidePolicies) {
  EXPECT_TRUE(policyApplies(meta("shop"), {}, listener_));
  EXPECT_FALSE(policyApplies(meta("other"), {}, listener_));
  // The root namespace's policies apply everywhere.
  EXPECT_TRUE(policyApplies(meta("istio-system"), {}, listener_));
  EXPECT_TRUE(policyApplies(meta("istio-system"), {}, gateway_));
  EXPECT_FALSE(policyApplies(meta("istio-system"), {}, listener_, "mesh-root"));
  EXPECT_TRUE(policyApplies(meta("mesh-root"), {}, listener_, "mesh-root"));
}

TEST_F(PolicyMatch, SelectorIsASubsetOfTheWorkloadLabels) {
  EXPECT_TRUE(policyApplies(meta("shop"), selector({{"app", "api"}}), listener_));
  EXPECT_TRUE(
      policyApplies(meta("shop"), selector({{"app", "api"}, {"version", "v1"}}), listener_));
  EXPECT_FALSE(policyApplies(meta("shop"), selector({{"app", "web"}}), listener_));
  EXPECT_FALSE(policyApplies(meta("shop"), selector({{"tier", "x"}}), listener_));
  // An empty selector is namespace-wide.
  EXPECT_TRUE(policyApplies(meta("shop"), selector({}), listener_));
  // A selector never reaches across namespaces, except from the root namespace.
  EXPECT_FALSE(policyApplies(meta("other"), selector({{"app", "api"}}), listener_));
  EXPECT_TRUE(policyApplies(meta("istio-system"), selector({{"app", "api"}}), listener_));
  EXPECT_FALSE(policyApplies(meta("istio-system"), selector({{"app", "web"}}), listener_));
}

TEST_F(PolicyMatch, TargetRefsNameOneListenerOrGateway) {
  EXPECT_TRUE(policyApplies(meta("shop"), targetRef("Listener", "main"), listener_));
  EXPECT_TRUE(policyApplies(meta("shop"), targetRef("Listener", "main", "meshgate.io"), listener_));
  EXPECT_FALSE(policyApplies(meta("shop"), targetRef("Listener", "other"), listener_));
  EXPECT_FALSE(policyApplies(meta("other"), targetRef("Listener", "main"), listener_));
  EXPECT_TRUE(policyApplies(meta("other"), targetRef("Listener", "main", "", "shop"), listener_));
  EXPECT_FALSE(policyApplies(meta("shop"), targetRef("Gateway", "main"), listener_));
  EXPECT_TRUE(
      policyApplies(meta("edge"), targetRef("Gateway", "public", "networking.istio.io"), gateway_));
  EXPECT_FALSE(policyApplies(meta("edge"), targetRef("Listener", "public"), gateway_));
  // A policy with targetRefs ignores namespaces and labels otherwise: even in the root
  // namespace it attaches only to what it names.
  EXPECT_FALSE(policyApplies(meta("istio-system"), targetRef("Listener", "main"), listener_));
}

TEST(WorkloadOf, ListenerAndGateway) {
  config::ConfigSet cfg;
  config::Gateway gw;
  gw.meta = meta("edge", "public");
  gw.selector = {{"istio", "ingressgateway"}};
  cfg.gateways.push_back(gw);
  config::Listener l;
  l.meta = meta("shop", "main");
  l.workload_labels = {{"app", "api"}};

  filter_api::ChainSite site;
  site.config = &cfg;
  site.listener = &l;
  site.listener_name = "shop/main";
  WorkloadRef w = workloadOf(site);
  EXPECT_EQ(w.namespace_, "shop");
  EXPECT_EQ(w.listener, "shop/main");
  EXPECT_EQ(w.labels->at("app"), "api");

  l.workload_namespace = "payments";
  EXPECT_EQ(workloadOf(site).namespace_, "payments");

  config::Listener gl;
  gl.meta = gw.meta;
  site.listener = &gl;
  site.listener_name = "gateway/edge/public/8080";
  site.gateway = "edge/public";
  w = workloadOf(site);
  EXPECT_EQ(w.namespace_, "edge");
  EXPECT_EQ(w.gateway, "edge/public");
  EXPECT_TRUE(w.listener.empty());
  EXPECT_EQ(w.labels->at("istio"), "ingressgateway");
  EXPECT_TRUE(policyApplies(meta("istio-system"), selector({{"istio", "ingressgateway"}}), w));
}

}  // namespace
}  // namespace meshgate::filters::jwt_authn
