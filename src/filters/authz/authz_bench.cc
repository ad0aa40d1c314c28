// SPDX-License-Identifier: Apache-2.0
// Per-request cost of the authz filter: a realistic policy set, a path that
// needs canonical readings, JWT claim rules, and large rule sets (1,000 paths
// in one rule; 1,000 rules over 100 policies; 1,000 CIDRs).
#include <benchmark/benchmark.h>

#include <string>

#include "filters/authz/test_harness.h"

namespace meshgate::filters::authz {
namespace {

// A FakeFilterContext whose access log does not grow across iterations.
class BenchContext final : public testing::FakeFilterContext {
 public:
  void addAccessLogField(std::string_view, std::string_view) override {}
};

std::string policyDoc(const std::string& name, const std::string& spec) {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name +
         "}\nspec:\n" + spec + "---\n";
}

const std::string& typicalPolicies() {
  static const std::string y = policyDoc("allow-api", R"(  rules:
  - to: [{operation: {methods: [GET, HEAD], paths: [/, /static/*, /api/*, /healthz]}}]
  - to: [{operation: {methods: [POST, PUT, DELETE], paths: [/api/*]}}]
    when: [{key: "request.headers[x-csrf-token]", values: ["*"]}]
)") + policyDoc("deny-admin", R"(  action: DENY
  rules:
  - to: [{operation: {paths: [/admin, /admin/*]}}]
    from: [{source: {notIpBlocks: [127.0.0.1/32, 10.0.0.0/8]}}]
)") + policyDoc("deny-net", R"(  action: DENY
  rules: [{from: [{source: {remoteIpBlocks: [192.0.2.0/24, 198.51.100.0/24]}}]}]
)") + policyDoc("audit-writes", R"(  action: AUDIT
  rules: [{to: [{operation: {methods: [POST, PUT, DELETE]}}]}]
)");
  return y;
}

struct Setup {
  Setup(const std::string& yaml, const std::string& path) : harness(yaml), path(path) {
    filter_api::BuildServices services;
    services.metrics = &ctx.registry();
    auto built = buildAuthzConfig(harness.site(), services);
    if (!built.ok() || *built == nullptr) std::abort();
    config = *built;
    ctx.head().setMethod("GET");
    (void)ctx.head().setTarget(path);
    ctx.head().headers().set("host", "api.example.com");
    ctx.head().headers().add("user-agent", "bench/1.0");
    ctx.head().headers().add("accept", "*/*");
    ctx.info().normalized_path = this->path;
  }
  test::Harness harness;
  std::string path;
  BenchContext ctx;
  std::shared_ptr<const AuthzConfig> config;
};

void runFilter(benchmark::State& state, Setup& s, filter_api::FilterStatus expected) {
  for (auto _ : state) {
    AuthzFilter f(*s.config);
    filter_api::FilterStatus st = f.onRequestHeaders(s.ctx, true);
    if (st != expected) state.SkipWithError("unexpected decision");
    benchmark::DoNotOptimize(st);
  }
}

void BM_TypicalAllowed(benchmark::State& state) {
  static Setup s(typicalPolicies(), "/api/v1/orders/42");
  runFilter(state, s, filter_api::FilterStatus::Continue);
}
BENCHMARK(BM_TypicalAllowed);

void BM_TypicalDeniedByDeny(benchmark::State& state) {
  static Setup s(typicalPolicies(), "/admin/users");
  runFilter(state, s, filter_api::FilterStatus::Respond);
}
BENCHMARK(BM_TypicalDeniedByDeny);

void BM_TypicalAmbiguousPath(benchmark::State& state) {
  // Three readings: as forwarded, dots first, slashes first.
  static Setup s(typicalPolicies(), "/api/v1//..//%61pi/a%2Fb;x");
  runFilter(state, s, filter_api::FilterStatus::Continue);
}
BENCHMARK(BM_TypicalAmbiguousPath);

void BM_JwtClaims(benchmark::State& state) {
  static Setup s(policyDoc("jwt", R"(  rules:
  - from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}]
    to: [{operation: {paths: [/api/*]}}]
    when:
    - {key: "request.auth.claims[groups]", values: [admins, ops]}
    - {key: request.auth.audiences, values: [api]}
)"),
                 "/api/x");
  static bool init = [] {
    s.ctx.setIdentity(test::jwtIdentity("https://issuer.example", "alice", {"api"}, "web",
                                        {{"groups", {"eng", "ops"}}}));
    return true;
  }();
  (void)init;
  runFilter(state, s, filter_api::FilterStatus::Continue);
}
BENCHMARK(BM_JwtClaims);

void BM_ThousandPathsInOneRule(benchmark::State& state) {
  static Setup s = [] {
    std::string paths;
    for (int i = 0; i < 1000; ++i) {
      if (!paths.empty()) paths += ", ";
      paths += (i % 2 ? "/svc/" : "/exact/") + std::to_string(i) + (i % 2 ? "/*" : "");
    }
    return Setup(policyDoc("allow", "  rules: [{to: [{operation: {paths: [" + paths + "]}}]}]\n"),
                 "/svc/999/items");
  }();
  runFilter(state, s, filter_api::FilterStatus::Continue);
}
BENCHMARK(BM_ThousandPathsInOneRule);

void BM_ThousandRulesInHundredPolicies(benchmark::State& state) {
  // Worst case for rule scanning: the only matching rule is the last one.
  static Setup s = [] {
    std::string yaml;
    for (int p = 0; p < 100; ++p) {
      std::string rules;
      for (int r = 0; r < 10; ++r) {
        rules += "  - to: [{operation: {methods: [GET], paths: [/p" + std::to_string(p) + "/r" +
                 std::to_string(r) + "]}}]\n";
      }
      yaml += policyDoc("allow-" + std::to_string(p), "  rules:\n" + rules);
    }
    return Setup(yaml, "/p99/r9");
  }();
  runFilter(state, s, filter_api::FilterStatus::Continue);
}
BENCHMARK(BM_ThousandRulesInHundredPolicies);

void BM_ThousandCidrs(benchmark::State& state) {
  static Setup s = [] {
    std::string cidrs;
    for (int i = 0; i < 1000; ++i) {
      if (!cidrs.empty()) cidrs += ", ";
      cidrs += "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".0/24";
    }
    return Setup(policyDoc("deny", "  action: DENY\n  rules: [{from: [{source: {ipBlocks: [" +
                                       cidrs + "]}}]}]\n"),
                 "/");
  }();
  static bool init = [] {
    s.ctx.setClientAddress("10.3.249.7");
    return true;
  }();
  (void)init;
  runFilter(state, s, filter_api::FilterStatus::Respond);
}
BENCHMARK(BM_ThousandCidrs);

}  // namespace
}  // namespace meshgate::filters::authz

BENCHMARK_MAIN();
