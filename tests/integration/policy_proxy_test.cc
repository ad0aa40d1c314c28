// SPDX-License-Identifier: Apache-2.0
// The Rego engine as the CUSTOM authorizer, through the real binary: an
// OPA-Envoy policy (path/method allowlist, JWT claims via io.jwt.decode,
// parsed_query, parsed_body) in a bundle written at test time; structured
// results (status, body, headers); fail closed vs failOpen; bundle changes on
// reload; a bad bundle keeping the old one serving; decision log and redaction.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/ports.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::httpRequest;
using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::waitUntil;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string base64Url(const std::string& in) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

/// An unsigned-looking JWT for io.jwt.decode (which does not verify).
std::string token(const std::string& payload_json) {
  return base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64Url(payload_json) + "." +
         base64Url("signature");
}

// The OPA-Envoy tutorial's shape: default deny, an allowlist over method and
// parsed_path, a role from the bearer token's claims, plus query and body rules.
const char* const kPolicy = R"(package envoy.authz

import rego.v1

default allow := false

claims := payload if {
	[_, encoded] := split(input.attributes.request.http.headers.authorization, " ")
	[_, payload, _] := io.jwt.decode(encoded)
}

allow if {
	input.attributes.request.http.method == "GET"
	input.parsed_path[0] == "public"
}

allow if {
	input.parsed_path == ["admin"]
	claims.role == "admin"
}

allow if {
	input.attributes.request.http.method == "GET"
	input.parsed_path == ["search"]
	input.parsed_query.q == ["rego"]
}

allow if {
	input.attributes.request.http.method == "POST"
	input.parsed_path == ["orders"]
	input.parsed_body.quantity <= data.limits.max_quantity
}

result := {
	"allowed": true,
	"headers": {"x-policy-checked": "yes"},
	"response_headers_to_add": [{"x-decision": "allow"}],
	"request_headers_to_remove": ["x-secret"],
} if allow

result := {
	"allowed": false,
	"http_status": 401,
	"body": "unauthorized by policy",
	"headers": {"www-authenticate": "Bearer realm=\"meshgate\""},
} if not allow

# Two values for one complete rule: an eval_conflict_error on /err/*.
conflict := 1 if input.parsed_path[0] == "err"
conflict := 2 if input.parsed_path[0] == "err"
conflict := true if input.parsed_path[0] != "err"
)";

const char* const kDenyPublicPolicy = R"(package envoy.authz

import rego.v1

result := {"allowed": false, "http_status": 403, "body": "revision two"}

conflict := true
)";

class PolicyProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bundle_ = dir_.path() + "/bundle";
    writeBundle(kPolicy, "rev-1");
    decision_log_ = dir_.file("decisions.log");
    up_ = std::make_unique<TestUpstream>();
    const std::string yaml =
        baseConfig("", "off") + serviceEntry("up", "up.local", up_->port()) +
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: all}\n"
        "spec:\n  hosts: [\"*\"]\n  http:\n  - name: r\n    route: [{destination: {host: "
        "up.local}}]\n---\n"
        "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: opa}\nspec:\n"
        "  bundlePath: " +
        bundle_ +
        "\n  decisionPath: envoy/authz/result\n"
        "  includeRequestBody: {maxBytes: 4096}\n"
        "  decisionLog:\n    path: " +
        decision_log_ +
        "\n    redact: [attributes.request.http.headers.authorization]\n---\n"
        "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: strict}\nspec:\n"
        "  bundlePath: " +
        bundle_ +
        "\n  decisionPath: envoy/authz/conflict\n---\n"
        "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: lenient}\nspec:\n"
        "  bundlePath: " +
        bundle_ + "\n  decisionPath: envoy/authz/conflict\n  failOpen: true\n---\n" +
        custom("opa", "[/public/*, /admin, /search, /orders]") + custom("strict", "[/err/closed]") +
        custom("lenient", "[/err/open]");
    mg_ = std::make_unique<MeshgateProcess>(MG_BINARY, yaml);
    port_ = mg_->listenerPort("default/main");
    ASSERT_NE(port_, 0) << mg_->process().stderrText();
  }

  static std::string custom(const std::string& provider, const std::string& paths) {
    return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ext-" +
           provider + "}\nspec:\n  action: CUSTOM\n  provider: {name: " + provider +
           "}\n  rules: [{to: [{operation: {paths: " + paths + "}}]}]\n---\n";
  }

  void writeBundle(const std::string& rego, const std::string& revision) {
    std::filesystem::create_directories(bundle_ + "/limits");
    std::ofstream(bundle_ + "/policy.rego") << rego;
    std::ofstream(bundle_ + "/limits/data.json") << R"({"max_quantity": 10})";
    std::ofstream(bundle_ + "/.manifest") << R"({"revision": ")" + revision + R"("})";
  }

  void reload() { mg_->process().signal(SIGHUP); }

  int status(const std::string& method, const std::string& target,
             const std::vector<std::string>& headers = {}, const std::string& body = "") {
    auto r = httpRequest(port_, method, target, headers, body);
    return r ? r->status : -1;
  }

  double decisions(const std::string& provider, const std::string& result) {
    return mg_->metric("meshgate_policy_decisions_total{provider=\"" + provider + "\",result=\"" +
                       result + "\"}");
  }

  testing::TempDir dir_;
  std::string bundle_;
  std::string decision_log_;
  std::unique_ptr<TestUpstream> up_;
  std::unique_ptr<MeshgateProcess> mg_;
  uint16_t port_ = 0;
};

