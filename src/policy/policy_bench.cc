// SPDX-License-Identifier: Apache-2.0
// End-to-end decision latency through the proxy's Rego authorizer: for each
// request, OPA-Envoy's input is built from the request head, the decision path
// is evaluated by the per-thread evaluator and the result is read as OPA-Envoy
// does (what AuthorizationPolicy CUSTOM pays per request). The issue's three
// cases: RBAC over JWT claims (~20 rules), an OPA-Envoy path/method allowlist,
// and a 1,000-rule allowlist with indexable equality. p50/p99 in nanoseconds.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "policy/rego_authorizer.h"
#include "rego/builtins/encoding_util.h"
#include "testing/bench_latency.h"
#include "testing/fake_filter_context.h"
#include "testing/temp_dir.h"

namespace meshgate::policy {
namespace {

using filters::authz::CustomDecision;

struct Request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One decision, never inlined: `valgrind --tool=callgrind
// --toggle-collect='*decideOnce*'` counts exactly the timed work.
[[gnu::noinline]] CustomDecision decideOnce(const filters::authz::CustomAuthorizer& authorizer,
                                            const filters::authz::CustomCheck& check) {
  return authorizer.check(check);
}

// `prepare`, when set, adjusts the request before each decision (untimed).
using Prepare = std::function<void(testing::FakeFilterContext&, size_t iteration)>;

void run(benchmark::State& state, const std::string& rego, const std::string& data_json,
         const std::string& decision_path, const std::vector<Request>& requests,
         const Prepare& prepare = {}) {
  testing::TempDir dir;
  dir.write("bundle/policy.rego", rego);
  if (!data_json.empty()) dir.write("bundle/data.json", data_json);
  config::PolicyProvider provider;
  provider.meta.name = "bench";
  provider.resolved_bundle_path = dir.file("bundle");
  provider.decision_path = decision_path;

  std::vector<std::unique_ptr<testing::FakeFilterContext>> contexts;
  for (const Request& r : requests) {
    auto ctx = std::make_unique<testing::FakeFilterContext>();
    ctx->head().setTarget(r.target);
    ctx->head().setMethod(r.method);
    for (const auto& [k, v] : r.headers)
      ctx->head().headers().add(k, v);
    contexts.push_back(std::move(ctx));
  }
  filter_api::SharedState shared;
  filter_api::BuildServices services;
  services.metrics = &contexts[0]->registry();
  services.shared = &shared;
  auto authorizer = makeRegoAuthorizer(provider, services);
  if (!authorizer.ok()) {
    state.SkipWithError(authorizer.error().message.c_str());
    return;
  }

  testing::LatencySamples samples;
  size_t i = 0;
  for (auto _ : state) {
    testing::FakeFilterContext& ctx = *contexts[i % contexts.size()];
    if (prepare) prepare(ctx, i);
    ++i;
    filters::authz::CustomCheck check{ctx, provider, {}, false, {}, false};
    samples.start();
    CustomDecision d = decideOnce(**authorizer, check);
    samples.stop();
    if (d.result != CustomDecision::Result::Allow) {
      state.SkipWithError(("unexpected decision: " + d.message).c_str());
      break;
    }
  }
  samples.report(state);
}

std::vector<std::pair<std::string, std::string>> browserHeaders() {
  return {
      {"host", "shop.example.com"},       {"user-agent", "Mozilla/5.0 (X11; Linux x86_64)"},
      {"accept", "application/json"},     {"accept-encoding", "gzip, deflate"},
      {"x-forwarded-for", "203.0.113.7"}, {"x-request-id", "6f1c2c9e-3c1a-4d8e-9a57-0f9b1b7c2d11"}};
}

// 1. RBAC over JWT claims and role bindings (about 20 rules).
constexpr const char* kRbac = R"(package rbac.authz

import rego.v1

default allow := false

claims := payload if {
	auth := input.attributes.request.http.headers.authorization
	startswith(auth, "Bearer ")
	[_, payload, _] := io.jwt.decode(substring(auth, 7, -1))
}

user := claims.sub

user_roles contains role if some role in claims.roles

user_roles contains role if some role in data.rbac.bindings[user]

permissions contains perm if {
	some role in user_roles
	some perm in data.rbac.grants[role]
}

action := {"GET": "read", "HEAD": "read", "POST": "write", "PUT": "write", "DELETE": "delete"}[input.attributes.request.http.method]

resource := input.parsed_path[2]

allow if {
	input.parsed_path[0] == "api"
	some perm in permissions
	perm.action == action
	perm.resource == resource
}

allow if {
	"admin" in user_roles
	not blocked
}

blocked if input.attributes.request.http.headers["x-blocked"] == "true"

expired if claims.exp < time.now_ns() / 1000000000

deny_reason := "no token" if not claims
deny_reason := "expired" if expired
deny_reason := "no permission" if { claims; not allow }
)";

// `jti` set makes each token distinct.
std::string makeToken(const std::string& jti = "") {
  std::string claims =
      R"({"sub":"alice","iss":"https://issuer","roles":["viewer"],"exp":4102444800)";
  if (!jti.empty()) claims += R"(,"jti":")" + jti + "\"";
  claims += "}";
  return rego::base64Encode(R"({"alg":"RS256","typ":"JWT"})", rego::B64::RawUrl) + "." +
         rego::base64Encode(claims, rego::B64::RawUrl) + ".c2lnbmF0dXJl";
}

