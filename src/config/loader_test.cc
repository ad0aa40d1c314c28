// SPDX-License-Identifier: Apache-2.0
// The loader: every kind, valid and invalid, with exact file:line:col messages.
#include "config/loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "config/default_config.h"
#include "config/external_kinds.h"
#include "testing/temp_dir.h"

namespace meshgate::config {
namespace {

std::vector<std::string> diags(std::string_view yaml) {
  LoadResult r = loadText(yaml, "t.yaml");
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diagnostics.items())
    out.push_back(d.toString());
  return out;
}

std::shared_ptr<const ConfigSet> load(std::string_view yaml) {
  LoadResult r = loadText(yaml, "t.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.toString();
  return r.config;
}

bool hasDiag(const std::vector<std::string>& d, const std::string& want) {
  for (const std::string& s : d)
    if (s == want) return true;
  return false;
}

#define EXPECT_DIAG(yaml, want)                                                   \
  do {                                                                            \
    auto d_ = diags(yaml);                                                        \
    std::string all_;                                                             \
    for (auto& s_ : d_)                                                           \
      all_ += s_ + "\n";                                                          \
    EXPECT_TRUE(hasDiag(d_, want)) << "wanted: " << (want) << "\ngot:\n" << all_; \
  } while (0)

constexpr std::string_view kSe = R"y(apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: reviews
spec:
  hosts: [reviews.default.svc.cluster.local]
  ports:
  - {number: 9080, name: http, protocol: HTTP}
  resolution: STATIC
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}}
  - {address: 10.0.0.2, labels: {version: v2}, weight: 3}
---
)y";

// ------------------------------------------------------------- document layer

TEST(Loader, EmbeddedDefaultIsValidAndComplete) {
  LoadResult r = loadEmbeddedDefault();
  ASSERT_TRUE(r.ok()) << r.diagnostics.toString();
  EXPECT_EQ(r.diagnostics.items().size(), 0u) << r.diagnostics.toString();
  const ConfigSet& c = *r.config;
  ASSERT_TRUE(c.admin.has_value());
  EXPECT_EQ(c.admin->address, "127.0.0.1");
  EXPECT_EQ(c.admin->port, 9901);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].port, 8080);
  EXPECT_EQ(c.listeners[0].hosts, std::vector<std::string>{"*"});
  ASSERT_EQ(c.demo_upstreams.size(), 1u);
  EXPECT_EQ(c.demo_upstreams[0].port, 8081);
  ASSERT_EQ(c.virtual_services.size(), 1u);
  ASSERT_EQ(c.virtual_services[0].http.size(), 2u);
  EXPECT_EQ(c.virtual_services[0].http[0].direct_response->status, 200u);
  EXPECT_EQ(*c.virtual_services[0].http[0].direct_response->body, "ok\n");
  EXPECT_EQ(c.virtual_services[0].http[1].route[0].weight, 100u);
  EXPECT_EQ(c.findServiceEntry("demo.local", "default")->endpoints[0].address, "127.0.0.1");
}

TEST(Loader, MultiDocumentAndListAndDefaults) {
  auto c = load(std::string(kSe) + R"y(apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1beta1
  kind: DestinationRule
  metadata: {name: reviews, namespace: default, labels: {a: b}}
  spec:
    host: reviews
    subsets: [{name: v1, labels: {version: v1}}]
)y");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->destination_rules.size(), 1u);
  EXPECT_EQ(c->destination_rules[0].meta.namespace_, "default");
  EXPECT_EQ(c->destination_rules[0].meta.labels.at("a"), "b");
  EXPECT_EQ(c->service_entries[0].endpoints[0].weight, 1u);
  EXPECT_EQ(c->service_entries[0].endpoints[1].weight, 3u);
  EXPECT_EQ(c->destination_rules[0].meta.pos.line, 17u);
}

TEST(Loader, SyntaxErrorCostsOneDocumentOnly) {
  auto d = diags(R"y(apiVersion: networking.istio.io/v1
kind: Gatewayy
metadata: {name: a}
spec: {}
---
foo: [bar
---
apiVersion: meshgate.io/v1
kind: Admin
metadata: {name: a}
spec: {port: "x"}
)y");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], "t.yaml:2:1: unknown kind \"Gatewayy\" for apiVersion networking.istio.io/v1");
  EXPECT_EQ(d[1].rfind("t.yaml:7:1: YAML syntax error: ", 0), 0u) << d[1];
  EXPECT_EQ(d[2], "t.yaml:11:14: port: expected an integer, got a string \"x\"");
}

