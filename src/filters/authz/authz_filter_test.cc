// SPDX-License-Identifier: Apache-2.0
// The authz filter driven through FakeFilterContext: every rule field and its
// not* form, Istio's evaluation order and edge cases, dry runs, CUSTOM
// providers, path readings, metrics and access log fields.
#include "filters/authz/authz_filter.h"

#include <gtest/gtest.h>

#include <functional>

#include "filters/authz/test_harness.h"
#include "proxy/response_flags.h"

namespace meshgate::filters::authz {
namespace {

using test::Harness;
using test::jwtIdentity;
using test::Outcome;
using test::Request;

// An AuthorizationPolicy document; `spec` is the YAML block under "spec:"
// (each line indented by two spaces), or " {}" for an empty spec.
std::string policy(const std::string& name, const std::string& spec,
                   const std::string& ns = "default", const std::string& annotations = "") {
  std::string meta = "{name: " + name + ", namespace: " + ns;
  if (!annotations.empty()) meta += ", annotations: " + annotations;
  meta += "}";
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: " + meta +
         "\nspec:" + (spec.rfind(" {", 0) == 0 ? spec + "\n" : "\n" + spec) + "---\n";
}

std::string provider(const std::string& name, const std::string& extra = "") {
  return "apiVersion: meshgate.io/v1\nkind: PolicyProvider\nmetadata: {name: " + name +
         "}\nspec:\n  bundlePath: /policies\n  decisionPath: envoy/authz/allow\n" + extra + "---\n";
}

Request get(const std::string& path) {
  Request r;
  r.path = path;
  return r;
}

Request withHeader(Request r, const std::string& k, const std::string& v) {
  r.headers.emplace_back(k, v);
  return r;
}

uint16_t status(Harness& h, const Request& r) {
  Outcome o = h.run(r);
  return o.allowed ? 0 : o.code();
}

// ------------------------------------------------------------------ order and edge cases

TEST(AuthzOrder, NoPolicyMeansNoFilter) {
  Harness h("");
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_FALSE(h.applies());
  EXPECT_EQ(h.get("/anything"), 0);
}

TEST(AuthzOrder, WithoutAllowPoliciesEverythingNotDeniedIsAllowed) {
  Harness h(policy("deny-admin", R"(  action: DENY
  rules: [{to: [{operation: {paths: [/admin]}}]}]
)"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_EQ(h.get("/"), 0);
  EXPECT_EQ(h.get("/other"), 0);
  EXPECT_EQ(h.get("/admin"), 403);
}

TEST(AuthzOrder, EmptySpecDeniesEverything) {
  Harness h(policy("deny-all", " {}"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/"));
  EXPECT_FALSE(o.allowed);
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->status, 403);
  EXPECT_EQ(o.reply->body, "RBAC: access denied");
  EXPECT_EQ(o.reply->details, "rbac_access_denied_matched_policy[none]");
  EXPECT_EQ(o.reply->response_flags, 0u) << "Envoy sets no response flag for RBAC denials";
  EXPECT_EQ(o.status, filter_api::FilterStatus::Respond);
}

TEST(AuthzOrder, OneEmptyRuleAllowsEverything) {
  Harness h(policy("allow-all", "  rules: [{}]\n"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_EQ(h.get("/"), 0);
  EXPECT_EQ(h.get("/admin"), 0);
}

TEST(AuthzOrder, EmptyRuleInDenyDeniesEverything) {
  Harness h(policy("deny-all", "  action: DENY\n  rules: [{}]\n"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/x"));
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->details,
            "rbac_access_denied_matched_policy[ns[default]-policy[deny-all]-rule[0]]");
}

TEST(AuthzOrder, DenyOrAuditWithoutRulesMatchesNothing) {
  Harness h(policy("nothing", "  action: DENY\n") + policy("audit-nothing", "  action: AUDIT\n"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/"));
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(o.log.find("authz_audit"), std::string::npos);
}

TEST(AuthzOrder, AnyAllowPolicyDeniesWhatMatchesNone) {
  Harness h(policy("allow-get", R"(  rules: [{to: [{operation: {methods: [GET]}}]}]
)") + policy("allow-health", R"(  rules: [{to: [{operation: {paths: [/healthz]}}]}]
)"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Request post = get("/x");
  post.method = "POST";
  EXPECT_EQ(status(h, post), 403);
  EXPECT_EQ(h.get("/x"), 0);
  post.path = "/healthz";
  EXPECT_EQ(status(h, post), 0) << "policies are OR'ed";
}

TEST(AuthzOrder, DenyWinsOverAllow) {
  Harness h(policy("allow-all", "  rules: [{}]\n") + policy("deny-admin", R"(  action: DENY
  rules: [{to: [{operation: {paths: [/admin/*]}}]}]
)"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_EQ(h.get("/admin/users"), 403);
  EXPECT_EQ(h.get("/public"), 0);
}

TEST(AuthzOrder, ReportedDenyRuleIsTheFirstInEnvoyOrder) {
  // Envoy keeps RBAC policies in a map sorted by id; the first match is reported.
  Harness h(
      policy("zz-deny", "  action: DENY\n  rules: [{}]\n") +
      policy("aa-deny", "  action: DENY\n  rules: [{to: [{operation: {paths: [/nope]}}]}, {}]\n"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/x"));
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->details,
            "rbac_access_denied_matched_policy[ns[default]-policy[aa-deny]-rule[1]]");
  EXPECT_NE(o.log.find("\"authz_policy\":\"default/aa-deny\""), std::string::npos) << o.log;
}

TEST(AuthzOrder, AuditMarksButNeverDenies) {
  Harness h(policy("audit-admin", R"(  action: AUDIT
  rules: [{to: [{operation: {paths: [/admin]}}]}]
)"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/admin"));
  EXPECT_TRUE(o.allowed);
  EXPECT_NE(o.log.find("\"authz_audit\":[\"default/audit-admin\"]"), std::string::npos) << o.log;
  EXPECT_TRUE(o.hasMetric(
      "meshgate_authz_audited_total{listener=\"default/main\",route=\"default/vs/r\",policy="
      "\"default/audit-admin\"}"))
      << o.metrics;
  Outcome other = h.run(get("/other"));
  EXPECT_TRUE(other.allowed);
  EXPECT_EQ(other.log.find("authz_audit"), std::string::npos);
}

TEST(AuthzOrder, AuditStillMarksRequestsThatAreDenied) {
  // Istio places the AUDIT filter before DENY and ALLOW.
  Harness h(policy("audit-all", "  action: AUDIT\n  rules: [{}]\n") +
            policy("deny-all", "  action: DENY\n  rules: [{}]\n"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/"));
  EXPECT_EQ(o.code(), 403);
  EXPECT_NE(o.log.find("authz_audit"), std::string::npos);
}

// ------------------------------------------------------------------ operation fields

TEST(AuthzTo, PathsExactPrefixSuffixAndAny) {
  Harness h(policy("allow", R"(  rules:
  - to: [{operation: {paths: [/exact, /prefix/*, "*.png"]}}]
)"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  EXPECT_EQ(h.get("/exact"), 0);
  EXPECT_EQ(h.get("/exact/"), 403);
  EXPECT_EQ(h.get("/prefix/"), 0);
  EXPECT_EQ(h.get("/prefix/a/b"), 0);
  EXPECT_EQ(h.get("/prefix"), 403);
  EXPECT_EQ(h.get("/img/a.png"), 0);
  EXPECT_EQ(h.get("/img/a.png5"), 403);
  Harness any(policy("allow", "  rules: [{to: [{operation: {paths: [\"*\"]}}]}]\n"));
  EXPECT_EQ(any.get("/whatever"), 0);
}

TEST(AuthzTo, NotPaths) {
  Harness h(policy("deny", R"(  action: DENY
  rules: [{to: [{operation: {notPaths: [/public/*, /healthz]}}]}]
)"));
  EXPECT_EQ(h.get("/public/a"), 0);
  EXPECT_EQ(h.get("/healthz"), 0);
  EXPECT_EQ(h.get("/private"), 403);
}

TEST(AuthzTo, MethodsAndNotMethods) {
  Harness h(policy("allow", "  rules: [{to: [{operation: {methods: [GET, HEAD]}}]}]\n") +
            policy("deny",
                   "  action: DENY\n  rules: [{to: [{operation: {notMethods: [GET, HEAD, POST, "
                   "DELETE]}}]}]\n"));
  Request r = get("/");
  EXPECT_EQ(status(h, r), 0);
  r.method = "HEAD";
  EXPECT_EQ(status(h, r), 0);
  r.method = "POST";
  EXPECT_EQ(status(h, r), 403) << "not allowed";
  r.method = "get";
  EXPECT_EQ(status(h, r), 403) << "methods are case-sensitive";
  r.method = "PATCH";
  Outcome o = h.run(r);
  EXPECT_NE(o.log.find("\"authz_action\":\"DENY\""), std::string::npos) << o.log;
}

TEST(AuthzTo, HostsAreCaseInsensitiveWithWildcards) {
  Harness h(policy("allow", R"(  rules:
  - to: [{operation: {hosts: [Example.com, "*.example.org", "api.*"]}}]
)"));
  Request r = get("/");
  r.host = "EXAMPLE.COM";
  EXPECT_EQ(status(h, r), 0);
  r.host = "www.Example.org";
  EXPECT_EQ(status(h, r), 0);
  r.host = "api.internal:8080";
  EXPECT_EQ(status(h, r), 0);
  r.host = "example.com:8080";
  EXPECT_EQ(status(h, r), 403) << "the port is part of the host, as in Istio";
  r.host = "other.net";
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzTo, NotHosts) {
  Harness h(policy("deny",
                   "  action: DENY\n  rules: [{to: [{operation: {notHosts: [good.example]}}]}]\n"));
  Request r = get("/");
  r.host = "good.example";
  EXPECT_EQ(status(h, r), 0);
  r.host = "evil.example";
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzTo, PortsAndNotPorts) {
  Harness h(
      policy("allow", "  rules: [{to: [{operation: {ports: [\"8080\", \"9090\"]}}]}]\n") +
      policy("deny", "  action: DENY\n  rules: [{to: [{operation: {notPorts: [\"8080\"]}}]}]\n"));
  Request r = get("/");
  r.port = 8080;
  EXPECT_EQ(status(h, r), 0);
  r.port = 9090;
  EXPECT_EQ(status(h, r), 403) << "denied by notPorts";
  r.port = 7070;
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzTo, OperationsAreOredAndFieldsAnded) {
  Harness h(policy("allow", R"(  rules:
  - to:
    - operation: {methods: [GET], paths: [/read/*]}
    - operation: {methods: [POST], paths: [/write/*]}
)"));
  Request r = get("/read/x");
  EXPECT_EQ(status(h, r), 0);
  r.method = "POST";
  EXPECT_EQ(status(h, r), 403);
  r.path = "/write/x";
  EXPECT_EQ(status(h, r), 0);
  r.method = "GET";
  EXPECT_EQ(status(h, r), 403);
}

// ------------------------------------------------------------------ source fields

TEST(AuthzFrom, IpBlocksUseThePeerAndRemoteIpBlocksTheClient) {
  Harness h(policy("allow", "  rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]\n"));
  Request r = get("/");
  r.peer = "10.1.2.3";
  r.client = "203.0.113.9";
  EXPECT_EQ(status(h, r), 0) << "ipBlocks is the TCP peer";
  r.peer = "192.168.0.1";
  r.client = "10.1.2.3";
  EXPECT_EQ(status(h, r), 403);

  Harness remote(
      policy("allow", "  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]\n"));
  r.peer = "10.1.2.3";
  r.client = "203.0.113.9";
  EXPECT_EQ(status(remote, r), 0) << "remoteIpBlocks is the client after X-Forwarded-For";
  r.client = "";
  EXPECT_EQ(status(remote, r), 403);
}

TEST(AuthzFrom, NotIpBlocksAndNotRemoteIpBlocks) {
  Harness h(policy("deny", R"(  action: DENY
  rules:
  - from: [{source: {notIpBlocks: [127.0.0.1, "::1"]}}]
  - from: [{source: {notRemoteIpBlocks: [198.51.100.0/24]}}]
)"));
  Request r = get("/");
  r.peer = "127.0.0.1";
  r.client = "198.51.100.7";
  EXPECT_EQ(status(h, r), 0);
  r.peer = "10.0.0.1";
  EXPECT_EQ(status(h, r), 403) << "peer outside notIpBlocks";
  r.peer = "::1";
  r.client = "203.0.113.1";
  EXPECT_EQ(status(h, r), 403) << "client outside notRemoteIpBlocks";
}

TEST(AuthzFrom, MappedIpv4PeersMatchIpv4Blocks) {
  Harness h(
      policy("deny", "  action: DENY\n  rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]\n"));
  Request r = get("/");
  r.peer = "::ffff:10.9.9.9";
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzFrom, PrincipalsAndNamespacesNeverMatchWithoutMtls) {
  // meshgate has no mTLS: positive forms never match, not* forms always match
  // (Istio on a plaintext connection).
  Harness allow(policy("allow", R"(  rules:
  - from: [{source: {principals: ["*"]}}]
  - from: [{source: {principals: [cluster.local/ns/default/sa/web]}}]
  - from: [{source: {namespaces: [default, "*"]}}]
)"));
  EXPECT_EQ(allow.get("/"), 403);
  Harness deny(policy("deny", R"(  action: DENY
  rules: [{from: [{source: {notPrincipals: [cluster.local/ns/default/sa/web]}}]}]
)"));
  EXPECT_EQ(deny.get("/"), 403);
  Harness deny_ns(policy("deny", R"(  action: DENY
  rules: [{from: [{source: {notNamespaces: [default]}}]}]
)"));
  EXPECT_EQ(deny_ns.get("/"), 403);
}

TEST(AuthzFrom, RequestPrincipalsExactPrefixSuffixAny) {
  Harness h(policy("allow", R"(  rules:
  - from: [{source: {requestPrincipals: ["https://issuer.example.com/alice"]}}]
  - from: [{source: {requestPrincipals: ["https://team.example.com/*"]}}]
  - from: [{source: {requestPrincipals: ["*/robot"]}}]
)"));
  Request r = get("/");
  EXPECT_EQ(status(h, r), 403) << "no JWT";
  r.identity = jwtIdentity("https://issuer.example.com", "alice");
  EXPECT_EQ(status(h, r), 0) << "issuer URL with slashes: split at the last '/'";
  r.identity = jwtIdentity("https://issuer.example.com", "bob");
  EXPECT_EQ(status(h, r), 403);
  r.identity = jwtIdentity("https://team.example.com", "anyone");
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("https://team.example.com/sub", "x");
  EXPECT_EQ(status(h, r), 403) << "the issuer must be exactly https://team.example.com";
  r.identity = jwtIdentity("anything", "robot");
  EXPECT_EQ(status(h, r), 0);

  Harness any(policy("allow", "  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]\n"));
  r.identity.reset();
  EXPECT_EQ(status(any, r), 403);
  r.identity = jwtIdentity("iss", "sub");
  EXPECT_EQ(status(any, r), 0);
}

TEST(AuthzFrom, RequestPrincipalsWithoutSlash) {
  // Istio: "iss*" is an issuer prefix with any subject, "*sub" any issuer with a
  // subject suffix, and a plain value an issuer with an empty subject.
  Harness h(policy("allow", R"(  rules:
  - from: [{source: {requestPrincipals: ["acme*"]}}]
  - from: [{source: {requestPrincipals: ["*-svc"]}}]
)"));
  Request r = get("/");
  r.identity = jwtIdentity("acme-prod", "u1");
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("other", "billing-svc");
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("other", "u1");
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzFrom, NotRequestPrincipalsStarMeansNoJwt) {
  Harness h(policy("deny", R"(  action: DENY
  rules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]
)"));
  Request r = get("/");
  EXPECT_EQ(status(h, r), 403) << "requests without a JWT are denied";
  r.identity = jwtIdentity("iss", "sub");
  EXPECT_EQ(status(h, r), 0);
}

TEST(AuthzFrom, RequestPrincipalWithoutClaimsViewFallsBackToThePrincipal) {
  Harness h(policy(
      "allow", "  rules: [{from: [{source: {requestPrincipals: [\"https://i.example/u\"]}}]}]\n"));
  Request r = get("/");
  filter_api::RequestIdentity id;
  id.request_principal = "https://i.example/u";
  r.identity = id;
  EXPECT_EQ(status(h, r), 0);
}

TEST(AuthzFrom, SourcesAreOredAndFieldsAnded) {
  Harness h(policy("allow", R"(  rules:
  - from:
    - source: {ipBlocks: [10.0.0.0/8], requestPrincipals: ["*"]}
    - source: {ipBlocks: [192.168.0.0/16]}
)"));
  Request r = get("/");
  r.peer = "10.0.0.1";
  EXPECT_EQ(status(h, r), 403) << "first source needs a JWT too";
  r.identity = jwtIdentity("i", "s");
  EXPECT_EQ(status(h, r), 0);
  r.identity.reset();
  r.peer = "192.168.1.1";
  EXPECT_EQ(status(h, r), 0);
}

TEST(AuthzFrom, FromToAndWhenAreAnded) {
  Harness h(policy("allow", R"(  rules:
  - from: [{source: {ipBlocks: [10.0.0.0/8]}}]
    to: [{operation: {methods: [GET]}}]
    when: [{key: "request.headers[x-ok]", values: ["yes"]}]
)"));
  Request r = withHeader(get("/"), "x-ok", "yes");
  r.peer = "10.0.0.1";
  EXPECT_EQ(status(h, r), 0);
  r.method = "PUT";
  EXPECT_EQ(status(h, r), 403);
  r.method = "GET";
  r.peer = "11.0.0.1";
  EXPECT_EQ(status(h, r), 403);
  r.peer = "10.0.0.1";
  r.headers.clear();
  EXPECT_EQ(status(h, r), 403);
}

// ------------------------------------------------------------------ conditions

TEST(AuthzWhen, RequestHeaders) {
  Harness h(policy("allow", R"(  rules:
  - when: [{key: "request.headers[User-Agent]", values: ["Mozilla/*", "*-bot", curl/8.0]}]
  - when: [{key: "request.headers[x-present]", values: ["*"]}]
)"));
  EXPECT_EQ(status(h, withHeader(get("/"), "user-agent", "Mozilla/5.0")), 0);
  EXPECT_EQ(status(h, withHeader(get("/"), "user-agent", "crawl-bot")), 0);
  EXPECT_EQ(status(h, withHeader(get("/"), "user-agent", "curl/8.0")), 0);
  EXPECT_EQ(status(h, withHeader(get("/"), "user-agent", "curl/8.1")), 403);
  EXPECT_EQ(status(h, withHeader(get("/"), "user-agent", "mozilla/5.0")), 403)
      << "header values are case-sensitive";
  EXPECT_EQ(status(h, withHeader(get("/"), "x-present", "")), 0)
      << "\"*\" is a presence match, even for an empty value";
  EXPECT_EQ(h.get("/"), 403);
}

TEST(AuthzWhen, RepeatedHeaderFieldsAreJoinedWithComma) {
  Harness h(policy("allow",
                   "  rules: [{when: [{key: \"request.headers[x-role]\", values: [\"a,b\"]}]}]\n"));
  Request r = withHeader(withHeader(get("/"), "x-role", "a"), "x-role", "b");
  EXPECT_EQ(status(h, r), 0);
  EXPECT_EQ(status(h, withHeader(get("/"), "x-role", "a")), 403);
}

TEST(AuthzWhen, HeaderNotValuesMatchAnAbsentHeader) {
  Harness h(policy("deny", R"(  action: DENY
  rules: [{when: [{key: "request.headers[x-token]", notValues: ["secret"]}]}]
)"));
  EXPECT_EQ(h.get("/"), 403) << "absent header: not in notValues";
  EXPECT_EQ(status(h, withHeader(get("/"), "x-token", "secret")), 0);
  EXPECT_EQ(status(h, withHeader(get("/"), "x-token", "guess")), 403);
}

TEST(AuthzWhen, HostHeaderIsTheAuthority) {
  Harness h(policy(
      "allow", "  rules: [{when: [{key: \"request.headers[host]\", values: [\"a.example\"]}]}]\n"));
  Request r = get("/");
  r.host = "a.example";
  EXPECT_EQ(status(h, r), 0);
  r.host = "b.example";
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzWhen, ValuesAndNotValuesTogether) {
  Harness h(policy("allow", R"(  rules:
  - when: [{key: "request.headers[x-env]", values: ["prod-*"], notValues: ["prod-legacy"]}]
)"));
  EXPECT_EQ(status(h, withHeader(get("/"), "x-env", "prod-eu")), 0);
  EXPECT_EQ(status(h, withHeader(get("/"), "x-env", "prod-legacy")), 403);
  EXPECT_EQ(status(h, withHeader(get("/"), "x-env", "dev")), 403);
}

TEST(AuthzWhen, Claims) {
  Harness h(policy("allow", R"(  rules:
  - when: [{key: "request.auth.claims[groups]", values: ["admins"]}]
  - when: [{key: "request.auth.claims[realm_access][roles]", values: ["ops-*"]}]
)"));
  Request r = get("/");
  EXPECT_EQ(status(h, r), 403) << "no JWT";
  r.identity = jwtIdentity("i", "s", {}, "", {{"groups", {"dev", "admins"}}});
  EXPECT_EQ(status(h, r), 0) << "any element of a list claim";
  r.identity = jwtIdentity("i", "s", {}, "", {{"groups", {"dev"}}});
  EXPECT_EQ(status(h, r), 403);
  r.identity = jwtIdentity("i", "s", {}, "", {{"realm_access/roles", {"ops-oncall"}}});
  EXPECT_EQ(status(h, r), 0) << "nested claims";
  r.identity = jwtIdentity("i", "s", {}, "", {{"roles", {"ops-oncall"}}});
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzWhen, ClaimsNotValues) {
  Harness h(policy("deny", R"(  action: DENY
  rules: [{when: [{key: "request.auth.claims[groups]", notValues: ["staff"]}]}]
)"));
  Request r = get("/");
  r.identity = jwtIdentity("i", "s", {}, "", {{"groups", {"staff", "x"}}});
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("i", "s", {}, "", {{"groups", {"guest"}}});
  EXPECT_EQ(status(h, r), 403);
  r.identity.reset();
  EXPECT_EQ(status(h, r), 403) << "no claims: not in notValues";
}

TEST(AuthzWhen, AuthPrincipalAudiencesPresenter) {
  Harness h(policy("allow", R"(  rules:
  - when:
    - {key: request.auth.principal, values: ["https://acct.example/*"]}
    - {key: request.auth.audiences, values: [api.example.com, "*.internal"]}
    - {key: request.auth.presenter, values: [web-app]}
)"));
  Request r = get("/");
  r.identity = jwtIdentity("https://acct.example", "u1", {"other", "api.example.com"}, "web-app");
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("https://acct.example", "u1", {"x.internal"}, "web-app");
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("https://acct.example", "u1", {"elsewhere"}, "web-app");
  EXPECT_EQ(status(h, r), 403) << "audience";
  r.identity = jwtIdentity("https://acct.example", "u1", {"api.example.com"}, "");
  EXPECT_EQ(status(h, r), 403) << "no presenter";
  r.identity = jwtIdentity("https://other.example", "u1", {"api.example.com"}, "web-app");
  EXPECT_EQ(status(h, r), 403) << "principal";
}

TEST(AuthzWhen, AuthNotValues) {
  Harness h(policy("deny", R"(  action: DENY
  rules:
  - when: [{key: request.auth.principal, notValues: ["*"]}]
  - when: [{key: request.auth.audiences, notValues: [api]}]
  - when: [{key: request.auth.presenter, notValues: [web, cli]}]
)"));
  Request r = get("/");
  EXPECT_EQ(status(h, r), 403);
  r.identity = jwtIdentity("i", "s", {"api"}, "web");
  EXPECT_EQ(status(h, r), 0);
  r.identity = jwtIdentity("i", "s", {"other"}, "web");
  EXPECT_EQ(status(h, r), 403);
  r.identity = jwtIdentity("i", "s", {"api"}, "robot");
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzWhen, Addresses) {
  Harness h(policy("allow", R"(  rules:
  - when:
    - {key: source.ip, values: [10.0.0.0/8]}
    - {key: remote.ip, values: [203.0.113.7]}
    - {key: destination.ip, values: [10.0.0.100]}
    - {key: destination.port, values: ["8080"]}
)"));
  Request r = get("/");
  r.peer = "10.2.2.2";
  r.client = "203.0.113.7";
  EXPECT_EQ(status(h, r), 0);
  Request bad = r;
  bad.peer = "11.0.0.1";
  EXPECT_EQ(status(h, bad), 403);
  bad = r;
  bad.client = "203.0.113.8";
  EXPECT_EQ(status(h, bad), 403);
  bad = r;
  bad.local = "10.0.0.101";
  EXPECT_EQ(status(h, bad), 403);
  bad = r;
  bad.port = 8081;
  EXPECT_EQ(status(h, bad), 403);
}

TEST(AuthzWhen, AddressNotValues) {
  Harness h(policy("deny", R"(  action: DENY
  rules:
  - when: [{key: source.ip, notValues: [127.0.0.0/8]}]
  - when: [{key: remote.ip, notValues: [127.0.0.1]}]
  - when: [{key: destination.ip, notValues: [127.0.0.1]}]
  - when: [{key: destination.port, notValues: ["8080"]}]
)"));
  Request ok = get("/");
  ok.peer = "127.0.0.5";
  ok.client = "127.0.0.1";
  ok.local = "127.0.0.1";
  EXPECT_EQ(status(h, ok), 0);
  Request r = ok;
  r.peer = "10.0.0.1";
  EXPECT_EQ(status(h, r), 403);
  r = ok;
  r.client = "127.0.0.2";
  EXPECT_EQ(status(h, r), 403);
  r = ok;
  r.local = "127.0.0.2";
  EXPECT_EQ(status(h, r), 403);
  r = ok;
  r.port = 9000;
  EXPECT_EQ(status(h, r), 403);
}

TEST(AuthzWhen, ConnectionSni) {
  Harness h(
      policy("allow", "  rules: [{when: [{key: connection.sni, values: [\"*.example.com\"]}]}]\n"));
  Request r = get("/");
  EXPECT_EQ(status(h, r), 403) << "cleartext: no SNI";
  r.sni = "api.example.com";
  EXPECT_EQ(status(h, r), 0);
  Harness n(policy(
      "deny",
      "  action: DENY\n  rules: [{when: [{key: connection.sni, notValues: [a.example]}]}]\n"));
  r.sni = "";
  EXPECT_EQ(status(n, r), 403);
  r.sni = "a.example";
  EXPECT_EQ(status(n, r), 0);
}

TEST(AuthzWhen, SourcePrincipalAndNamespaceNeedMtls) {
  Harness h(policy("allow", R"(  rules:
  - when: [{key: source.principal, values: ["*"]}]
  - when: [{key: source.namespace, values: [default]}]
)"));
  EXPECT_EQ(h.get("/"), 403);
  Harness n(policy("deny", R"(  action: DENY
  rules:
  - when: [{key: source.principal, notValues: [cluster.local/ns/a/sa/b]}]
)"));
  EXPECT_EQ(n.get("/"), 403);
  Harness ns(policy("deny", R"(  action: DENY
  rules:
  - when: [{key: source.namespace, notValues: [default]}]
)"));
  EXPECT_EQ(ns.get("/"), 403);
}

// ------------------------------------------------------------------ path readings

const char* const kDenyAdmin = R"(  action: DENY
  rules: [{to: [{operation: {paths: [/admin, /admin/*]}}]}]
)";

TEST(AuthzPaths, CleanPathsHaveOneReading) {
  Harness h(policy("deny", kDenyAdmin));
  Outcome o = h.run(get("/public/a/b"));
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(o.log.find("authz_path_readings"), std::string::npos);
}

TEST(AuthzPaths, EncodedSlashesKeptByTheProxyCannotBypassDeny) {
  // With escapedSlashes KEEP_UNCHANGED the forwarded path keeps %2F; a backend
  // that decodes it sees /admin/x.
  Harness h(policy("deny", kDenyAdmin));
  Outcome o = h.run(get("/admin%2Fx"));
  EXPECT_EQ(o.code(), 403);
  EXPECT_NE(o.log.find("\"authz_path_readings\":[\"/admin/x\"]"), std::string::npos) << o.log;
  EXPECT_EQ(h.get("/public%2F..%2Fadmin"), 403);
  EXPECT_EQ(h.get("/public%5C..%5Cadmin"), 403);
}

TEST(AuthzPaths, EncodedDotSegmentsCannotEscapeAnAllowedPrefix) {
  Harness h(policy("allow", "  rules: [{to: [{operation: {paths: [/public/*]}}]}]\n"));
  EXPECT_EQ(h.get("/public/file"), 0);
  EXPECT_EQ(h.get("/public/..%2Fadmin"), 403);
  EXPECT_EQ(h.get("/public/a%2Fb"), 0) << "both readings stay under /public/";
}

TEST(AuthzPaths, DoubleSlashesParamsAndDotsAreReadCanonically) {
  // What the proxy forwards when mergeSlashes is off and ;params are kept
  // (Istio's defaults), or with normalization NONE.
  Harness h(policy("deny", kDenyAdmin));
  EXPECT_EQ(h.get("//admin"), 403);
  EXPECT_EQ(h.get("/public//..//admin"), 403) << "slashes merged before dots (nginx)";
  EXPECT_EQ(h.get("/admin;jsessionid=1"), 403);
  EXPECT_EQ(h.get("/public/..;/admin"), 403);
  EXPECT_EQ(h.get("/x/../admin"), 403);
  EXPECT_EQ(h.get("/./admin/"), 403);
  EXPECT_EQ(h.get("/%61dmin"), 403);
  EXPECT_EQ(h.get("/admin\\x"), 403);
  EXPECT_EQ(h.get("/administrator"), 0);
}

TEST(AuthzPaths, CaseInsensitiveMatchingLowerCasesBothSides) {
  Harness sensitive(policy("deny", kDenyAdmin));
  EXPECT_EQ(sensitive.get("/ADMIN"), 0) << "Istio matches paths case-sensitively by default";
  Harness insensitive(policy("deny", R"(  action: DENY
  rules: [{to: [{operation: {paths: [/Admin/*, /admin]}}]}]
)"),
                      "  pathNormalization: {caseInsensitiveMatching: true}\n");
  ASSERT_TRUE(insensitive.loaded()) << insensitive.loadError();
  EXPECT_EQ(insensitive.get("/ADMIN"), 403);
  EXPECT_EQ(insensitive.get("/aDmIn/Users"), 403);
  EXPECT_EQ(insensitive.get("/ADMIN%2fx"), 403);
  EXPECT_EQ(insensitive.get("/public"), 0);
}

TEST(AuthzPaths, ExactAllowOfAnEncodedSlashIsAmbiguous) {
  // Documented consequence: the canonical reading (/files/a/b) must be allowed too.
  Harness h(policy("allow", "  rules: [{to: [{operation: {paths: [/files/a%2Fb]}}]}]\n"));
  EXPECT_EQ(h.get("/files/a%2Fb"), 403);
  Harness both(
      policy("allow", "  rules: [{to: [{operation: {paths: [/files/a%2Fb, /files/a/b]}}]}]\n"));
  EXPECT_EQ(both.get("/files/a%2Fb"), 0);
}

TEST(AuthzPaths, UnreadablePathIsDenied) {
  // The proxy rejects such paths with 400 before routing; the filter never guesses.
  Harness h(policy("deny", kDenyAdmin));
  Request r = get("/x");
  r.normalized_path = "/a%zz";
  Outcome o = h.run(r);
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->status, 403);
  EXPECT_EQ(o.reply->details, "rbac_access_denied_invalid_path");
}

TEST(AuthzPaths, PoliciesWithoutPathRulesSkipReadings) {
  Harness h(
      policy("deny", "  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}]\n"));
  Outcome o = h.run(get("/a%2Fb"));
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(o.log.find("authz_path_readings"), std::string::npos);
}

// ------------------------------------------------------------------ dry run

TEST(AuthzDryRun, DryRunDenyIsLoggedNotEnforced) {
  Harness h(policy("deny-admin", kDenyAdmin, "default", "{istio.io/dry-run: \"true\"}"));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/admin"));
  EXPECT_TRUE(o.allowed);
  EXPECT_NE(
      o.log.find(
          "\"authz_dry_run\":{\"deny\":{\"result\":\"denied\",\"policy\":\"default/deny-admin\"}}"),
      std::string::npos)
      << o.log;
  EXPECT_TRUE(
      o.hasMetric("meshgate_authz_dry_run_total{listener=\"default/main\",route=\"default/vs/"
                  "r\",action=\"DENY\","
                  "result=\"denied\"}"))
      << o.metrics;
}

TEST(AuthzDryRun, DryRunAllowDoesNotCreateDefaultDeny) {
  Harness h(policy("allow-get", "  rules: [{to: [{operation: {methods: [GET]}}]}]\n", "default",
                   "{istio.io/dry-run: \"1\"}"));
  Request post = get("/");
  post.method = "POST";
  Outcome o = h.run(post);
  EXPECT_TRUE(o.allowed) << "a dry-run ALLOW policy does not enforce default-deny";
  EXPECT_NE(o.log.find("\"allow\":{\"result\":\"denied\"}"), std::string::npos) << o.log;
  Outcome g = h.run(get("/"));
  EXPECT_NE(g.log.find("\"allow\":{\"result\":\"allowed\",\"policy\":\"default/allow-get\"}"),
            std::string::npos)
      << g.log;
}

TEST(AuthzDryRun, UnparsableAnnotationEnforces) {
  Harness h(policy("deny-admin", kDenyAdmin, "default", "{istio.io/dry-run: \"maybe\"}"));
  EXPECT_EQ(h.get("/admin"), 403);
}

TEST(AuthzDryRun, FalseAnnotationEnforces) {
  Harness h(policy("deny-admin", kDenyAdmin, "default", "{istio.io/dry-run: \"false\"}"));
  EXPECT_EQ(h.get("/admin"), 403);
}

// ------------------------------------------------------------------ CUSTOM

class FakeAuthorizer final : public CustomAuthorizer {
 public:
  std::function<CustomDecision(const CustomCheck&)> decide;
  mutable int calls = 0;
  mutable std::string last_body;
  mutable bool last_truncated = false;
  mutable bool last_dry_run = false;
  mutable std::vector<std::string> last_policies;
  mutable std::string last_provider;

  CustomDecision check(const CustomCheck& c) const override {
    ++calls;
    last_body = std::string(c.body);
    last_truncated = c.body_truncated;
    last_dry_run = c.dry_run;
    last_policies.assign(c.policies.begin(), c.policies.end());
    last_provider = c.provider.meta.name;
    return decide(c);
  }
};

CustomDecision allowDecision() {
  CustomDecision d;
  d.result = CustomDecision::Result::Allow;
  return d;
}

/// Registers `authorizer` for `name` for the scope of a test.
class ScopedAuthorizer {
 public:
  ScopedAuthorizer(std::string name, std::shared_ptr<FakeAuthorizer> authorizer)
      : name_(std::move(name)) {
    registerCustomAuthorizer(
        name_, [authorizer](const config::PolicyProvider&, filter_api::BuildServices&) {
          return base::Result<std::shared_ptr<const CustomAuthorizer>>(
              std::shared_ptr<const CustomAuthorizer>(authorizer));
        });
  }
  ~ScopedAuthorizer() { unregisterCustomAuthorizer(name_); }

 private:
  std::string name_;
};

const char* const kCustomAdmin = R"(  action: CUSTOM
  provider: {name: opa}
  rules: [{to: [{operation: {paths: [/admin/*]}}]}]
)";

TEST(AuthzCustom, WithoutAuthorizerTheSelectedRequestsAreDenied) {
  Harness h(provider("opa") + policy("ext", kCustomAdmin));
  ASSERT_TRUE(h.loaded()) << h.loadError();
  Outcome o = h.run(get("/admin/x"));
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->status, 403);
  EXPECT_EQ(o.reply->body, "RBAC: access denied");
  EXPECT_EQ(o.reply->details, "ext_authz_error");
  EXPECT_EQ(o.reply->response_flags,
            static_cast<uint32_t>(proxy::ResponseFlag::UnauthorizedExternalService));
  EXPECT_NE(o.log.find("\"authz_custom\":[{\"provider\":\"opa\",\"result\":\"error\""),
            std::string::npos)
      << o.log;
  EXPECT_TRUE(o.hasMetric(
      "meshgate_authz_custom_errors_total{listener=\"default/main\",route=\"default/vs/r\","
      "provider=\"opa\",reason=\"no_authorizer\"}"))
      << o.metrics;
  EXPECT_TRUE(o.hasMetric(
      "meshgate_authz_denied_total{listener=\"default/main\",route=\"default/vs/r\",action="
      "\"CUSTOM\",policy=\"default/ext\"}"))
      << o.metrics;
  EXPECT_TRUE(h.run(get("/public")).allowed) << "requests the rules do not select pass";
}

TEST(AuthzCustom, RunsFirstAndItsAllowDoesNotSkipDeny) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) { return allowDecision(); };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa") + policy("ext", kCustomAdmin) + policy("deny", R"(  action: DENY
  rules: [{to: [{operation: {paths: [/admin/secret]}}]}]
)"));
  EXPECT_EQ(h.get("/admin/x"), 0);
  EXPECT_EQ(fake->calls, 1);
  EXPECT_EQ(fake->last_provider, "opa");
  EXPECT_EQ(fake->last_policies, std::vector<std::string>{"default/ext"});
  EXPECT_FALSE(fake->last_dry_run);
  EXPECT_EQ(h.get("/admin/secret"), 403) << "DENY still applies after CUSTOM allowed";
  EXPECT_EQ(fake->calls, 2);
  EXPECT_EQ(h.get("/public"), 0);
  EXPECT_EQ(fake->calls, 2) << "not called for requests its rules do not select";
}

TEST(AuthzCustom, DenyUsesTheProvidersReply) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) {
    CustomDecision d;
    d.result = CustomDecision::Result::Deny;
    d.status = 401;
    d.body = "{\"reason\":\"no\"}";
    d.response_headers = {{"www-authenticate", "Bearer"}};
    return d;
  };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa") + policy("ext", kCustomAdmin) +
            policy("deny-all", "  action: DENY\n  rules: [{}]\n"));
  Outcome o = h.run(get("/admin/x"));
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->status, 401);
  EXPECT_EQ(o.reply->body, "{\"reason\":\"no\"}");
  EXPECT_EQ(o.reply->details, "ext_authz_denied");
  ASSERT_EQ(o.reply->headers.size(), 1u);
  EXPECT_EQ(o.reply->headers[0].first, "www-authenticate");
  EXPECT_NE(o.log.find("\"authz_action\":\"CUSTOM\""), std::string::npos)
      << "CUSTOM decided before DENY: " << o.log;
  EXPECT_TRUE(o.hasMetric(
      "meshgate_authz_custom_checks_total{listener=\"default/main\",route=\"default/vs/r\","
      "provider=\"opa\",result=\"denied\"}"))
      << o.metrics;
}

TEST(AuthzCustom, AllowAppliesHeaderMutations) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) {
    CustomDecision d = allowDecision();
    d.request_headers = {{"x-user", "alice"}};
    d.request_headers_to_remove = {"authorization"};
    d.response_headers = {{"x-decision", "allowed"}};
    return d;
  };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa") + policy("ext", kCustomAdmin));
  Request r = withHeader(get("/admin/x"), "authorization", "Bearer t");
  Outcome o = h.run(r);
  EXPECT_TRUE(o.allowed);
  bool has_user = false, has_auth = false;
  for (const auto& [k, v] : o.request_headers) {
    has_user = has_user || (k == "x-user" && v == "alice");
    has_auth = has_auth || k == "authorization";
  }
  EXPECT_TRUE(has_user);
  EXPECT_FALSE(has_auth);
  ASSERT_EQ(o.response_headers.size(), 1u);
  EXPECT_EQ(o.response_headers[0].second, "allowed");
}

TEST(AuthzCustom, ErrorsFailClosedUnlessFailOpen) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) {
    CustomDecision d;
    d.result = CustomDecision::Result::Error;
    d.message = "budget exceeded";
    return d;
  };
  ScopedAuthorizer reg("opa", fake);
  Harness closed(provider("opa") + policy("ext", kCustomAdmin));
  Outcome o = closed.run(get("/admin/x"));
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->status, 403);
  EXPECT_EQ(o.reply->details, "ext_authz_error");
  EXPECT_NE(o.log.find("budget exceeded"), std::string::npos) << o.log;
  EXPECT_TRUE(o.hasMetric(
      "meshgate_authz_custom_errors_total{listener=\"default/main\",route=\"default/vs/r\","
      "provider=\"opa\",reason=\"error\"}"))
      << o.metrics;
  Harness open(provider("opa", "  failOpen: true\n") + policy("ext", kCustomAdmin));
  EXPECT_EQ(open.get("/admin/x"), 0);
}

TEST(AuthzCustom, ProvidersRunInNameOrder) {
  std::vector<std::string> order;
  auto a = std::make_shared<FakeAuthorizer>();
  auto b = std::make_shared<FakeAuthorizer>();
  a->decide = [&order](const CustomCheck&) {
    order.push_back("alpha");
    return allowDecision();
  };
  b->decide = [&order](const CustomCheck&) {
    order.push_back("beta");
    CustomDecision d;
    d.result = CustomDecision::Result::Deny;
    return d;
  };
  ScopedAuthorizer ra("alpha", a);
  ScopedAuthorizer rb("beta", b);
  Harness h(provider("beta") + provider("alpha") +
            policy("b", "  action: CUSTOM\n  provider: {name: beta}\n  rules: [{}]\n") +
            policy("a", "  action: CUSTOM\n  provider: {name: alpha}\n  rules: [{}]\n"));
  EXPECT_EQ(h.get("/"), 403);
  EXPECT_EQ(order, (std::vector<std::string>{"alpha", "beta"}));
}

TEST(AuthzCustom, AnyProviderRegistration) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) { return allowDecision(); };
  ScopedAuthorizer reg(std::string(kAnyProvider), fake);
  Harness h(provider("whatever") +
            policy("ext", "  action: CUSTOM\n  provider: {name: whatever}\n  rules: [{}]\n"));
  EXPECT_EQ(h.get("/"), 0);
  EXPECT_EQ(fake->last_provider, "whatever");
}

TEST(AuthzCustom, FactoryErrorRejectsTheGeneration) {
  registerCustomAuthorizer("broken", [](const config::PolicyProvider&, filter_api::BuildServices&) {
    return base::Result<std::shared_ptr<const CustomAuthorizer>>(
        base::Error{"bundle: policy.rego:3: unexpected token"});
  });
  Harness h(provider("broken") +
            policy("ext", "  action: CUSTOM\n  provider: {name: broken}\n  rules: [{}]\n"));
  EXPECT_NE(h.buildError().find("policy.rego:3: unexpected token"), std::string::npos)
      << h.buildError();
  unregisterCustomAuthorizer("broken");
}

TEST(AuthzCustom, BodyIsCapturedWhenTheProviderAsksForIt) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) { return allowDecision(); };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa", "  includeRequestBody: {maxBytes: 10, allowPartial: true}\n") +
            policy("ext", kCustomAdmin));
  Request r = get("/admin/x");
  r.method = "POST";
  r.body = {"hello ", "world!"};
  Outcome o = h.run(r);
  EXPECT_EQ(o.buffer_requested, 11u);
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(fake->last_body, "hello worl");
  EXPECT_TRUE(fake->last_truncated);

  r.body = {"tiny"};
  o = h.run(r);
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(fake->last_body, "tiny");
  EXPECT_FALSE(fake->last_truncated);

  Request no_body = get("/admin/x");
  o = h.run(no_body);
  EXPECT_EQ(o.buffer_requested, 0u) << "nothing to wait for";
  EXPECT_EQ(fake->last_body, "");
}

TEST(AuthzCustom, OversizedBodyIs413WithoutAllowPartial) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) { return allowDecision(); };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa", "  includeRequestBody: {maxBytes: 4, allowPartial: false}\n") +
            policy("ext", kCustomAdmin));
  Request r = get("/admin/x");
  r.method = "POST";
  r.body = {"too long"};
  Outcome o = h.run(r);
  EXPECT_EQ(o.code(), 413);
  EXPECT_EQ(fake->calls, 0);
  r.body = {"ok"};
  EXPECT_TRUE(h.run(r).allowed);
}

TEST(AuthzCustom, DryRunCustomIsCalledButNotEnforced) {
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) {
    CustomDecision d;
    d.result = CustomDecision::Result::Deny;
    return d;
  };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa") +
            policy("ext", kCustomAdmin, "default", "{istio.io/dry-run: \"true\"}"));
  Outcome o = h.run(get("/admin/x"));
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(fake->calls, 1);
  EXPECT_TRUE(fake->last_dry_run);
  EXPECT_NE(o.log.find("\"result\":\"denied\",\"dry_run\":true"), std::string::npos) << o.log;
  EXPECT_TRUE(o.hasMetric(
      "meshgate_authz_dry_run_total{listener=\"default/main\",route=\"default/vs/r\",action="
      "\"CUSTOM\",result=\"denied\"}"))
      << o.metrics;
}

TEST(AuthzCustom, ACustomDenialIsNotAudited) {
  // Istio's filter order: ext_authz before the RBAC LOG (AUDIT) filter.
  auto fake = std::make_shared<FakeAuthorizer>();
  fake->decide = [](const CustomCheck&) {
    CustomDecision d;
    d.result = CustomDecision::Result::Deny;
    return d;
  };
  ScopedAuthorizer reg("opa", fake);
  Harness h(provider("opa") + policy("ext", kCustomAdmin) +
            policy("audit-all", "  action: AUDIT\n  rules: [{}]\n"));
  Outcome denied = h.run(get("/admin/x"));
  EXPECT_EQ(denied.code(), 403);
  EXPECT_EQ(denied.log.find("authz_audit"), std::string::npos) << denied.log;
  Outcome other = h.run(get("/x"));
  EXPECT_TRUE(other.allowed);
  EXPECT_NE(other.log.find("authz_audit"), std::string::npos) << other.log;
}

TEST(AuthzCustom, DryRunWithoutAuthorizerIsNotEnforced) {
  Harness h(provider("opa") +
            policy("ext", kCustomAdmin, "default", "{istio.io/dry-run: \"true\"}"));
  EXPECT_EQ(h.get("/admin/x"), 0);
}

// ------------------------------------------------------------------ metrics and log

TEST(AuthzObservability, AllowedAndDeniedCounters) {
  Harness h(policy("allow-get", "  rules: [{to: [{operation: {methods: [GET]}}]}]\n") +
            policy("deny-admin", kDenyAdmin));
  const std::string labels = "listener=\"default/main\",route=\"default/vs/r\"";
  Outcome ok = h.run(get("/"));
  EXPECT_TRUE(ok.hasMetric("meshgate_authz_allowed_total{" + labels + "}")) << ok.metrics;
  EXPECT_NE(
      ok.log.find("\"authz_result\":\"allowed\",\"authz_action\":\"ALLOW\",\"authz_policy\":"
                  "\"default/allow-get\",\"authz_rule\":\"ns[default]-policy[allow-get]-rule[0]\""),
      std::string::npos)
      << ok.log;
  Outcome denied = h.run(get("/admin"));
  EXPECT_TRUE(denied.hasMetric("meshgate_authz_denied_total{" + labels +
                               ",action=\"DENY\",policy=\"default/deny-admin\"}"))
      << denied.metrics;
  EXPECT_TRUE(denied.hasMetric("meshgate_authz_allowed_total{" + labels + "}", 0));
  Request post = get("/");
  post.method = "POST";
  Outcome none = h.run(post);
  EXPECT_TRUE(
      none.hasMetric("meshgate_authz_denied_total{" + labels + ",action=\"ALLOW\",policy=\"\"}"))
      << none.metrics;
  EXPECT_NE(none.log.find("\"authz_result\":\"denied\",\"authz_action\":\"ALLOW\""),
            std::string::npos)
      << none.log;
}

}  // namespace
}  // namespace meshgate::filters::authz
