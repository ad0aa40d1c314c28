// SPDX-License-Identifier: Apache-2.0
// Semantic diff, dump, version hash, clusters, value types, and the examples.
#include "config/diff.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include "config/clusters.h"
#include "config/default_config.h"
#include "config/dump.h"
#include "config/loader.h"

namespace meshgate::config {
namespace {

std::shared_ptr<const ConfigSet> load(std::string_view yaml) {
  LoadResult r = loadText(yaml, "t.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.toString();
  return r.config;
}

constexpr std::string_view kBase = R"y(apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: web}
spec: {port: 8080, hosts: ["*"]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a}
spec:
  hosts: [a.example]
  ports: [{number: 80, name: http}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1, labels: {v: "1"}}, {address: 10.0.0.2, labels: {v: "2"}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a}
spec:
  hosts: ["*"]
  http:
  - name: main
    route: [{destination: {host: a.example}}]
    timeout: 5s
)y";

TEST(Diff, EqualConfigsWhateverTheirLayout) {
  // Same meaning: reordered documents, flow vs block style, comments, defaults spelled out.
  auto a = load(kBase);
  auto b = load(R"y(# reordered and restyled
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: a
  namespace: default
spec:
  hosts:
  - "*"
  gateways: [mesh]
  http:
  - name: main
    timeout: 5000ms
    route:
    - destination:
        host: a.example
      weight: 100
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a}
spec:
  location: MESH_EXTERNAL
  hosts: [a.example]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1, labels: {v: "1"}, weight: 1}, {address: 10.0.0.2, labels: {v: "2"}}]
---
apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: web}
spec: {address: 127.0.0.1, port: 8080}
)y");
  ConfigDiff d = diff(*a, *b);
  EXPECT_TRUE(d.empty()) << d.toText();
  EXPECT_EQ(d.toText(), "no semantic changes\n");
  EXPECT_EQ(d.toJson(), R"({"equal":true,"changes":[]})");
  EXPECT_EQ(versionHash(*a), versionHash(*b));
  EXPECT_EQ(versionHash(*a).size(), 32u);  // 128 bits, hex
}

TEST(Diff, ReportsAddedRemovedAndChangedFields) {
  auto a = load(kBase);
  std::string changed(kBase);
  changed.replace(changed.find("timeout: 5s"), 11, "timeout: 7s");
  changed.replace(changed.find("10.0.0.2"), 8, "10.0.0.3");
  changed += R"y(---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all}
spec: {}
)y";
  auto b = load(changed);
  ConfigDiff d = diff(*a, *b);
  EXPECT_NE(versionHash(*a), versionHash(*b));
  EXPECT_EQ(d.toText(),
            "~ route default/a/main\n"
            "    timeout: \"5s\" -> \"7s\"\n"
            "- endpoint outbound|80||a.example 10.0.0.2:80\n"
            "+ endpoint outbound|80||a.example 10.0.0.3:80\n"
            "+ authorization default/deny-all\n"
            "4 changes: 2 added, 1 removed, 1 changed\n");
  EXPECT_NE(
      d.toJson().find(
          R"({"category":"route","id":"default/a/main","op":"changed","fields":[{"path":"timeout","old":"5s","new":"7s"}]})"),
      std::string::npos)
      << d.toJson();
}

TEST(Diff, ClusterPolicyAndListenerChanges) {
  auto a = load(kBase);
  std::string b_text(kBase);
  b_text.replace(b_text.find("port: 8080"), 10, "port: 9090");
  b_text +=
      "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: "
      "a}\nspec:\n  host: a.example\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n";
  auto b = load(b_text);
  ConfigDiff d = diff(*a, *b);
  ASSERT_EQ(d.changes.size(), 2u) << d.toText();
  EXPECT_EQ(d.changes[0].category, "listener");
  EXPECT_EQ(d.changes[0].fields[0].path, "port");
  EXPECT_EQ(d.changes[0].fields[0].old_value, "8080");
  EXPECT_EQ(d.changes[0].fields[0].new_value, "9090");
  EXPECT_EQ(d.changes[1].category, "cluster");
  EXPECT_EQ(d.changes[1].id, "outbound|80||a.example");
  EXPECT_EQ(d.changes[1].fields.size(), 2u);  // destinationRule, trafficPolicy.loadBalancer.simple
}