TEST_F(PolicyProxyTest, AllowlistByPathAndMethodWithHeaders) {
  auto ok = httpRequest(port_, "GET", "/public/page", {"X-Secret: s3cret"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->header("x-decision"), "allow") << "response_headers_to_add on allow";
  ASSERT_EQ(up_->requestCount(), 1u);
  const testing::ReceivedRequest seen = up_->lastRequest();
  EXPECT_EQ(seen.header("x-policy-checked"), "yes") << "headers are set upstream on allow";
  EXPECT_EQ(seen.headerCount("x-secret"), 0u) << "request_headers_to_remove";

  auto denied = httpRequest(port_, "POST", "/public/page", {}, "x");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401) << "http_status of the denial";
  EXPECT_EQ(denied->body, "unauthorized by policy");
  EXPECT_EQ(denied->header("www-authenticate"), "Bearer realm=\"meshgate\"");
  EXPECT_EQ(up_->requestCount(), 1u) << "a denied request never reaches the upstream";

  EXPECT_EQ(status("GET", "/elsewhere"), 200) << "paths no CUSTOM rule selects are not asked";
  EXPECT_TRUE(waitUntil([&] {
    return decisions("opa", "allow") == 1 && decisions("opa", "deny") == 1;
  })) << mg_->admin("/metrics")->body;
  const std::string metrics = mg_->admin("/metrics")->body;
  EXPECT_NE(metrics.find("meshgate_policy_eval_duration_seconds_count{provider=\"opa\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("meshgate_policy_bundle_info{provider=\"opa\",revision=\"rev-1\"} 1"),
            std::string::npos)
      << metrics;
}

TEST_F(PolicyProxyTest, JwtClaimDecides) {
  EXPECT_EQ(status("GET", "/admin"), 401);
  EXPECT_EQ(status("GET", "/admin",
                   {"Authorization: Bearer " + token(R"({"sub":"alice","role":"admin"})")}),
            200);
  EXPECT_EQ(status("GET", "/admin",
                   {"Authorization: Bearer " + token(R"({"sub":"bob","role":"viewer"})")}),
            401);
}

TEST_F(PolicyProxyTest, ParsedQueryAndParsedBody) {
  EXPECT_EQ(status("GET", "/search?q=rego"), 200);
  EXPECT_EQ(status("GET", "/search?q=rego&q=opa"), 401) << "values are always arrays";
  EXPECT_EQ(status("GET", "/search?q=other"), 401);
  const std::vector<std::string> json = {"Content-Type: application/json"};
  EXPECT_EQ(status("POST", "/orders", json, R"({"quantity": 5})"), 200);
  EXPECT_EQ(status("POST", "/orders", json, R"({"quantity": 50})"), 401);
  EXPECT_EQ(status("POST", "/orders", {"Content-Type: text/plain"}, R"({"quantity": 5})"), 401)
      << "parsed_body is null unless the body is JSON";
  ASSERT_GE(up_->requestCount(), 2u);
}

TEST_F(PolicyProxyTest, EvaluationErrorsFailClosedUnlessFailOpen) {
  auto closed = httpRequest(port_, "GET", "/err/closed");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, 403);
  auto open = httpRequest(port_, "GET", "/err/open");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200) << "failOpen lets an evaluation error through";
  EXPECT_TRUE(waitUntil([&] {
    return decisions("strict", "error") == 1 && decisions("lenient", "error") == 1;
  })) << mg_->admin("/metrics")->body;
}