TEST(Loader, InputThatHangsYamlCppIsAnErrorWithItsPosition) {
  // yaml-cpp 0.7 never returns on an indented block collection followed by a
  // line starting with ',' (config_loader_fuzz); the loader must answer.
  auto d = diags(
      "apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: a}\nspec: {port: 1}\n---\n"
      "  - a\n,\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].rfind("t.yaml:7:1: YAML syntax error: ',' outside a flow collection", 0), 0u)
      << d[0];
}

TEST(Loader, DocumentLevelErrors) {
  EXPECT_DIAG("kind: Admin\nmetadata: {name: a}\n", "t.yaml:1:1: apiVersion is required");
  EXPECT_DIAG("apiVersion: foo.io/v1\nkind: Admin\nmetadata: {name: a}\n",
              "t.yaml:1:1: unsupported apiVersion \"foo.io/v1\" (accepted: networking.istio.io/v1, "
              "v1beta1, v1alpha3; security.istio.io/v1, v1beta1; meshgate.io/v1)");
  EXPECT_DIAG(
      "apiVersion: security.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {}\n",
      "t.yaml:2:1: kind VirtualService does not belong to apiVersion security.istio.io/v1 (use "
      "networking.istio.io/v1)");
  EXPECT_DIAG("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: a}\nspec: {}\n",
              "t.yaml:2:1: kind Sidecar is not supported by meshgate yet");
  EXPECT_DIAG("apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {namespace: x}\n",
              "t.yaml:3:11: metadata.name is required");
  EXPECT_DIAG("apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: Bad_Name}\n",
              "t.yaml:3:12: metadata.name: \"Bad_Name\" is not a valid name (lower-case letters, "
              "digits, '-' and '.'; at most 253 characters)");
  EXPECT_DIAG("apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: a}\nspce: {}\n",
              "t.yaml:4:1: unknown field \"spce\" in document (did you mean \"spec\"?)");
  EXPECT_DIAG("apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: a, name: b}\n",
              "t.yaml:3:21: metadata: duplicate field \"name\"");
  EXPECT_DIAG("apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: a}\n",
              "t.yaml:1:1: Listener: spec is required");
}

TEST(Loader, DuplicateNamesPointAtTheFirst) {
  EXPECT_DIAG(
      std::string(kSe) + std::string(kSe),
      "t.yaml:17:3: duplicate ServiceEntry \"default/reviews\" (first defined at t.yaml:1:1)");
}

TEST(Loader, AllErrorsAreCollected) {
  auto d = diags(R"y(apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: a}
spec:
  address: nope
  port: 70000
  hosts: [ok.example, "bad host"]
  timeouts: {idle: 5}
  bogus: 1
)y");
  EXPECT_TRUE(hasDiag(d, "t.yaml:5:12: address: \"nope\" is not an IP address"));
  EXPECT_TRUE(hasDiag(d, "t.yaml:6:9: port: 70000 is out of range [0, 65535]"));
  EXPECT_TRUE(hasDiag(d, "t.yaml:7:3: hosts: invalid host \"bad host\""));
  EXPECT_TRUE(hasDiag(
      d,
      "t.yaml:8:20: idle: expected a duration such as \"1.5s\" or \"100ms\", got a number \"5\""));
  EXPECT_TRUE(hasDiag(d, "t.yaml:9:3: unknown field \"bogus\" in Listener.spec"));
}

TEST(Loader, DirectoryIsSortedNonRecursiveYamlOnly) {
  testing::TempDir dir;
  dir.write("b.yaml", std::string(kSe));
  dir.write("a.yml",
            "apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: a}\nspec: {port: 9902}\n");
  dir.write("notes.txt", "not yaml");
  dir.write(".hidden.yaml", "broken: [");
  ::mkdir(dir.file("sub").c_str(), 0755);
  dir.write("sub/c.yaml", "broken: [");
  LoadResult r = loadPath(dir.path());
  ASSERT_TRUE(r.ok()) << r.diagnostics.toString();
  ASSERT_EQ(r.config->sources.size(), 2u);
  EXPECT_EQ(r.config->sources[0], dir.file("a.yml"));
  EXPECT_EQ(r.config->admin->port, 9902);
  EXPECT_EQ(r.config->service_entries.size(), 1u);
}

TEST(Loader, MissingPathIsAnError) {
  LoadResult r = loadPath("/nonexistent/meshgate.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.toString().find("/nonexistent/meshgate.yaml: cannot read config"),
            std::string::npos);
}

TEST(Loader, StrictScalarTypes) {
  EXPECT_DIAG(
      "apiVersion: meshgate.io/v1\nkind: Workload\nmetadata: {name: a}\nspec:\n  command: "
      "/bin/true\n  sandboxProfile: strict\n  labels: {version: 1}\n",
      "t.yaml:7:21: labels.version: expected a string, got a number (quote it: \"1\")");
  EXPECT_DIAG(
      "apiVersion: meshgate.io/v1\nkind: RateLimitPolicy\nmetadata: {name: a}\nspec:\n  targets: "
      "[{hosts: [\"*\"]}]\n  limit: {requestsPerUnit: 1}\n  shadowMode: yes\n",
      "t.yaml:7:15: shadowMode: expected a boolean (true or false), got a string \"yes\" (write "
      "true or false)");
}

// ------------------------------------------------------------- networking kinds

TEST(ServiceEntry, ValidFields) {
  auto c = load(R"y(apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [api.example.com, "*.cdn.example.com"]
  addresses: [192.0.2.0/24]
  ports:
  - {number: 80, name: http, protocol: http, targetPort: 8080}
  - {number: 8443, name: alt}
  location: MESH_EXTERNAL
  resolution: DNS
  endpoints:
  - address: backend.example.com
    ports: {http: 8081}
    locality: us/east
    network: n1
  exportTo: ["*"]
)y");
  const ServiceEntry& se = c->service_entries[0];
  EXPECT_EQ(se.hosts.size(), 2u);
  EXPECT_EQ(se.addresses[0].toString(), "192.0.2.0/24");
  EXPECT_EQ(se.ports[0].protocol, "HTTP");
  EXPECT_EQ(se.ports[0].target_port, 8080);
  EXPECT_EQ(se.ports[1].protocol, "HTTP");
  EXPECT_EQ(se.resolution, ServiceEntry::Resolution::Dns);
  EXPECT_EQ(se.endpoints[0].ports.at("http"), 8081);
  EXPECT_FALSE(se.endpoints[0].ip.has_value());
  EXPECT_EQ(se.endpoints[0].locality, "us/east");
}

TEST(ServiceEntry, Errors) {
  const std::string head =
      "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a}\nspec:\n";
  EXPECT_DIAG(head + "  hosts: [a.example]\n  ports: [{number: 80, name: h}]\n",
              "t.yaml:5:3: resolution NONE (the default) is not supported by meshgate yet: "
              "meshgate does not forward to the original destination; use STATIC (with endpoints "
              "or a workloadSelector) or DNS");
  EXPECT_DIAG(head +
                  "  hosts: [a.example]\n  ports: [{number: 80, name: h, protocol: TCP}]\n  "
                  "resolution: DNS\n",
              "t.yaml:6:33: protocol TCP is not supported by meshgate yet (meshgate speaks "
              "HTTP/1.1; use protocol HTTP)");
  EXPECT_DIAG(head +
                  "  hosts: [a.example]\n  ports: [{number: 80, name: h}]\n  resolution: STATIC\n  "
                  "endpoints: [{address: db.example}]\n",
              "t.yaml:8:16: endpoints[0]: address \"db.example\" must be an IP address with "
              "resolution STATIC");
  EXPECT_DIAG(
      head + "  hosts: [a.example]\n  ports: [{number: 80, name: h}]\n  resolution: STATIC\n",
      "t.yaml:7:3: resolution STATIC requires endpoints or a workloadSelector");
  EXPECT_DIAG(
      head +
          "  hosts: [a.example]\n  ports: [{number: 80, name: h}]\n  resolution: STATIC\n  "
          "endpoints: [{address: 10.0.0.1, ports: {web: 81}}]\n",
      "t.yaml:8:43: endpoints[0]: port name \"web\" is not a port name of this ServiceEntry");
  EXPECT_DIAG(head + "  hosts: [\"*\"]\n  ports: [{number: 80, name: h}]\n  resolution: DNS\n",
              "t.yaml:5:3: hosts: \"*\" is not allowed in a ServiceEntry");
  EXPECT_DIAG(head +
                  "  hosts: [a.example]\n  ports: [{number: 80, name: h}, {number: 80, name: i}]\n "
                  " resolution: DNS\n",
              "t.yaml:6:34: ports[1]: duplicate port number 80");
  EXPECT_DIAG(head +
                  "  hosts: [a.example]\n  ports: [{number: 80}]\n  resolution: DNS\n  addresses: "
                  "[10.0.0.300]\n",
              "t.yaml:8:3: addresses: invalid IP address or CIDR \"10.0.0.300\"");
}

TEST(DestinationRule, TrafficPolicyFieldsAndDefaults) {
  auto c = load(std::string(kSe) + R"y(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie: {name: sticky, path: /, ttl: 60s}
        ringHash: {minimumRingSize: 2048}
      warmupDurationSecs: 30s
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 250ms, tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}, maxConnectionDuration: 1h}
      http: {http1MaxPendingRequests: 10, http2MaxRequests: 50, maxRequestsPerConnection: 5, maxRetries: 3, idleTimeout: 30s, maxConcurrentStreams: 8}
    outlierDetection: {consecutive5xxErrors: 7, consecutiveGatewayErrors: 2, interval: 5s, baseEjectionTime: 1m, maxEjectionPercent: 50, minHealthPercent: 20}
    tls: {mode: DISABLE}
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer: {simple: RANDOM}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
  - name: v2
    labels: {version: v2}
)y");
  const DestinationRule& dr = c->destination_rules[0];
  const TrafficPolicy& tp = *dr.traffic_policy;
  const auto& hash = *tp.load_balancer->consistent_hash;
  EXPECT_EQ(hash.key, LoadBalancerSettings::ConsistentHash::Key::HttpCookie);
  EXPECT_EQ(hash.http_cookie.name, "sticky");
  EXPECT_EQ(*hash.http_cookie.ttl, std::chrono::seconds(60));
  EXPECT_EQ(hash.minimum_ring_size, 2048u);
  EXPECT_EQ(*tp.load_balancer->warmup_duration, std::chrono::seconds(30));
  EXPECT_EQ(tp.connection_pool->tcp->max_connections, 100u);
  EXPECT_EQ(tp.connection_pool->tcp->connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(tp.connection_pool->tcp->tcp_keepalive->probes, 3u);
  EXPECT_EQ(tp.connection_pool->http->max_retries, 3u);
  EXPECT_EQ(tp.connection_pool->http->max_concurrent_streams, 8u);
  EXPECT_EQ(tp.outlier_detection->consecutive_5xx_errors, 7u);
  EXPECT_EQ(tp.outlier_detection->base_ejection_time, std::chrono::minutes(1));
  EXPECT_EQ(tp.outlier_detection->max_ejection_percent, 50u);
  EXPECT_EQ(dr.subsets.size(), 2u);
  // Istio's merge order: subset settings beat port-level beats top-level.
  EffectiveTrafficPolicy v1 = mergeTrafficPolicy(&dr, "v1", 9080);
  EXPECT_EQ(v1.load_balancer->simple, LoadBalancerSettings::Simple::RoundRobin);
  EffectiveTrafficPolicy v2 = mergeTrafficPolicy(&dr, "v2", 9080);
  EXPECT_EQ(v2.load_balancer->simple, LoadBalancerSettings::Simple::Random);
  EffectiveTrafficPolicy other = mergeTrafficPolicy(&dr, "", 1234);
  EXPECT_TRUE(other.load_balancer->consistent_hash.has_value());
  EXPECT_EQ(other.outlier_detection->interval, std::chrono::seconds(5));
}