TEST(Dump, IsJsonWithVersionAndDerivedClusters) {
  LoadResult r = loadEmbeddedDefault();
  ASSERT_TRUE(r.ok());
  const std::string json = toJson(*r.config);
  EXPECT_EQ(json.rfind("{\"version\":\"" + versionHash(*r.config) + "\"", 0), 0u) << json;
  EXPECT_NE(json.find("\"clusters\":[{\"name\":\"outbound|8081||demo.local\""), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"address\":\"127.0.0.1:8081\""), std::string::npos);
  // Stable across loads.
  EXPECT_EQ(json, toJson(*loadEmbeddedDefault().config));
}

TEST(Clusters, SubsetsPortsAndNames) {
  auto c = load(std::string(kBase) +
                "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: "
                "a}\nspec:\n  host: a.example\n  subsets: [{name: one, labels: {v: \"1\"}}]\n");
  std::vector<Cluster> clusters = buildClusters(*c);
  ASSERT_EQ(clusters.size(), 2u);
  // Sorted by name ('|' sorts after letters).
  EXPECT_EQ(clusters[1].name, "outbound|80||a.example");
  EXPECT_EQ(clusters[1].endpoints.size(), 2u);
  EXPECT_EQ(clusters[0].name, "outbound|80|one|a.example");
  ASSERT_EQ(clusters[0].endpoints.size(), 1u);
  EXPECT_EQ(clusters[0].endpoints[0].address, "10.0.0.1");
  Destination d;
  d.host = "a.example";
  d.subset = "one";
  EXPECT_EQ(*clusterNameFor(*c, d, "default"), "outbound|80|one|a.example");
}

TEST(Types, RegexIsRe2FullMatch) {
  std::string err;
  auto re = Regex::compile("a+b", &err);
  ASSERT_TRUE(re);
  EXPECT_TRUE(re->fullMatch("aab"));
  EXPECT_FALSE(re->fullMatch("xaab"));
  EXPECT_FALSE(Regex::compile("(a)\\1", &err));  // backreferences are not RE2
  EXPECT_FALSE(err.empty());
  EXPECT_FALSE(Regex::compile("(?=x)", &err));  // nor lookahead
}

TEST(Types, CidrAndHosts) {
  bool host_bits = false;
  auto c = Cidr::parse("10.1.2.3/8", &host_bits);
  ASSERT_TRUE(c);
  EXPECT_TRUE(host_bits);
  EXPECT_EQ(c->toString(), "10.0.0.0/8");
  EXPECT_TRUE(c->contains(*IpAddress::parse("10.255.0.1")));
  EXPECT_FALSE(c->contains(*IpAddress::parse("11.0.0.1")));
  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("10.0.0.1")));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_EQ(qualifyHost("Reviews", "prod"), "reviews.prod.svc.cluster.local");
  EXPECT_EQ(qualifyHost("a.example", "prod"), "a.example");
  EXPECT_TRUE(hostMatches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(hostMatches("*.example.com", "example.com"));
  EXPECT_TRUE(hostMatches("*", "anything"));
}

TEST(Examples, EveryExampleValidates) {
  const std::string dir = std::string(MG_SOURCE_DIR) + "/examples";
  DIR* d = ::opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  size_t count = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 6 || name.substr(name.size() - 5) != ".yaml") continue;
    LoadResult r = loadPath(dir + "/" + name);
    EXPECT_TRUE(r.ok()) << name << ":\n" << r.diagnostics.toString();
    EXPECT_EQ(r.diagnostics.errorCount(), 0u) << r.diagnostics.toString();
    ++count;
  }
  ::closedir(d);
  EXPECT_GE(count, 5u);
}

}  // namespace
}  // namespace meshgate::config