void runRbac(benchmark::State& state, const std::vector<std::string>& tokens) {
  std::vector<Request> requests;
  for (const char* m : {"GET", "POST"}) {
    Request r{m, "/api/v1/orders/42", browserHeaders()};
    r.headers.emplace_back("authorization", "Bearer " + tokens[0]);
    requests.push_back(r);
  }
  // Two requests (GET and POST) whose token changes between decisions, rather
  // than one request per token: a fresh context per token would also measure
  // the first-use setup of its metrics.
  std::vector<std::string> bearers;
  for (const auto& t : tokens)
    bearers.push_back("Bearer " + t);
  Prepare prepare;
  if (bearers.size() > 1) {
    // The headers are written afresh, as a connection's map is for each request
    // (clear() reuses its arena). set() alone would leave every replaced token
    // in the arena, which then grew without bound over the run.
    prepare = [&bearers, &requests](testing::FakeFilterContext& ctx, size_t i) {
      http::HeaderMap& headers = ctx.head().headers();
      headers.clear();
      for (const auto& [name, value] : requests[i % requests.size()].headers) {
        if (name != "authorization") headers.add(name, value);
      }
      headers.add("authorization", bearers[i % bearers.size()]);
    };
  }
  run(state, kRbac, R"({"rbac": {
    "bindings": {"alice": ["editor"], "bob": ["admin"]},
    "grants": {
      "viewer": [{"action": "read", "resource": "orders"}, {"action": "read", "resource": "users"}],
      "editor": [{"action": "write", "resource": "orders"}, {"action": "delete", "resource": "orders"}],
      "admin": []
    }}})",
      "rbac/authz/allow", requests, prepare);
}

// One bearer token on every request (io.jwt.decode answered by the
// evaluator's memo after the first decision).
void BM_E2E_RbacJwt(benchmark::State& state) {
  runRbac(state, {makeToken()});
}
BENCHMARK(BM_E2E_RbacJwt);

// A different token on every request (1,024 in turn, far more than the memo
// holds): io.jwt.decode decodes each time.
void BM_E2E_RbacJwtFreshToken(benchmark::State& state) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 1024; ++i)
    tokens.push_back(makeToken("token-" + std::to_string(i)));
  runRbac(state, tokens);
}
BENCHMARK(BM_E2E_RbacJwtFreshToken);

// 2. The OPA-Envoy tutorial's allowlist over method and path.
constexpr const char* kEnvoy = R"(package envoy.authz

import rego.v1

default allow := false

allow if {
	some route in routes
	input.attributes.request.http.method in route.methods
	glob.match(route.path, ["/"], input.attributes.request.http.path)
}

allow if {
	input.parsed_path[0] == "health"
	input.attributes.request.http.method == "GET"
}

routes := [
	{"methods": {"GET"}, "path": "/api/v1/products/*"},
	{"methods": {"GET", "POST"}, "path": "/api/v1/cart"},
	{"methods": {"POST"}, "path": "/api/v1/orders"},
	{"methods": {"GET"}, "path": "/api/v1/orders/*"},
	{"methods": {"GET"}, "path": "/static/**"},
]
)";

void BM_E2E_EnvoyAllowlist(benchmark::State& state) {
  run(state, kEnvoy, "", "envoy/authz/allow",
      {{"GET", "/api/v1/orders/7", browserHeaders()},
       {"GET", "/static/a/b.css", browserHeaders()},
       {"GET", "/health", browserHeaders()}});
}
BENCHMARK(BM_E2E_EnvoyAllowlist);

// 3. 1,000 rules, each an equality test on the path and the method.
void BM_E2E_Allowlist1000(benchmark::State& state) {
  std::string module = "package allowlist\n\nimport rego.v1\n\ndefault allow := false\n\n";
  for (int i = 0; i < 1000; ++i) {
    module += "allow if {\n\tinput.attributes.request.http.path == \"/service/" +
              std::to_string(i) + "/resource\"\n\tinput.attributes.request.http.method == \"" +
              (i % 3 == 0 ? "POST" : "GET") + "\"\n}\n\n";
  }
  std::vector<Request> requests;
  for (int n : {0, 7, 500, 998}) {
    requests.push_back({n % 3 == 0 ? "POST" : "GET", "/service/" + std::to_string(n) + "/resource",
                        browserHeaders()});
  }
  run(state, module, "", "allowlist/allow", requests);
}
BENCHMARK(BM_E2E_Allowlist1000);

}  // namespace
}  // namespace meshgate::policy

BENCHMARK_MAIN();