TEST(DestinationRule, Errors) {
  const std::string head = std::string(kSe) +
                           "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: "
                           "{name: reviews}\nspec:\n  host: reviews\n";
  EXPECT_DIAG(head + "  trafficPolicy: {tls: {mode: MUTUAL}}\n",
              "t.yaml:19:25: tls.mode MUTUAL: upstream TLS and mTLS are not supported by meshgate "
              "yet; use DISABLE");
  EXPECT_DIAG(head +
                  "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, consistentHash: "
                  "{useSourceIp: true}}}\n",
              "t.yaml:19:55: LoadBalancerSettings: only one of simple, consistentHash may be set "
              "(\"simple\" and \"consistentHash\" are both set)");
  EXPECT_DIAG(head + "  trafficPolicy: {outlierDetection: {maxEjectionPercent: 101}}\n",
              "t.yaml:19:58: maxEjectionPercent: 101 is out of range [0, 100]");
  EXPECT_DIAG(head + "  trafficPolicy: {connectionPool: {tcp: {connectTimeout: 1.5us}}}\n",
              "t.yaml:19:58: connectTimeout: duration \"1.5us\" is finer than a millisecond (only "
              "millisecond precision is supported)");
  EXPECT_DIAG(head + "  subsets: [{name: v1}, {name: v1}]\n",
              "t.yaml:19:25: subsets[1]: duplicate subset name \"v1\"");
  EXPECT_DIAG(head +
                  "  trafficPolicy: {portLevelSettings: [{port: {number: 81}, loadBalancer: "
                  "{simple: RANDOM}}]}\n",
              "t.yaml:19:39: portLevelSettings: port 81 is not a port of ServiceEntry "
              "\"default/reviews\" (ports: 9080)");
  EXPECT_DIAG(head + "  trafficPolicy: {tunnel: {}}\n",
              "t.yaml:19:19: TrafficPolicy.tunnel is not supported by meshgate yet");
}

constexpr std::string_view kDr = R"y(apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
)y";

