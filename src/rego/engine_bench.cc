// SPDX-License-Identifier: Apache-2.0
// Decision latency of the three reference policies: RBAC over JWT claims and
// roles, an OPA-Envoy style path/method allowlist, and a 1,000-rule allowlist
// with indexable equality conditions. Each iteration builds the request input
// as a Value (as the proxy does) and evaluates the decision on a shared plan;
// p50/p99 per evaluation are reported as counters (nanoseconds).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "rego/builtins/encoding_util.h"
#include "rego/engine.h"
#include "rego/value/json.h"
#include "testing/bench_latency.h"

namespace meshgate::rego {
namespace {

Value str(std::string_view s) {
  return Value::string(s);
}
Value obj(std::vector<ObjectEntry> e) {
  return Value::object(std::move(e));
}

std::shared_ptr<const Plan> compileOrDie(const std::string& module, Value data) {
  PolicySet set;
  if (!set.addModule("bench.rego", module).ok()) std::abort();
  if (!set.addData({}, std::move(data)).ok()) std::abort();
  auto plan = set.compile();
  if (!plan.ok()) {
    std::fprintf(stderr, "%s\n", describeErrors(plan.errors()).c_str());
    std::abort();
  }
  return plan.value();
}

template <typename MakeInput>
void runDecision(benchmark::State& state, const Plan& plan, const char* path, MakeInput makeInput,
                 bool expect) {
  auto dp = DecisionPath::parse(path);
  Evaluator ev;
  EvalOptions opts;
  testing::LatencySamples samples;
  uint64_t i = 0;
  for (auto _ : state) {
    samples.start();
    Value input = makeInput(i++);
    auto r = ev.evalPath(plan, dp->keys(), input, opts);
    samples.stop();
    if (!r.ok() || r->isTrue() != expect) {
      state.SkipWithError("unexpected decision");
      break;
    }
  }
  samples.report(state);
}

// 1. RBAC: the bearer token's claims decide the roles; roles grant actions.
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

resource := split(trim_prefix(input.attributes.request.http.path, "/api/"), "/")[0]

allow if {
	some perm in permissions
	perm.action == action
	perm.resource == resource
}

allow if {
	"admin" in user_roles
	not blocked
}

blocked if input.attributes.request.http.headers["x-blocked"] == "true"

deny_reason := "no token" if not claims
deny_reason := "no permission" if { claims; not allow }
)";

// A token with the bench's claims; `jti` set makes each one distinct.
std::string makeToken(const std::string& jti = "") {
  std::string header = base64Encode(R"({"alg":"RS256","typ":"JWT"})", B64::RawUrl);
  std::string claims =
      R"({"sub":"alice","iss":"https://issuer","roles":["viewer"],"exp":4102444800)";
  if (!jti.empty()) claims += R"(,"jti":")" + jti + "\"";
  claims += "}";
  std::string payload = base64Encode(claims, B64::RawUrl);
  return header + "." + payload + ".c2lnbmF0dXJl";
}

void runRbac(benchmark::State& state, const std::vector<std::string>& bearers) {
  auto data = parseJson(R"({"rbac": {
    "bindings": {"alice": ["editor"], "bob": ["admin"]},
    "grants": {
      "viewer": [{"action": "read", "resource": "orders"}, {"action": "read", "resource": "users"}],
      "editor": [{"action": "write", "resource": "orders"}, {"action": "delete", "resource": "orders"}],
      "admin": []
    }}})");
  auto plan = compileOrDie(kRbac, *data);
  runDecision(
      state, *plan, "rbac/authz/allow",
      [&](uint64_t i) {
        const std::string& bearer = bearers[i % bearers.size()];
        return obj(
            {{str("attributes"),
              obj({{str("request"),
                    obj({{str("http"), obj({{str("method"), str(i % 2 == 0 ? "GET" : "POST")},
                                            {str("path"), str("/api/orders/42")},
                                            {str("headers"),
                                             obj({{str("authorization"), str(bearer)},
                                                  {str("user-agent"), str("bench")}})}})}})}})}});
      },
      true);
}

// The same bearer token on every request: after the first decision,
// io.jwt.decode is answered by the evaluator's memo.
void BM_RbacJwt(benchmark::State& state) {
  runRbac(state, {"Bearer " + makeToken()});
}
BENCHMARK(BM_RbacJwt);

// A different token on every decision (1,024 distinct tokens in turn, far more
// than the evaluator's memo holds): io.jwt.decode decodes each time.
void BM_RbacJwtFreshToken(benchmark::State& state) {
  std::vector<std::string> bearers;
  for (int i = 0; i < 1024; ++i)
    bearers.push_back("Bearer " + makeToken("token-" + std::to_string(i)));
  runRbac(state, bearers);
}
BENCHMARK(BM_RbacJwtFreshToken);

// 2. OPA-Envoy style allowlist over method and path (parsed_path segments).
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

void BM_EnvoyAllowlist(benchmark::State& state) {
  auto plan = compileOrDie(kEnvoy, Value::emptyObject());
  runDecision(
      state, *plan, "envoy/authz/allow",
      [&](uint64_t i) {
        return obj(
            {{str("attributes"),
              obj({{str("request"),
                    obj({{str("http"), obj({{str("method"), str("GET")},
                                            {str("path"), str(i % 2 == 0 ? "/api/v1/orders/7"
                                                                         : "/static/a/b.css")},
                                            {str("host"), str("shop.example.com")}})}})}})},
             {str("parsed_path"), Value::array({str("api"), str("v1"), str("orders"), str("7")})}});
      },
      true);
}
BENCHMARK(BM_EnvoyAllowlist);

// 3. 1,000 rules, each an equality test on the path and the method.
void BM_Allowlist1000(benchmark::State& state) {
  std::string module = "package allowlist\n\nimport rego.v1\n\ndefault allow := false\n\n";
  for (int i = 0; i < 1000; ++i) {
    module += "allow if {\n\tinput.path == \"/service/" + std::to_string(i) +
              "/resource\"\n\tinput.method == \"" + (i % 3 == 0 ? "POST" : "GET") + "\"\n}\n\n";
  }
  auto plan = compileOrDie(module, Value::emptyObject());
  runDecision(
      state, *plan, "allowlist/allow",
      [&](uint64_t i) {
        int n = static_cast<int>((i * 7) % 1000);
        return obj({{str("path"), str("/service/" + std::to_string(n) + "/resource")},
                    {str("method"), str(n % 3 == 0 ? "POST" : "GET")}});
      },
      true);
}
BENCHMARK(BM_Allowlist1000);

}  // namespace
}  // namespace meshgate::rego

BENCHMARK_MAIN();
