// SPDX-License-Identifier: Apache-2.0
// AuthorizationPolicy through the real binary: allow, deny, audit and dry run;
// every path-normalization bypass attempt against every Istio preset; Gateway
// listeners; remote.ip behind trusted proxies; CUSTOM failing closed; reload;
// metrics and access log fields.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "testing/ports.h"
#include "testing/temp_dir.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::httpGet;
using testing::httpRequest;
using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::waitUntil;

std::string routeAll(const std::string& host) {
  return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: all}\n"
         "spec:\n  hosts: [\"*\"]\n  http:\n  - name: r\n    route: [{destination: {host: " +
         host + "}}]\n---\n";
}

std::string policy(const std::string& name, const std::string& spec,
                   const std::string& ns = "default", const std::string& annotations = "") {
  std::string meta = "{name: " + name + ", namespace: " + ns;
  if (!annotations.empty()) meta += ", annotations: " + annotations;
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: " + meta +
         "}\nspec:\n" + spec + "---\n";
}

const char* const kDenyAdmin = R"(  action: DENY
  rules: [{to: [{operation: {paths: [/admin, /admin/*]}}]}]
)";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The access log line of the request with `request_id`, waiting for it.
std::string logLine(const std::string& path, const std::string& request_id) {
  std::string line;
  waitUntil([&] {
    std::istringstream lines(readFile(path));
    for (std::string l; std::getline(lines, l);) {
      if (l.find("\"request_id\":\"" + request_id + "\"") != std::string::npos) {
        line = l;
        return true;
      }
    }
    return false;
  });
  return line;
}

int statusOf(uint16_t port, const std::string& target, std::vector<std::string> headers = {},
             const std::string& method = "GET") {
  auto r = httpRequest(port, method, target, headers);
  return r ? r->status : -1;
}

class AuthzTest : public ::testing::Test {
 protected:
  void start(const std::string& policies, const std::string& listener_extra = "") {
    log_ = dir_.file("access.log");
    mg_.reset();
    up_ = std::make_unique<TestUpstream>();
    mg_ = std::make_unique<MeshgateProcess>(
        MG_BINARY, baseConfig("  workload: {labels: {app: web}}\n" + listener_extra, log_) +
                       serviceEntry("up", "up.local", up_->port()) + routeAll("up.local") +
                       policies);
    port_ = mg_->listenerPort("default/main");
    ASSERT_NE(port_, 0) << mg_->process().stderrText();
  }

  testing::TempDir dir_;
  std::string log_;
  std::unique_ptr<TestUpstream> up_;
  std::unique_ptr<MeshgateProcess> mg_;
  uint16_t port_ = 0;
};

TEST_F(AuthzTest, AllowAndDeny) {
  start(policy("allow-read", "  rules: [{to: [{operation: {methods: [GET, HEAD]}}]}]\n") +
        policy("deny-admin", kDenyAdmin));
  auto ok = httpGet(port_, "/public/x", {"X-Request-Id: ok-1"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(up_->requestCount(), 1u);

  auto denied = httpGet(port_, "/admin/users", {"X-Request-Id: deny-1"});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(denied->body, "RBAC: access denied");
  EXPECT_EQ(denied->header("content-type"), "text/plain");
  EXPECT_EQ(up_->requestCount(), 1u) << "a denied request never reaches the upstream";

  auto post = httpRequest(port_, "POST", "/public/x", {"X-Request-Id: none-1"}, "data");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 403) << "an ALLOW policy applies and POST matches none";
  EXPECT_EQ(up_->requestCount(), 1u);

  const std::string deny_line = logLine(log_, "deny-1");
  EXPECT_NE(deny_line.find("\"response_code_details\":\"rbac_access_denied_matched_policy[ns["
                           "default]-policy[deny-admin]-rule[0]]\""),
            std::string::npos)
      << deny_line;
  EXPECT_NE(deny_line.find("\"authz_result\":\"denied\",\"authz_action\":\"DENY\",\"authz_"
                           "policy\":\"default/deny-admin\""),
            std::string::npos)
      << deny_line;
  EXPECT_NE(logLine(log_, "none-1").find("rbac_access_denied_matched_policy[none]"),
            std::string::npos);
  EXPECT_NE(logLine(log_, "ok-1").find("\"authz_result\":\"allowed\""), std::string::npos);

  const std::string labels = "listener=\"default/main\",route=\"default/all/r\"";
  EXPECT_TRUE(waitUntil([&] {
    return mg_->metric("meshgate_authz_denied_total{" + labels +
                       ",action=\"DENY\",policy=\"default/deny-admin\"}") == 1 &&
           mg_->metric("meshgate_authz_denied_total{" + labels +
                       ",action=\"ALLOW\",policy=\"\"}") == 1 &&
           mg_->metric("meshgate_authz_allowed_total{" + labels + "}") == 1;
  })) << mg_->admin("/metrics")->body;
}

TEST_F(AuthzTest, AuditMarksAndNeverDenies) {
  start(policy("audit-admin",
               "  action: AUDIT\n  rules: [{to: [{operation: {paths: [/admin/*]}}]}]\n"));
  auto r = httpGet(port_, "/admin/x", {"X-Request-Id: audit-1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(logLine(log_, "audit-1").find("\"authz_audit\":[\"default/audit-admin\"]"),
            std::string::npos);
  auto plain = httpGet(port_, "/x", {"X-Request-Id: audit-2"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(logLine(log_, "audit-2").find("authz_audit"), std::string::npos);
  EXPECT_TRUE(waitUntil([&] {
    return mg_->metric(
               "meshgate_authz_audited_total{listener=\"default/main\",route=\"default/all/r\","
               "policy=\"default/audit-admin\"}") == 1;
  }));
}

TEST_F(AuthzTest, DryRunIsLoggedNotEnforced) {
  start(policy("deny-admin", kDenyAdmin, "default", "{istio.io/dry-run: \"true\"}"));
  auto r = httpGet(port_, "/admin", {"X-Request-Id: dry-1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(logLine(log_, "dry-1").find("\"authz_dry_run\":{\"deny\":{\"result\":\"denied\""),
            std::string::npos);
}

// Requests that must all be denied by a DENY on /admin and /admin/*, whatever
// the listener's normalization preset: each is a known way of writing a path
// that a backend may read as /admin.
const char* const kBypassAttempts[] = {
    "/admin",
    "/admin/",
    "/admin/x",
    "/public/../admin",
    "/admin/./x",
    "/x/y/../../admin",
    "/%2e%2e/admin",
    "/public/%2E%2E/admin",
    "//admin",
    "///admin/x",
    "/%61dmin",
    "/%61%64%6d%69%6e/x",
    "/admin%2Fx",
    "/admin%2fx",
    "/public%2F..%2Fadmin",
    "/admin%5Cx",
    "/public%5C..%5Cadmin",
    "/admin;x",
    "/admin;jsessionid=1/x",
    "/public/..;/admin",
    "/admin\\x",
    "/public\\..\\admin",
};

TEST_F(AuthzTest, BypassAttemptsAreDeniedWithDefaultNormalization) {
  start(policy("deny-admin", kDenyAdmin));
  for (const char* target : kBypassAttempts) {
    EXPECT_EQ(statusOf(port_, target), 403) << target;
  }
  EXPECT_EQ(up_->requestCount(), 0u);
  EXPECT_EQ(statusOf(port_, "/administrator"), 200);
  EXPECT_EQ(statusOf(port_, "/public/admin"), 200);
  EXPECT_EQ(statusOf(port_, "/public/a%2Fb"), 200);
  EXPECT_EQ(statusOf(port_, "/ADMIN"), 200) << "paths are case-sensitive unless configured";
}

TEST_F(AuthzTest, BypassAttemptsAreDeniedWithEveryPreset) {
  for (const char* preset : {"NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"}) {
    SCOPED_TRACE(preset);
    start(policy("deny-admin", kDenyAdmin),
          std::string("  pathNormalization: {normalization: ") + preset + "}\n");
    for (const char* target : kBypassAttempts) {
      const int s = statusOf(port_, target);
      // NONE forwards raw; the others may also answer 400 for what they reject.
      EXPECT_TRUE(s == 403 || s == 400) << target << " -> " << s;
    }
    EXPECT_EQ(up_->requestCount(), 0u);
    EXPECT_EQ(statusOf(port_, "/public/x"), 200);
  }
}

TEST_F(AuthzTest, DotsAndSlashesAreCheckedInBothOrders) {
  // BASE resolves dot segments before it would merge slashes (Envoy's order), so
  // it forwards "/public//admin", which no backend reads as /admin.
  start(policy("deny-admin", kDenyAdmin));
  EXPECT_EQ(statusOf(port_, "/public//..//admin"), 200);
  EXPECT_EQ(up_->lastRequest().target, "/public//admin");
  // NONE forwards the path untouched; nginx merges the slashes first and reads
  // /admin, so the filter checks that reading too.
  start(policy("deny-admin", kDenyAdmin), "  pathNormalization: {normalization: NONE}\n");
  EXPECT_EQ(statusOf(port_, "/public//..//admin"), 403);
  EXPECT_EQ(statusOf(port_, "/admin//.."), 403) << "Envoy's order reads /admin/";
  EXPECT_EQ(up_->requestCount(), 0u);
}

TEST_F(AuthzTest, ExplicitFlagsOverrideThePreset) {
  start(policy("deny-admin", kDenyAdmin),
        "  pathNormalization: {normalization: MERGE_SLASHES, mergeSlashes: false}\n");
  EXPECT_EQ(statusOf(port_, "//public"), 200);
  EXPECT_EQ(up_->lastRequest().target, "//public") << "mergeSlashes: false wins over the preset";
  EXPECT_EQ(statusOf(port_, "//admin"), 403) << "and the filter still reads it as /admin";
  start(policy("deny-admin", kDenyAdmin),
        "  pathNormalization: {normalization: NONE, normalize: true}\n");
  EXPECT_EQ(statusOf(port_, "/x/../public"), 200);
  EXPECT_EQ(up_->lastRequest().target, "/public") << "normalize: true wins over NONE";
  EXPECT_EQ(statusOf(port_, "/%70ublic"), 200);
  EXPECT_EQ(up_->lastRequest().target, "/%70ublic") << "NONE does not decode unreserved";
}

TEST_F(AuthzTest, CaseInsensitiveMatching) {
  start(policy("deny-admin", kDenyAdmin), "  pathNormalization: {caseInsensitiveMatching: true}\n");
  for (const char* target : {"/ADMIN", "/Admin/x", "/aDmIn%2Fx", "//ADMIN", "/%41DMIN"}) {
    EXPECT_EQ(statusOf(port_, target), 403) << target;
  }
  EXPECT_EQ(statusOf(port_, "/Public"), 200);
}

TEST_F(AuthzTest, EncodedSlashesRejectedOrDecodedByTheListener) {
  start(policy("deny-admin", kDenyAdmin),
        "  pathNormalization: {escapedSlashes: REJECT_REQUEST}\n");
  EXPECT_EQ(statusOf(port_, "/admin%2Fx"), 400);
  EXPECT_EQ(statusOf(port_, "/public%2Fx"), 400);
  mg_.reset();
  start(policy("deny-admin", kDenyAdmin),
        "  pathNormalization: {escapedSlashes: UNESCAPE_AND_FORWARD}\n");
  EXPECT_EQ(statusOf(port_, "/admin%2Fx"), 403);
  EXPECT_EQ(statusOf(port_, "/public%2Fx"), 200);
  EXPECT_EQ(up_->lastRequest().target, "/public/x") << "decoded before forwarding";
}

TEST_F(AuthzTest, AllowListCannotBeEscapedWithEncodedDotSegments) {
  start(policy("allow-public", "  rules: [{to: [{operation: {paths: [/public/*]}}]}]\n"));
  EXPECT_EQ(statusOf(port_, "/public/x"), 200);
  for (const char* target : {"/public/..%2Fadmin", "/public/%2e%2e/admin", "/public/..;/admin",
                             "/public/..%5Cadmin", "/public/../admin", "/public"}) {
    EXPECT_EQ(statusOf(port_, target), 403) << target;
  }
}

TEST_F(AuthzTest, RemoteIpUsesTrustedHops) {
  const std::string deny = policy("deny-net", R"(  action: DENY
  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]
)");
  start(deny, "  xff: {trustedHops: 1}\n");
  EXPECT_EQ(statusOf(port_, "/", {"X-Forwarded-For: 203.0.113.5"}), 403);
  EXPECT_EQ(statusOf(port_, "/", {"X-Forwarded-For: 203.0.113.5, 198.51.100.1"}), 200)
      << "the trusted hop is the rightmost address";
  EXPECT_EQ(statusOf(port_, "/", {"X-Forwarded-For: 198.51.100.1, 203.0.113.5"}), 403);
  EXPECT_EQ(statusOf(port_, "/"), 200);
  mg_.reset();
  start(deny);
  EXPECT_EQ(statusOf(port_, "/", {"X-Forwarded-For: 203.0.113.5"}), 200)
      << "without trusted hops X-Forwarded-For is not believed";
  mg_.reset();
  start(policy("deny-local", R"(  action: DENY
  rules: [{from: [{source: {ipBlocks: [127.0.0.1]}}]}]
)"),
        "  xff: {trustedHops: 1}\n");
  EXPECT_EQ(statusOf(port_, "/", {"X-Forwarded-For: 203.0.113.5"}), 403)
      << "ipBlocks is the TCP peer, whatever X-Forwarded-For says";
}

TEST_F(AuthzTest, CustomProviderDenies) {
  // The binary registers the Rego authorizer for every provider (issue 4): a
  // bundle whose decision is false denies what the CUSTOM rules select.
  dir_.write("policies/policy.rego", "package envoy.authz\n\nallow := false\n");
  start(
      "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: opa}\nspec: "
      "{bundlePath: " +
      dir_.file("policies") + ", decisionPath: envoy/authz/allow}\n---\n" +
      policy("ext",
             "  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: "
             "{paths: [/ext/*]}}]}]\n"));
  auto r = httpGet(port_, "/ext/x", {"X-Request-Id: ext-1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(statusOf(port_, "/other"), 200);
  const std::string line = logLine(log_, "ext-1");
  EXPECT_NE(line.find("\"response_flags\":\"UAEX\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"response_code_details\":\"ext_authz_denied\""), std::string::npos) << line;
  EXPECT_TRUE(waitUntil([&] {
    return mg_->metric(
               "meshgate_authz_custom_checks_total{listener=\"default/main\",route=\"default/all/"
               "r\",provider=\"opa\",result=\"denied\"}") == 1;
  }));
}

TEST_F(AuthzTest, PoliciesFollowReloads) {
  up_ = std::make_unique<TestUpstream>();
  const std::string base = baseConfig("  workload: {labels: {app: web}}\n", "off") +
                           serviceEntry("up", "up.local", up_->port()) + routeAll("up.local");
  mg_ = std::make_unique<MeshgateProcess>(MG_BINARY, base);
  port_ = mg_->listenerPort("default/main");
  EXPECT_EQ(statusOf(port_, "/admin"), 200);
  mg_->writeConfig(base + policy("deny-admin", kDenyAdmin));
  EXPECT_TRUE(waitUntil([&] { return statusOf(port_, "/admin") == 403; }));
  EXPECT_EQ(statusOf(port_, "/x"), 200);
  mg_->writeConfig(base + policy("deny-all", " {}\n"));
  EXPECT_TRUE(waitUntil([&] { return statusOf(port_, "/x") == 403; }));
  mg_->writeConfig(base);
  EXPECT_TRUE(waitUntil([&] { return statusOf(port_, "/admin") == 200; }));
}

TEST(AuthzGateway, SelectorMatchesTheGatewayLabels) {
  TestUpstream up;
  const uint16_t gw_port = testing::pickFreePort();
  const std::string yaml =
      baseConfig("  workload: {labels: {app: web}}\n") + serviceEntry("up", "up.local", up.port()) +
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: ingress, namespace: "
      "edge}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: " +
      std::to_string(gw_port) +
      ", name: http, protocol: HTTP}\n    bind: 127.0.0.1\n    hosts: [\"*\"]\n---\n"
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: all}\n"
      "spec:\n  hosts: [\"*\"]\n  gateways: [mesh, edge/ingress]\n  http:\n  - route: "
      "[{destination: {host: up.local}}]\n---\n" +
      policy("gw-deny", R"(  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules: [{to: [{operation: {paths: [/internal/*]}}]}]
)",
             "istio-system");
  MeshgateProcess mg(MG_BINARY, yaml);
  const uint16_t mesh_port = mg.listenerPort("default/main");
  ASSERT_NE(mesh_port, 0);
  ASSERT_TRUE(testing::waitForTcpPort(gw_port));
  EXPECT_EQ(statusOf(gw_port, "/internal/x"), 403);
  EXPECT_EQ(statusOf(gw_port, "/public"), 200);
  EXPECT_EQ(statusOf(mesh_port, "/internal/x"), 200) << "the mesh listener is another workload";
}

}  // namespace
}  // namespace meshgate::integration