TEST(VirtualService, EveryHttpRouteField) {
  auto c = load(std::string(kSe) + std::string(kDr) + R"y(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - name: api
    match:
    - name: m
      uri: {prefix: /api}
      method: {exact: GET}
      authority: {regex: "rev.*"}
      scheme: {exact: http}
      headers: {x-user: {exact: alice}, x-present: {}}
      withoutHeaders: {x-debug: {}}
      queryParams: {v: {regex: "[0-9]+"}}
      ignoreUriCase: true
      port: 9080
      sourceLabels: {app: web}
      sourceNamespace: default
    - uri: {exact: /v2}
    route:
    - destination: {host: reviews, subset: v1, port: {number: 9080}}
      weight: 80
      headers: {request: {set: {x-a: b}}}
    - destination: {host: reviews.default.svc.cluster.local, subset: v2}
      weight: 20
    rewrite: {uriRegexRewrite: {match: "^/api/(.*)", rewrite: "/\\1"}}
    timeout: 5s
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,reset,503", retryRemoteLocalities: true}
    fault:
      delay: {fixedDelay: 100ms, percentage: {value: 1.5}}
      abort: {httpStatus: 503, percentage: {value: 0.1}}
    mirror: {host: reviews, subset: v2}
    mirrorPercentage: {value: 10}
    corsPolicy:
      allowOrigins: [{exact: "https://a.example"}, {regex: "https://.*\\.b\\.example"}]
      allowMethods: [GET, POST]
      allowHeaders: [x-a]
      exposeHeaders: [x-b]
      maxAge: 24h
      allowCredentials: true
    headers:
      request: {add: {x-req: "1"}, remove: [x-drop]}
      response: {set: {x-resp: v}}
  - name: moved
    match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, authority: b.example, scheme: https, redirectCode: 308, derivePort: FROM_REQUEST_PORT}
  - name: hello
    directResponse: {status: 418, body: {bytes: aGVsbG8=}}
)y");
  const HttpRoute& r = c->virtual_services[0].http[0];
  EXPECT_EQ(r.name, "api");
  ASSERT_EQ(r.match.size(), 2u);
  EXPECT_TRUE(r.match[0].uri->matches("/API/x", true));
  EXPECT_TRUE(r.match[0].authority->matches("reviews"));
  EXPECT_FALSE(r.match[0].authority->matches("xreviews"));  // full match, as Envoy
  EXPECT_EQ(r.match[0].headers.size(), 2u);
  EXPECT_TRUE(r.match[0].headers.at("x-present").matches("anything"));
  EXPECT_EQ(r.match[0].port, 9080);
  EXPECT_EQ(r.route[0].weight, 80u);
  EXPECT_EQ(r.route[0].headers.request.set[0].first, "x-a");
  EXPECT_EQ(r.rewrite->uri_regex_rewrite->match.replaceAll("/api/x/y",
                                                           r.rewrite->uri_regex_rewrite->rewrite),
            "/x/y");
  EXPECT_EQ(*r.timeout, std::chrono::seconds(5));
  EXPECT_EQ(r.retries->attempts, 3u);
  EXPECT_EQ(r.retries->retry_on, (std::vector<std::string>{"5xx", "reset"}));
  EXPECT_EQ(r.retries->retriable_status_codes, std::vector<uint32_t>{503});
  EXPECT_DOUBLE_EQ(r.fault->delay->percentage.value, 1.5);
  EXPECT_EQ(r.fault->abort->http_status, 503u);
  ASSERT_EQ(r.mirrors.size(), 1u);
  EXPECT_DOUBLE_EQ(r.mirrors[0].percentage.value, 10);
  EXPECT_TRUE(r.cors_policy->allow_origins[1].matches("https://x.b.example"));
  EXPECT_EQ(*r.cors_policy->max_age, std::chrono::hours(24));
  EXPECT_EQ(r.headers.request.remove, std::vector<std::string>{"x-drop"});
  const HttpRoute& moved = c->virtual_services[0].http[1];
  EXPECT_EQ(moved.redirect->redirect_code, 308u);
  EXPECT_EQ(moved.redirect->derive_port, HttpRedirect::DerivePort::FromRequestPort);
  EXPECT_EQ(*c->virtual_services[0].http[2].direct_response->body, "hello");
}

