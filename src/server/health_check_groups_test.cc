// SPDX-License-Identifier: Apache-2.0
#include "server/health_check_groups.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace meshgate::server {
namespace {

constexpr const char* kConfig = R"(apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: main}
spec: {address: 127.0.0.1, port: 0}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: svc}
spec:
  hosts: [svc.local]
  ports: [{number: 80, name: http}]
  resolution: STATIC
  endpoints:
  - {address: 127.0.0.1, ports: {http: 8001}, labels: {version: v1}}
  - {address: 127.0.0.2, ports: {http: 8002}, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: svc}
spec:
  host: svc.local
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: svc}
spec:
  hosts: ["*"]
  http:
  - match: [{uri: {prefix: /v1}}]
    route: [{destination: {host: svc.local, subset: v1}}]
  - route: [{destination: {host: svc.local}}]
---
apiVersion: meshgate.io/v1
kind: HealthCheck
metadata: {name: all}
spec: {host: svc.local, path: /healthz, interval: 2s, timeout: 500ms, expectedStatuses: [200, "204-206"]}
---
apiVersion: meshgate.io/v1
kind: HealthCheck
metadata: {name: only-v2}
spec: {host: svc.local, subset: v2, authority: v2.internal}
)";

struct Built {
  std::shared_ptr<const proxy::Snapshot> snapshot;
  std::vector<upstream::HealthCheckGroup> groups;
};

Built build(const char* yaml) {
  static metrics::Registry registry;
  static proxy::SharedUpstreamState shared;
  config::LoadResult loaded = config::loadText(yaml);
  EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.toString();
  proxy::BuildContext ctx;
  ctx.registry = &registry;
  ctx.shared = &shared;
  auto snap = proxy::buildSnapshot(loaded.config, ctx);
  EXPECT_TRUE(snap.ok());
  Built b;
  b.snapshot = *snap;
  b.groups = healthCheckGroups(*loaded.config, **snap);
  return b;
}

const upstream::Endpoint* find(const proxy::Snapshot& s, std::string_view cluster,
                               std::string_view address) {
  const upstream::Cluster* c = s.findCluster(cluster);
  if (c == nullptr) return nullptr;
  for (const upstream::Endpoint& e : c->endpoints()) {
    if (e.address_text == address) return &e;
  }
  return nullptr;
}

TEST(HealthCheckGroups, WholeServiceAppliesToEveryClusterOfThePort) {
  Built b = build(kConfig);
  ASSERT_EQ(b.groups.size(), 2u);
  const upstream::HealthCheckGroup& all = b.groups[0];
  EXPECT_EQ(all.name, "default/all");
  EXPECT_EQ(all.cluster, "outbound|80||svc.local");
  EXPECT_EQ(all.spec.path, "/healthz");
  EXPECT_EQ(all.spec.authority, "svc.local");
  EXPECT_EQ(all.spec.interval, std::chrono::seconds(2));
  EXPECT_EQ(all.spec.timeout, std::chrono::milliseconds(500));
  EXPECT_TRUE(all.spec.expects(205));
  EXPECT_FALSE(all.spec.expects(201));
  ASSERT_EQ(all.targets.size(), 2u);
  // 127.0.0.1:8001 is in the service's cluster and in subset v1's (routed); its verdict goes
  // to both records.
  const upstream::HealthCheckTarget& t1 =
      all.targets[0].address_text == "127.0.0.1:8001" ? all.targets[0] : all.targets[1];
  ASSERT_EQ(t1.address_text, "127.0.0.1:8001");
  ASSERT_EQ(t1.records.size(), 2u);
  const upstream::Endpoint* base = find(*b.snapshot, "outbound|80||svc.local", "127.0.0.1:8001");
  const upstream::Endpoint* v1 = find(*b.snapshot, "outbound|80|v1|svc.local", "127.0.0.1:8001");
  ASSERT_TRUE(base && v1);
  EXPECT_NE(base->health, v1->health);
  EXPECT_TRUE((t1.records[0] == base->health && t1.records[1] == v1->health) ||
              (t1.records[1] == base->health && t1.records[0] == v1->health));
}

TEST(HealthCheckGroups, SubsetProbesOnlyItsEndpointsEvenWhenNotRouted) {
  Built b = build(kConfig);
  ASSERT_EQ(b.groups.size(), 2u);
  const upstream::HealthCheckGroup& v2 = b.groups[1];
  EXPECT_EQ(v2.cluster, "outbound|80|v2|svc.local");
  EXPECT_EQ(v2.spec.authority, "v2.internal");
  ASSERT_EQ(v2.targets.size(), 1u);
  EXPECT_EQ(v2.targets[0].address_text, "127.0.0.2:8002");
  // No route uses subset v2; the endpoint's record in the service's cluster gets the verdict.
  ASSERT_EQ(v2.targets[0].records.size(), 1u);
  EXPECT_EQ(v2.targets[0].records[0],
            find(*b.snapshot, "outbound|80||svc.local", "127.0.0.2:8002")->health);
}

}  // namespace
}  // namespace meshgate::server