TEST_F(PolicyProxyTest, BundleChangeIsPickedUpOnReload) {
  EXPECT_EQ(status("GET", "/public/a"), 200);
  writeBundle(kDenyPublicPolicy, "rev-2");
  reload();
  EXPECT_TRUE(waitUntil([&] { return status("GET", "/public/a") == 403; }));
  auto r = httpRequest(port_, "GET", "/public/a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "revision two");
  EXPECT_TRUE(waitUntil([&] {
    return mg_->metric("meshgate_policy_bundle_info{provider=\"opa\",revision=\"rev-2\"}") == 1 &&
           mg_->metric("meshgate_policy_bundle_info{provider=\"opa\",revision=\"rev-1\"}") == 0;
  })) << mg_->admin("/metrics")->body;

  // An unchanged bundle is not compiled again on reload.
  const double loads = mg_->metric("meshgate_policy_bundle_loads_total{bundle=\"" + bundle_ +
                                   "\",result=\"success\"}");
  reload();
  EXPECT_TRUE(waitUntil(
      [&] { return mg_->metric("meshgate_config_reloads_total{result=\"success\"}") >= 2; }));
  EXPECT_EQ(mg_->metric("meshgate_policy_bundle_loads_total{bundle=\"" + bundle_ +
                        "\",result=\"success\"}"),
            loads);
}

TEST_F(PolicyProxyTest, BundleFileChangesReloadWithoutASignal) {
  EXPECT_EQ(status("GET", "/public/a"), 200);
  writeBundle(kDenyPublicPolicy, "rev-2");
  EXPECT_TRUE(waitUntil([&] { return status("GET", "/public/a") == 403; }))
      << "the bundle directory is watched like the config file";
  // A data file in a subdirectory counts too.
  writeBundle(kPolicy, "rev-3");
  EXPECT_TRUE(waitUntil([&] { return status("GET", "/public/a") == 200; }));
  const double reloads = mg_->metric("meshgate_config_reloads_total{result=\"success\"}");
  std::ofstream(bundle_ + "/limits/data.json") << R"({"max_quantity": 100})";
  EXPECT_TRUE(waitUntil(
      [&] { return mg_->metric("meshgate_config_reloads_total{result=\"success\"}") > reloads; }));
  EXPECT_TRUE(waitUntil([&] {
    return status("POST", "/orders", {"Content-Type: application/json"}, R"({"quantity": 50})") ==
           200;
  }));
}

TEST_F(PolicyProxyTest, BadBundleIsRejectedAndTheOldOneKeepsServing) {
  EXPECT_EQ(status("GET", "/public/a"), 200);
  writeBundle("package envoy.authz\n\nallow if {\n", "rev-broken");
  reload();
  EXPECT_TRUE(mg_->process().waitForOutput("failed to compile"));
  EXPECT_TRUE(waitUntil(
      [&] { return mg_->metric("meshgate_config_reloads_total{result=\"failure\"}") >= 1; }));
  EXPECT_EQ(status("GET", "/public/a"), 200) << "the previous bundle keeps serving";
  EXPECT_EQ(status("POST", "/public/a", {}, "x"), 401);
}

TEST_F(PolicyProxyTest, DecisionLogWithRedaction) {
  const std::string jwt = token(R"({"sub":"alice","role":"admin"})");
  EXPECT_EQ(status("GET", "/admin", {"Authorization: Bearer " + jwt, "X-Request-Id: dl-1"}), 200);
  std::string line;
  ASSERT_TRUE(waitUntil([&] {
    std::istringstream lines(readFile(decision_log_));
    for (std::string l; std::getline(lines, l);) {
      if (l.find("\"request_id\":\"dl-1\"") != std::string::npos) line = l;
    }
    return !line.empty();
  }));
  EXPECT_NE(line.find("\"decision_id\":\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"provider\":\"opa\",\"path\":\"envoy/authz/result\",\"revision\":"
                      "\"rev-1\",\"decision\":\"allow\""),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"result\":{\"allowed\":true"), std::string::npos) << line;
  EXPECT_NE(line.find("\"timer_rego_query_eval_ns\":"), std::string::npos) << line;
  EXPECT_NE(line.find("\"authorization\":\"<redacted>\""), std::string::npos) << line;
  EXPECT_EQ(line.find(jwt), std::string::npos) << "the token must not be logged";
  EXPECT_NE(line.find("\"masked\":[\"/input/attributes/request/http/headers/authorization\"]"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"parsed_path\":[\"admin\"]"), std::string::npos) << line;
}

TEST(PolicyExample, BundleTestsPass) {
  // examples/policy is the OPA-Envoy tutorial's policy with its opa-test suite.
  auto r = testing::runCommand(
      {MG_BINARY, "policy", "test", std::string(MG_SOURCE_DIR) + "/examples/policy"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS: 4/4"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace meshgate::integration