TEST(VirtualService, Errors) {
  const std::string head = std::string(kSe) + std::string(kDr) +
                           "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: "
                           "{name: vs}\nspec:\n  hosts: [reviews]\n  http:\n";
  // line 26 is the first line after head
  EXPECT_DIAG(head +
                  "  - route: [{destination: {host: reviews}, weight: 60}, {destination: {host: "
                  "reviews}, weight: 30}]\n",
              "t.yaml:27:13: http[0]: destination weights must sum to 100 (they sum to 90)");
  EXPECT_DIAG(head + "  - route: [{destination: {host: reviews}, weight: 30}]\n",
              "t.yaml:27:13: http[0].route[0]: a single destination receives all traffic; weight "
              "must be omitted or 100 (got 30)");
  EXPECT_DIAG(head + "  - route: [{destination: {host: ratings}}]\n",
              "t.yaml:27:27: http[0].route[0]: host \"ratings\" is not defined by any ServiceEntry "
              "or Workload");
  EXPECT_DIAG(head + "  - route: [{destination: {host: reviews, subset: v9}}]\n",
              "t.yaml:27:27: http[0].route[0]: subset \"v9\" is not defined in DestinationRule "
              "\"default/reviews\" (subsets: v1, v2)");
  EXPECT_DIAG(head + "  - route: [{destination: {host: reviews, port: {number: 81}}}]\n",
              "t.yaml:27:27: http[0].route[0]: port 81 is not a port of ServiceEntry "
              "\"default/reviews\" (ports: 9080)");
  EXPECT_DIAG(
      head + "  - match: [{uri: {regex: \"(?<name>x)\"}}]\n    directResponse: {status: 200}\n",
      "t.yaml:27:20: uri: invalid RE2 regex \"(?<name>x)\": invalid perl operator: (?<");
  EXPECT_DIAG(
      head + "  - match: [{uri: {prefix: /a, exact: /b}}]\n    directResponse: {status: 200}\n",
      "t.yaml:27:20: StringMatch: only one of exact, prefix, regex may be set (\"exact\" and "
      "\"prefix\" are both set)");
  EXPECT_DIAG(head + "  - directResponse: {status: 200}\n    redirect: {uri: /x}\n",
              "t.yaml:27:5: http[0]: only one of route, redirect or directResponse may be set");
  EXPECT_DIAG(head + "  - name: x\n",
              "t.yaml:27:5: http[0]: one of route, redirect or directResponse is required");
  EXPECT_DIAG(head + "  - redirect: {uri: /x, redirectCode: 200}\n",
              "t.yaml:27:25: redirect.redirectCode: 200 is not a redirect code (use 301, 302, 303, "
              "307 or 308)");
  EXPECT_DIAG(head + "  - delegate: {name: x}\n",
              "t.yaml:27:5: HTTPRoute.delegate is not supported by meshgate yet (VirtualService "
              "delegation)");
  EXPECT_DIAG(
      head +
          "  - directResponse: {status: 200}\n    retries: {attempts: 1, retryOn: \"5xx,bogus\"}\n",
      "t.yaml:28:28: retryOn: unknown retry policy \"bogus\"");
  EXPECT_DIAG(head + "  - directResponse: {status: 200}\n    fault: {abort: {httpStatus: 700}}\n",
              "t.yaml:28:33: httpStatus: 700 is out of range [200, 599]");
  EXPECT_DIAG(head +
                  "  - directResponse: {status: 200}\n    fault: {delay: {fixedDelay: 1s, "
                  "percentage: {value: 120}}}\n",
              "t.yaml:28:57: value: 120 is out of range [0, 100]");
  EXPECT_DIAG(head + "  - directResponse: {status: 200}\n  tcp: []\n",
              "t.yaml:28:3: VirtualService.spec.tcp is not supported by meshgate yet (meshgate "
              "routes HTTP only)");
  EXPECT_DIAG(
      head + "  - match: [{queryParams: {a: {prefix: x}}}]\n    directResponse: {status: 200}\n",
      "t.yaml:27:31: queryParams.a: queryParams match only exact and regex (as Istio)");
  EXPECT_DIAG(
      head + "  - route: [{destination: {host: reviews}}]\n    mirrorPercentage: {value: 5}\n",
      "t.yaml:28:5: mirrorPercentage requires mirror");
}

TEST(VirtualService, HostConflictsAndGateways) {
  const std::string vs = R"y(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: NAME}
spec:
  hosts: [reviews]
  gateways: [GW]
  http: [{route: [{destination: {host: reviews}}]}]
---
)y";
  auto make = [&](const std::string& name, const std::string& gw) {
    std::string s = vs;
    s.replace(s.find("NAME"), 4, name);
    s.replace(s.find("GW"), 2, gw);
    return s;
  };
  EXPECT_DIAG(std::string(kSe) + make("a", "mesh") + make("b", "mesh"),
              "t.yaml:24:12: host \"reviews\" is already routed by VirtualService \"default/a\" at "
              "t.yaml:14:1");
  EXPECT_DIAG(std::string(kSe) + make("a", "edge"),
              "t.yaml:16:12: gateways: Gateway \"edge\" is not defined");
}

TEST(Gateway, ServersBecomeListeners) {
  auto c = load(std::string(kSe) + R"y(apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["default/reviews.example", "*"]
    bind: 127.0.0.1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge}
spec:
  hosts: [reviews.example]
  gateways: [edge, mesh]
  http: [{route: [{destination: {host: reviews}}]}]
)y");
  EXPECT_EQ(c->gateways[0].servers[0].port, 8080);
  EXPECT_TRUE(c->virtual_services[0].appliesToGateway("default", "edge"));
  EXPECT_TRUE(c->virtual_services[0].appliesToMesh());
  EXPECT_DIAG(
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n "
      " - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [\"*\"]\n    tls: {mode: "
      "SIMPLE}\n",
      "t.yaml:6:38: protocol HTTPS is not supported by meshgate yet (meshgate speaks HTTP/1.1; use "
      "protocol HTTP)");
  EXPECT_DIAG(
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n "
      " - port: {number: 443, name: https, protocol: HTTP}\n    hosts: [\"*\"]\n    tls: {mode: "
      "SIMPLE}\n",
      "t.yaml:8:5: Server.tls is not supported by meshgate yet (HTTPS/TLS servers come later)");
}

// ------------------------------------------------------------- security kinds

TEST(RequestAuthentication, JwtRules) {
  auto c = load(R"y(apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: web}
spec: {port: 0, hosts: [a.example]}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt}
spec:
  targetRef: {group: meshgate.io, kind: Listener, name: web}
  jwtRules:
  - issuer: https://issuer.example
    audiences: [api]
    jwksUri: https://issuer.example/jwks.json
    fromHeaders: [{name: X-Token, prefix: "Bearer "}]
    fromParams: [token]
    fromCookies: [session]
    outputPayloadToHeader: x-jwt-payload
    forwardOriginalToken: true
    outputClaimToHeaders: [{header: x-sub, claim: sub}]
    timeout: 3s
  - issuer: local
    jwks: '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'
)y");
  const RequestAuthentication& ra = c->request_authentications[0];
  ASSERT_EQ(ra.jwt_rules.size(), 2u);
  EXPECT_EQ(ra.target.target_refs[0].name, "web");
  EXPECT_EQ(ra.jwt_rules[0].from_headers[0].name, "x-token");
  EXPECT_EQ(ra.jwt_rules[0].from_headers[0].prefix, "Bearer ");
  EXPECT_EQ(ra.jwt_rules[0].timeout, std::chrono::seconds(3));
  EXPECT_EQ(ra.jwt_rules[1].timeout, std::chrono::seconds(5));
  const std::string head =
      "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: r}\nspec:\n "
      " jwtRules:\n";
  EXPECT_DIAG(head + "  - issuer: a\n",
              "t.yaml:6:5: jwtRules[0]: jwksUri or jwks is required (OpenID Connect discovery from "
              "the issuer is not supported by meshgate yet)");
  EXPECT_DIAG(head + "  - {issuer: a, jwksUri: ftp://x}\n",
              "t.yaml:6:17: jwksUri: \"ftp://x\" is not an http:// or https:// URL with a host");
  EXPECT_DIAG(head + "  - {issuer: a, jwks: \"{\\\"nokeys\\\": 1}\"}\n",
              "t.yaml:6:17: jwks: expected a JSON Web Key Set ({\"keys\": [...]})");
  EXPECT_DIAG(
      "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: r}\nspec:\n "
      " targetRef: {kind: Listener, name: nope}\n",
      "t.yaml:5:14: targetRef: Listener \"default/nope\" is not defined");
}

TEST(AuthorizationPolicy, RulesAndValidation) {
  auto c = load(R"y(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin}
spec:
  selector: {matchLabels: {app: web}}
  action: DENY
  rules:
  - from:
    - source: {ipBlocks: [10.0.0.0/8], notRemoteIpBlocks: [192.0.2.1], requestPrincipals: ["https://issuer/*"], namespaces: [prod]}
    to:
    - operation: {methods: [POST], paths: ["/admin/*", "*.php", /exact], ports: ["8080", 9090], hosts: ["*.example.com"]}
    when:
    - {key: "request.headers[X-Env]", values: [prod]}
    - {key: "request.auth.claims[groups][admin]", notValues: ["false"]}
    - {key: remote.ip, values: [203.0.113.0/24]}
    - {key: destination.port, values: ["443"]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all}
spec: {}
)y");
  const AuthorizationPolicy& ap = c->authorization_policies[0];
  EXPECT_EQ(ap.meta.name, "deny-admin");
  EXPECT_EQ(ap.action, AuthorizationPolicy::Action::Deny);
  const Rule& r = ap.rules[0];
  EXPECT_TRUE(r.from[0].ip_blocks[0].contains(*IpAddress::parse("10.1.2.3")));
  EXPECT_EQ(r.to[0].ports, (std::vector<uint16_t>{8080, 9090}));
  EXPECT_EQ(r.when[0].kind, Condition::Key::RequestHeader);
  EXPECT_EQ(r.when[0].key_args, std::vector<std::string>{"x-env"});
  EXPECT_EQ(r.when[1].key_args, (std::vector<std::string>{"groups", "admin"}));
  EXPECT_TRUE(authzPatternMatches("/admin/*", "/admin/x"));
  EXPECT_TRUE(authzPatternMatches("*.php", "/a.php"));
  EXPECT_FALSE(authzPatternMatches("/exact", "/exact/"));
  // An empty spec is valid: an ALLOW policy without rules denies everything.
  EXPECT_EQ(c->authorization_policies[1].action, AuthorizationPolicy::Action::Allow);
  EXPECT_TRUE(c->authorization_policies[1].rules.empty());

  const std::string head =
      "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec:\n";
  EXPECT_DIAG(head + "  action: CUSTOM\n",
              "t.yaml:5:3: action CUSTOM requires provider.name (a meshgate.io/v1 PolicyProvider)");
  EXPECT_DIAG(head + "  action: CUSTOM\n  provider: {name: opa}\n",
              "t.yaml:6:13: provider \"opa\" is not defined (define a meshgate.io/v1 "
              "PolicyProvider with this name)");
  EXPECT_DIAG(head + "  provider: {name: opa}\n",
              "t.yaml:5:3: provider may only be set with action CUSTOM");
  EXPECT_DIAG(
      head + "  action: ALOW\n",
      "t.yaml:5:11: action: unknown value \"ALOW\" (expected one of ALLOW, DENY, AUDIT, CUSTOM)");
  EXPECT_DIAG(
      head + "  rules: [{to: [{operation: {paths: [\"/a*b\"]}}]}]\n",
      "t.yaml:5:30: paths: \"/a*b\": '*' is only allowed alone, as a prefix or as a suffix");
  EXPECT_DIAG(head + "  rules: [{to: [{operation: {paths: [\"/a/{*}\"]}}]}]\n",
              "t.yaml:5:30: paths: path templates (\"/a/{*}\") are not supported by meshgate yet");
  EXPECT_DIAG(head + "  rules: [{when: [{key: source.ipx, values: [a]}]}]\n",
              "t.yaml:5:20: when[0]: invalid key \"source.ipx\": unknown attribute");
  EXPECT_DIAG(head + "  rules: [{when: [{key: source.ip, values: [1.2.3.400]}]}]\n",
              "t.yaml:5:36: values: \"1.2.3.400\" is not an IP address or CIDR");
  EXPECT_DIAG(head + "  rules: [{when: [{key: \"request.headers[]\", values: [a]}]}]\n",
              "t.yaml:5:20: when[0]: invalid key \"request.headers[]\": empty name in brackets");
  EXPECT_DIAG(head + "  rules: [{when: [{key: source.ip}]}]\n",
              "t.yaml:5:19: when[0]: values or notValues is required");
  EXPECT_DIAG(head + "  rules: [{from: [{source: {}}]}]\n",
              "t.yaml:5:28: from[0].source: must not be empty");
  EXPECT_DIAG(head + "  rules: [{to: [{operation: {ports: [\"http\"]}}]}]\n",
              "t.yaml:5:38: ports[0]: invalid port \"http\" (expected 1-65535)");
}

TEST(PeerAuthentication, StrictIsRejected) {
  auto c = load(
      "apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: "
      "p}\nspec:\n  selector: {matchLabels: {app: a}}\n  mtls: {mode: PERMISSIVE}\n  "
      "portLevelMtls: {8080: {mode: DISABLE}}\n");
  EXPECT_EQ(c->peer_authentications[0].mode, PeerAuthentication::Mode::Permissive);
  EXPECT_EQ(c->peer_authentications[0].port_level_mtls.at(8080), PeerAuthentication::Mode::Disable);
  EXPECT_DIAG(
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec:\n  "
      "mtls: {mode: STRICT}\n",
      "t.yaml:5:10: mtls.mode STRICT is not supported by meshgate yet (meshgate has no mTLS; it "
      "would have to refuse every request); use PERMISSIVE or DISABLE");
  EXPECT_DIAG(
      "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec:\n  "
      "portLevelMtls: {8080: {mode: DISABLE}}\n",
      "t.yaml:5:3: portLevelMtls requires a selector (as Istio)");
}

// ------------------------------------------------------------- meshgate kinds

TEST(Listener, AllFields) {
  auto c = load(R"y(apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: web, namespace: prod}
spec:
  address: "::1"
  port: 0
  hosts: ["*"]
  workload: {namespace: shop, labels: {app: web}}
  limits: {maxRequestHeadersBytes: 32768, maxRequestHeaders: 50, maxUriLength: 4096, maxRequestBodyBytes: 1048576}
  timeouts: {idle: 30s, requestHeaders: 5s, streamIdle: 1m}
  pathNormalization: {normalization: MERGE_SLASHES, escapedSlashes: REJECT_REQUEST, stripMatrixParameters: true}
  accessLog: {path: /var/log/meshgate/access.log, format: json}
  drainTimeout: 20s
  xff: {useRemoteAddress: false, trustedHops: 1}
)y");
  const Listener& l = c->listeners[0];
  EXPECT_EQ(l.ip.family, IpAddress::Family::V6);
  EXPECT_EQ(l.port, 0);
  EXPECT_EQ(l.effectiveWorkloadNamespace(), "shop");
  EXPECT_EQ(l.limits.max_request_headers_count, 50u);
  EXPECT_EQ(l.limits.max_request_body_bytes, 1048576u);
  EXPECT_EQ(l.timeouts.stream_idle, std::chrono::minutes(1));
  EXPECT_TRUE(l.path_normalization.merge_slashes);
  EXPECT_TRUE(l.path_normalization.normalize);
  EXPECT_EQ(l.path_normalization.escaped_slashes, PathNormalization::EscapedSlashes::RejectRequest);
  EXPECT_EQ(l.access_log.target, AccessLog::Target::File);
  EXPECT_EQ(l.drain_timeout, std::chrono::seconds(20));
  EXPECT_EQ(l.xff.trusted_hops, 1u);
  // A listener host no VirtualService routes is a warning, not an error.
  LoadResult r = loadText(
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: l}\nspec: {port: 8080, hosts: "
      "[a.example]}\n",
      "t.yaml");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.diagnostics.toString(),
            "t.yaml:3:12: warning: Listener \"default/l\" serves host \"a.example\" but no "
            "VirtualService routes it (requests will get 404)\n");
}

TEST(Listener, PortConflicts) {
  EXPECT_DIAG(
      "apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: a}\nspec: {port: "
      "8080}\n---\napiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: l}\nspec: {port: "
      "8080}\n",
      "t.yaml:3:12: Admin default/a listens on 127.0.0.1:8080, which Listener default/l already "
      "uses (t.yaml:8:12)");
}

TEST(RateLimitPolicy, TargetsDescriptorsLimits) {
  auto c = load(std::string(kSe) + R"y(apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http: [{name: api, route: [{destination: {host: reviews}}]}]
---
apiVersion: meshgate.io/v1
kind: RateLimitPolicy
metadata: {name: rl}
spec:
  targets:
  - {virtualService: reviews, route: api}
  - {hosts: ["*.example.com"], path: {prefix: /v1}}
  descriptors:
  - header: X-Api-Key
  - clientIp: true
  - jwtClaim: sub
  - path: true
  - genericKey: tenant
  limit: {requestsPerUnit: 100, unit: MINUTE, burst: 20}
  responseHeaders: false
  shadowMode: true
)y");
  const RateLimitPolicy& rl = c->rate_limit_policies[0];
  EXPECT_EQ(rl.targets.size(), 2u);
  EXPECT_EQ(rl.descriptors.size(), 5u);
  EXPECT_EQ(rl.descriptors[0].value, "x-api-key");
  EXPECT_EQ(rl.descriptors[1].kind, RateLimitDescriptor::Kind::ClientIp);
  EXPECT_EQ(rl.limit.unitDuration(), std::chrono::minutes(1));
  EXPECT_EQ(rl.limit.burst, 20u);
  EXPECT_TRUE(rl.shadow_mode);
  EXPECT_FALSE(rl.response_headers);
  const std::string head =
      "apiVersion: meshgate.io/v1\nkind: RateLimitPolicy\nmetadata: {name: rl}\nspec:\n  limit: "
      "{requestsPerUnit: 1}\n";
  EXPECT_DIAG(head + "  targets: [{virtualService: nope}]\n",
              "t.yaml:6:13: targets: VirtualService \"nope\" is not defined");
  EXPECT_DIAG(head + "  targets: [{hosts: [\"*\"]}]\n  descriptors: [{header: a, path: true}]\n",
              "t.yaml:7:29: RateLimitDescriptor: only one of header, clientIp, jwtClaim, path, "
              "genericKey may be set (\"header\" and \"path\" are both set)");
  EXPECT_DIAG(head + "  targets: [{route: x}]\n",
              "t.yaml:6:13: targets[0]: virtualService or hosts/path is required");
}

TEST(HealthCheck, FieldsAndReferences) {
  auto c = load(std::string(kSe) + std::string(kDr) + R"y(apiVersion: meshgate.io/v1
kind: HealthCheck
metadata: {name: hc}
spec:
  host: reviews
  subset: v1
  path: /healthz
  interval: 2s
  timeout: 500ms
  healthyThreshold: 2
  unhealthyThreshold: 5
  expectedStatuses: [200, "300-399"]
)y");
  const HealthCheck& hc = c->health_checks[0];
  EXPECT_EQ(hc.interval, std::chrono::seconds(2));
  ASSERT_EQ(hc.expected_statuses.size(), 2u);
  EXPECT_EQ(hc.expected_statuses[1].start, 300u);
  EXPECT_EQ(hc.expected_statuses[1].end, 399u);
  const std::string head =
      std::string(kSe) +
      "apiVersion: meshgate.io/v1\nkind: HealthCheck\nmetadata: {name: hc}\nspec:\n";
  EXPECT_DIAG(head + "  host: nothere\n",
              "t.yaml:18:3: host \"nothere\" is not defined by any ServiceEntry or Workload");
  EXPECT_DIAG(
      head + "  host: reviews\n  subset: v1\n",
      "t.yaml:18:3: subset \"v1\" is not defined in any DestinationRule for host \"reviews\"");
  EXPECT_DIAG(head + "  host: reviews\n  interval: 1s\n  timeout: 2s\n",
              "t.yaml:20:3: timeout: must not be longer than interval");
}

TEST(PolicyProvider, Fields) {
  auto c = load(R"y(apiVersion: meshgate.io/v1
kind: PolicyProvider
metadata: {name: opa}
spec:
  bundlePath: /etc/policies
  decisionPath: data/envoy/authz/allow
  includeRequestBody: {maxBytes: 4096, allowPartial: false}
  failOpen: true
  decisionLog: {path: stdout, includeInput: false, redact: [attributes.request.http.headers.authorization]}
  v0Compatible: true
  limits: {maxSteps: 5000, maxDepth: 64, maxMemoryBytes: 1048576, timeout: 20ms}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext}
spec: {action: CUSTOM, provider: {name: opa}, rules: [{}]}
)y");
  const PolicyProvider& p = c->policy_providers[0];
  EXPECT_EQ(p.decision_path, "envoy/authz/allow");
  EXPECT_EQ(p.include_request_body->max_bytes, 4096u);
  EXPECT_FALSE(p.include_request_body->allow_partial);
  EXPECT_TRUE(p.fail_open);
  EXPECT_EQ(p.decision_log.target, AccessLog::Target::Stdout);
  EXPECT_EQ(p.decision_log.redact.size(), 1u);
  EXPECT_TRUE(p.v0_compatible);
  EXPECT_EQ(p.limits.max_steps, 5000u);
  EXPECT_EQ(p.limits.max_depth, 64u);
  EXPECT_EQ(p.limits.max_memory_bytes, 1048576u);
  EXPECT_EQ(p.limits.timeout, std::chrono::milliseconds(20));
  EXPECT_EQ(c->authorization_policies[0].rules.size(), 1u);
  EXPECT_DIAG(
      "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: p}\nspec: {bundlePath: "
      "b, decisionPath: \"envoy//allow\"}\n",
      "t.yaml:4:23: decisionPath: \"envoy//allow\" is not a rule path such as envoy/authz/allow");
  const std::string head =
      "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: p}\nspec:\n"
      "  bundlePath: b\n  decisionPath: envoy/authz/allow\n";
  EXPECT_DIAG(head + "  limits: {maxSteps: 0}\n",
              "t.yaml:7:22: maxSteps: 0 is out of range [1, 1099511627776]");
  EXPECT_DIAG(head + "  limits: {timeout: 0s}\n",
              "t.yaml:7:21: timeout: duration \"0s\" must be at least 1ms");
  EXPECT_DIAG(head + "  limits: {steps: 10}\n",
              "t.yaml:7:12: unknown field \"steps\" in EvaluationLimits");
}

TEST(Workload, FieldsAndReferences) {
  auto c = load(R"y(apiVersion: meshgate.io/v1
kind: Workload
metadata: {name: api}
spec:
  command: [/usr/bin/python3, -u]
  args: [-m, http.server, "9000"]
  env: [{name: MODE, value: prod}]
  workingDir: /srv
  labels: {app: api}
  sandboxProfile: api-profile
  port: 9000
  restartPolicy: OnFailure
  backoff: {initial: 500ms, max: 10s}
  readinessProbe: {httpGet: {path: /ready}, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 4, initialDelaySeconds: 1}
  terminationGracePeriodSeconds: 5
---
apiVersion: meshgate.io/v1
kind: SandboxProfile
metadata: {name: api-profile}
spec: {network: loopback}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api}
spec:
  hosts: [api.internal]
  ports: [{number: 9000, name: http}]
  resolution: STATIC
  workloadSelector: {labels: {app: api}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.internal]
  http: [{route: [{destination: {host: api}}]}]
)y");
  const Workload& w = c->workloads[0];
  EXPECT_EQ(w.command, "/usr/bin/python3");
  EXPECT_EQ(w.args, (std::vector<std::string>{"-u", "-m", "http.server", "9000"}));
  EXPECT_EQ(w.restart_policy, Workload::RestartPolicy::OnFailure);
  EXPECT_EQ(w.backoff_initial, std::chrono::milliseconds(500));
  EXPECT_EQ(w.readiness_probe->kind, Probe::Kind::HttpGet);
  EXPECT_EQ(w.readiness_probe->failure_threshold, 4u);
  EXPECT_EQ(w.termination_grace_period, std::chrono::seconds(5));
  ASSERT_EQ(c->selectedWorkloads(c->service_entries[0]).size(), 1u);
  // A route may name the Workload directly (short name rules apply).
  EXPECT_EQ(c->findWorkloadByHost("api.default.svc.cluster.local", "other"), &w);
  EXPECT_DIAG(
      "apiVersion: meshgate.io/v1\nkind: Workload\nmetadata: {name: w}\nspec: {command: /bin/true, "
      "sandboxProfile: nope}\n",
      "t.yaml:4:28: sandboxProfile \"nope\" is neither a SandboxProfile in namespace default nor a "
      "built-in profile (strict, http-service, shell)");
  EXPECT_DIAG(
      "apiVersion: meshgate.io/v1\nkind: Workload\nmetadata: {name: w}\nspec: {command: /bin/true, "
      "sandboxProfile: strict, restartPolicy: always}\n",
      "t.yaml:4:67: restartPolicy: unknown value \"always\" (expected one of Always, OnFailure, "
      "Never)");
}

TEST(ExternalKinds, ValidatorIssuesGetFilePositions) {
  registerExternalKind(
      "meshgate.io/v1", "TestProfile", [](const YAML::Node& spec, const ObjectMeta& meta) {
        std::vector<ExternalIssue> issues;
        if (spec["syscalls"] && !spec["syscalls"].IsSequence()) {
          issues.push_back(externalIssueAt(spec["syscalls"],
                                           "syscalls: expected a list (in " + meta.name + ")"));
        }
        return issues;
      });
  EXPECT_TRUE(isExternalKind("meshgate.io/v1", "TestProfile"));
  auto d = diags(
      "# comment\n---\napiVersion: meshgate.io/v1\nkind: TestProfile\nmetadata: {name: p}\nspec:\n "
      " syscalls: read\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], "t.yaml:7:13: syscalls: expected a list (in p)");
}

}  // namespace
}  // namespace meshgate::config
