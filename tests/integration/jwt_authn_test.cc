// SPDX-License-Identifier: Apache-2.0
// JWT authentication (Istio RequestAuthentication) through the real binary, with keys made by
// the openssl command line at test time: every rejection Envoy makes, a request without a
// token, token stripping and forwarding, outputs to the upstream, access log and metrics, and
// key sets fetched from real local HTTP and HTTPS servers, including the first fetch that
// requests wait for and a key rotation.
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "jwt/base64.h"
#include "jwt/test_keys.h"
#include "testing/ports.h"
#include "testing/tls_server.h"
#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using jwt::Algorithm;
using jwt::TestKey;
using testing::HttpResponse;
using testing::MeshgateProcess;
using testing::TestUpstream;

const char* const kIssuer = "https://issuer.example";

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string claims(const std::string& iss = kIssuer, const std::string& aud = "api",
                   int64_t exp_offset = 600, const std::string& extra = "") {
  return R"({"iss":")" + iss + R"(","sub":"alice","aud":")" + aud + R"(","iat":)" +
         std::to_string(now() - 5) + R"(,"exp":)" + std::to_string(now() + exp_offset) + extra +
         "}";
}

std::string header(const std::string& alg, const std::string& kid) {
  return R"({"alg":")" + alg + R"(","kid":")" + kid + R"(","typ":"JWT"})";
}

const TestKey& keyA() {
  return TestKey::fromOpensslCli("RSA:2048");
}
const TestKey& keyB() {
  return TestKey::fromOpensslCli("EC:P-256");
}
const TestKey& rogueKey() {
  return TestKey::fromOpensslCli("RSA:3072");
}

std::string tokenA(const std::string& payload = claims()) {
  return jwt::makeToken(header("RS256", "a"), payload, keyA(), Algorithm::RS256);
}
std::string tokenB(const std::string& payload = claims()) {
  return jwt::makeToken(header("ES256", "b"), payload, keyB(), Algorithm::ES256);
}

std::vector<std::string> bearer(const std::string& token) {
  return {"Authorization: Bearer " + token};
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Two listeners in front of one upstream: "main" (workload app=api) strips tokens, "fwd"
/// (app=fwd) forwards them and outputs the payload and claims. Keys are inline.
class JwtAuthn : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = std::make_unique<TestUpstream>();
    log_path_ = dir_.file("access.log");
    const std::string jwks = jwt::jwksOf({keyA().jwk("a", "RS256")});
    std::string yaml = baseConfig("  workload: {labels: {app: api}}\n", log_path_) + R"(
apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: fwd}
spec:
  address: 127.0.0.1
  port: 0
  accessLog: {path: "off"}
  workload: {labels: {app: fwd}}
---
)" + serviceEntry("backend", "backend.example", upstream_->port()) +
                       R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: all}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: backend.example}}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  jwtRules:
  - issuer: )" + kIssuer +
                       R"(
    audiences: [api]
    jwks: ')" + jwks + R"('
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: fwd}
spec:
  selector: {matchLabels: {app: fwd}}
  jwtRules:
  - issuer: )" + kIssuer +
                       R"(
    jwks: ')" + jwks + R"('
    forwardOriginalToken: true
    outputPayloadToHeader: x-jwt-payload
    outputClaimToHeaders:
    - {header: x-jwt-sub, claim: sub}
    - {header: x-jwt-tier, claim: org.tier}
    fromHeaders: [{name: authorization, prefix: "Bearer "}]
    fromParams: [token]
)";
    mg_ = std::make_unique<MeshgateProcess>(MG_BINARY, yaml);
    port_ = mg_->listenerPort("default/main");
    fwd_port_ = mg_->listenerPort("default/fwd");
    ASSERT_NE(port_, 0);
    ASSERT_NE(fwd_port_, 0);
  }

  HttpResponse get(const std::string& target, const std::vector<std::string>& headers = {},
                   uint16_t port = 0) {
    auto r = testing::httpGet(port == 0 ? port_ : port, target, headers);
    EXPECT_TRUE(r.has_value());
    return r.value_or(HttpResponse{});
  }

  void expectDenied(const std::string& token, int status, const std::string& body,
                    const std::string& why) {
    const size_t before = upstream_->requestCount();
    HttpResponse r = get("/data?x=1", bearer(token));
    EXPECT_EQ(r.status, status) << why;
    EXPECT_EQ(r.body, body) << why;
    EXPECT_EQ(r.header("www-authenticate"),
              "Bearer realm=\"http://127.0.0.1:" + std::to_string(port_) +
                  "/data?x=1\", error=\"invalid_token\"")
        << why;
    EXPECT_EQ(upstream_->requestCount(), before) << why << ": reached the upstream";
  }

  testing::TempDir dir_;
  std::string log_path_;
  std::unique_ptr<TestUpstream> upstream_;
  std::unique_ptr<MeshgateProcess> mg_;
  uint16_t port_ = 0;
  uint16_t fwd_port_ = 0;
};

TEST_F(JwtAuthn, ValidTokenReachesTheUpstreamWithoutIt) {
  HttpResponse r = get("/data", bearer(tokenA()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "ok");
  const testing::ReceivedRequest seen = upstream_->lastRequest();
  EXPECT_EQ(seen.headerCount("authorization"), 0u);
  EXPECT_EQ(seen.target, "/data");
}

TEST_F(JwtAuthn, MissingTokenPassesWithNoIdentity) {
  HttpResponse r = get("/data", {"Authorization: Basic YWxpY2U6cHc="});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(upstream_->lastRequest().header("authorization"), "Basic YWxpY2U6cHc=");
  EXPECT_EQ(get("/data").status, 200);
}

TEST_F(JwtAuthn, EveryRejection) {
  expectDenied(tokenA(claims(kIssuer, "api", -600)), 401, "Jwt is expired", "expired");
  expectDenied(tokenA(claims(kIssuer, "api", 600, R"(,"nbf":)" + std::to_string(now() + 600))), 401,
               "Jwt not yet valid", "not yet valid");
  expectDenied(tokenA(claims("https://evil.example")), 401, "Jwt issuer is not configured",
               "wrong issuer");
  expectDenied(tokenA(claims(kIssuer, "other")), 403, "Audiences in Jwt are not allowed",
               "wrong audience");
  expectDenied(jwt::makeToken(header("RS256", "zz"), claims(), keyA(), Algorithm::RS256), 401,
               "Jwks doesn't have key to match kid or alg from Jwt", "unknown kid");
  expectDenied(jwt::makeToken(header("RS256", "a"), claims(), rogueKey(), Algorithm::RS256), 401,
               "Jwt verification fails", "wrong key");
  expectDenied(jwt::assembleToken(R"({"alg":"none","typ":"JWT"})", claims(), ""), 401,
               "Jwt header [alg] is not supported", "alg none");
  expectDenied(
      jwt::makeHmacToken(header("HS256", "a"), claims(), keyA().publicPem(), Algorithm::HS256), 401,
      "Jwks doesn't have key to match kid or alg from Jwt", "HS256 keyed with the RSA public key");
  const std::string good = tokenA();
  expectDenied(good.substr(0, good.rfind('.')), 401,
               "Jwt is not in the form of Header.Payload.Signature", "truncated");
  expectDenied(good.substr(0, good.find('.')) + ".e30$.c2ln", 401,
               "Jwt payload is an invalid Base64url encoded", "garbage payload");
  expectDenied("bm90anNvbg.e30.c2ln", 401, "Jwt header is an invalid JSON", "garbage header");
  std::string flipped = good;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  expectDenied(flipped, 401, "Jwt verification fails", "flipped signature");
}

TEST_F(JwtAuthn, AccessLogAndMetrics) {
  const std::string token = tokenA();
  ASSERT_EQ(get("/ok", bearer(token)).status, 200);
  ASSERT_EQ(get("/ok", bearer(token)).status, 200);
  ASSERT_EQ(get("/expired", bearer(tokenA(claims(kIssuer, "api", -600)))).status, 401);
  ASSERT_EQ(get("/none").status, 200);
  ASSERT_TRUE(testing::waitUntil([&] {
    const std::string log = readFile(log_path_);
    return log.find("/none") != std::string::npos && log.find("/expired") != std::string::npos;
  }));
  const std::string log = readFile(log_path_);
  EXPECT_NE(log.find(R"("jwt_status":"Ok","request_principal":"https://issuer.example/alice")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("jwt_status":"JwtExpired")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("jwt_status":"JwtMissed")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"(jwt_authn_access_denied{Jwt_is_expired})"), std::string::npos) << log;

  EXPECT_EQ(mg_->metric(R"(meshgate_jwt_authn_allowed_total{listener="default/main"})"), 2);
  EXPECT_EQ(mg_->metric(R"(meshgate_jwt_authn_missing_total{listener="default/main"})"), 1);
  EXPECT_EQ(mg_->metric(
                R"(meshgate_jwt_authn_denied_total{listener="default/main",reason="JwtExpired"})"),
            1);
  // Each worker verifies a token once and then serves it from its cache: the good token
  // missed on the first worker that saw it (and maybe on the other), the expired one always.
  const double hits =
      mg_->metric(R"(meshgate_jwt_authn_jwt_cache_hits_total{listener="default/main"})");
  const double misses =
      mg_->metric(R"(meshgate_jwt_authn_jwt_cache_misses_total{listener="default/main"})");
  EXPECT_EQ(hits + misses, 3);
  EXPECT_GE(misses, 2);
}

TEST_F(JwtAuthn, ForwardedTokenAndOutputsReachTheUpstream) {
  const std::string payload = claims(kIssuer, "api", 600, R"(,"org":{"tier":"gold"})");
  const std::string token = tokenA(payload);
  HttpResponse r =
      get("/f", {"Authorization: Bearer " + token, "X-Jwt-Sub: forged", "X-Jwt-Payload: forged"},
          fwd_port_);
  ASSERT_EQ(r.status, 200) << r.body;
  const testing::ReceivedRequest seen = upstream_->lastRequest();
  EXPECT_EQ(seen.header("authorization"), "Bearer " + token);
  EXPECT_EQ(seen.headerCount("x-jwt-sub"), 1u);
  EXPECT_EQ(seen.header("x-jwt-sub"), "alice");
  EXPECT_EQ(seen.header("x-jwt-tier"), "gold");
  EXPECT_EQ(seen.headerCount("x-jwt-payload"), 1u);
  EXPECT_EQ(seen.header("x-jwt-payload"), jwt::base64UrlEncode(payload));

  // Without a token, forged output headers are removed all the same.
  ASSERT_EQ(get("/f", {"X-Jwt-Sub: forged"}, fwd_port_).status, 200);
  EXPECT_EQ(upstream_->lastRequest().headerCount("x-jwt-sub"), 0u);

  // A token in a query parameter (fromParams) is forwarded too.
  ASSERT_EQ(get("/q?token=" + token + "&a=1", {}, fwd_port_).status, 200);
  EXPECT_EQ(upstream_->lastRequest().target, "/q?token=" + token + "&a=1");
  EXPECT_EQ(get("/q?token=" + tokenA(claims(kIssuer, "api", -600)), {}, fwd_port_).status, 401);
}

// ------------------------------------------------------------------ jwksUri

/// A JWKS origin whose replies the test controls, and which can hold a reply until released.
class JwksOrigin {
 public:
  JwksOrigin()
      : server_([this](const testing::ReceivedRequest&) {
          std::unique_lock<std::mutex> lock(mu_);
          ++fetches_;
          cv_.notify_all();
          // Bounded: a held reply is released by the test or after 10 s.
          cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !hold_; });
          testing::UpstreamReply r;
          r.status = status_;
          r.body = body_;
          r.headers = {{"content-type", "application/json"}};
          return r;
        }) {}
  ~JwksOrigin() { release(); }

  void serve(std::string body, int status = 200) {
    std::lock_guard<std::mutex> lock(mu_);
    body_ = std::move(body);
    status_ = status;
  }
  void hold() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  int fetches() {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches_;
  }
  std::string uri() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/jwks"; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string body_;
  int status_ = 200;
  bool hold_ = false;
  int fetches_ = 0;
  TestUpstream server_;
};

std::string remoteConfig(const std::string& uri, uint16_t upstream_port,
                         const std::string& refresh = "20m", const std::string& timeout = "3s",
                         const std::string& audiences = "[]") {
  return baseConfig() + serviceEntry("backend", "backend.example", upstream_port) + R"(
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: all}
spec:
  hosts: ["*"]
  http:
  - route: [{destination: {host: backend.example}}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: remote
  annotations: {meshgate.io/jwks-refresh-interval: )" +
         refresh + R"(}
spec:
  jwtRules:
  - issuer: )" +
         kIssuer + R"(
    jwksUri: )" +
         uri + R"(
    timeout: )" +
         timeout + R"(
    audiences: )" +
         audiences + "\n";
}

TEST(JwtAuthnRemote, FirstFetchIsAwaitedThenKeysRotate) {
  TestUpstream upstream;
  JwksOrigin origin;
  origin.serve(jwt::jwksOf({keyA().jwk("a", "RS256")}));
  origin.hold();
  MeshgateProcess mg(MG_BINARY, remoteConfig(origin.uri(), upstream.port(), "1s"));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_NE(port, 0);
  ASSERT_TRUE(testing::waitUntil([&] { return origin.fetches() >= 1; }));

  // The first fetch is held: a request with a token waits for it, then passes.
  testing::HttpConnection waiting(port);
  ASSERT_TRUE(waiting.send("GET /first HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tokenA() +
                           "\r\n\r\n"));
  ASSERT_TRUE(testing::waitUntil([&] {
    return mg.metric(R"(meshgate_jwt_authn_jwks_waits_total{listener="default/main"})") >= 1;
  }));
  // Meanwhile requests without a token are not held.
  auto none = testing::httpGet(port, "/none");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 200);
  origin.release();
  auto first = waiting.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_GE(mg.metric(R"(meshgate_jwt_authn_jwks_fetches_total{uri=")" + origin.uri() +
                      R"(",result="ok"})"),
            1);
  EXPECT_EQ(testing::httpGet(port, "/", bearer(tokenB()))->status, 401);

  // Rotation: the issuer now publishes B only. After the next refresh B is accepted and A,
  // whose key is gone, is refused (cached verifications of A are dropped with its key set).
  origin.serve(jwt::jwksOf({keyB().jwk("b", "ES256")}));
  ASSERT_TRUE(testing::waitUntil(
      [&] { return testing::httpGet(port, "/", bearer(tokenB()))->status == 200; },
      std::chrono::seconds(15)));
  auto old = testing::httpGet(port, "/", bearer(tokenA()));
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 401);
  EXPECT_EQ(old->body, "Jwks doesn't have key to match kid or alg from Jwt");
  EXPECT_GE(mg.metric(R"(meshgate_jwt_authn_jwks_keys{uri=")" + origin.uri() + R"("})"), 1);

  // A failing issuer: the last good keys stay in use.
  origin.serve("", 503);
  const double failed_before = mg.metric(R"(meshgate_jwt_authn_jwks_fetches_total{uri=")" +
                                         origin.uri() + R"(",result="failed"})");
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        return mg.metric(R"(meshgate_jwt_authn_jwks_fetches_total{uri=")" + origin.uri() +
                         R"(",result="failed"})") > failed_before;
      },
      std::chrono::seconds(15)));
  EXPECT_EQ(testing::httpGet(port, "/", bearer(tokenB()))->status, 200);
}

TEST(JwtAuthnRemote, AWaitEndsWithTheFetchTimeout) {
  TestUpstream upstream;
  JwksOrigin origin;
  origin.serve(jwt::jwksOf({keyA().jwk("a", "RS256")}));
  origin.hold();
  MeshgateProcess mg(MG_BINARY, remoteConfig(origin.uri(), upstream.port(), "20m", "500ms"));
  const uint16_t port = mg.listenerPort("default/main");
  const auto start = std::chrono::steady_clock::now();
  auto r = testing::httpGet(port, "/", bearer(tokenA()));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, "Jwks remote fetch is failed");
  EXPECT_LT(waited, std::chrono::seconds(5));
  origin.release();
}

TEST(JwtAuthnRemote, ReloadsKeepTheFetchedKeys) {
  TestUpstream upstream;
  JwksOrigin origin;
  origin.serve(jwt::jwksOf({keyA().jwk("a", "RS256")}));
  MeshgateProcess mg(MG_BINARY, remoteConfig(origin.uri(), upstream.port()));
  const uint16_t port = mg.listenerPort("default/main");
  ASSERT_EQ(testing::httpGet(port, "/", bearer(tokenA()))->status, 200);
  ASSERT_EQ(origin.fetches(), 1);
  // The rule changes (its audiences), its jwksUri does not: no new fetch, and the keys are
  // there at once for the new generation.
  mg.writeConfig(remoteConfig(origin.uri(), upstream.port(), "20m", "3s", "[other]"));
  ASSERT_TRUE(testing::waitUntil(
      [&] { return mg.metric("meshgate_config_reloads_total{result=\"success\"}") >= 1; }));
  auto r = testing::httpGet(port, "/", bearer(tokenA()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);  // the new audiences apply
  EXPECT_EQ(r->body, "Audiences in Jwt are not allowed");
  EXPECT_EQ(testing::httpGet(port, "/", bearer(tokenA(claims(kIssuer, "other"))))->status, 200);
  EXPECT_EQ(origin.fetches(), 1);
}

TEST(JwtAuthnRemote, UnreachableIssuerFailsTokensNotRequests) {
  TestUpstream upstream;
  const uint16_t closed = testing::pickFreePort();
  MeshgateProcess mg(MG_BINARY, remoteConfig("http://127.0.0.1:" + std::to_string(closed) + "/k",
                                             upstream.port()));
  const uint16_t port = mg.listenerPort("default/main");
  auto r = testing::httpGet(port, "/", bearer(tokenA()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, "Jwks remote fetch is failed");
  EXPECT_EQ(testing::httpGet(port, "/")->status, 200);
}

TEST(JwtAuthnRemote, HttpsWithTheSystemTrustStore) {
  testing::TempDir dir;
  const testing::TestPki pki = testing::TestPki::generate(dir);
  const std::string jwks = jwt::jwksOf({keyA().jwk("a", "RS256")});
  testing::TlsTestServer good(pki.server_cert, pki.server_key, [&](const std::string&) {
    return testing::TlsTestServer::Reply{200, jwks};
  });
  testing::TlsTestServer rogue(pki.rogue_cert, pki.rogue_key, [&](const std::string&) {
    return testing::TlsTestServer::Reply{200, jwks};
  });
  TestUpstream upstream;
  // The test CA plays the system store: OpenSSL's default paths honour SSL_CERT_FILE.
  testing::MeshgateOptions options;
  options.env["SSL_CERT_FILE"] = pki.ca_cert;
  MeshgateProcess trusted(
      MG_BINARY,
      remoteConfig("https://localhost:" + std::to_string(good.port()) + "/jwks", upstream.port()),
      options);
  auto ok = testing::httpGet(trusted.listenerPort("default/main"), "/", bearer(tokenA()));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_GE(good.requests(), 1);

  MeshgateProcess untrusted(
      MG_BINARY,
      remoteConfig("https://localhost:" + std::to_string(rogue.port()) + "/jwks", upstream.port()),
      options);
  auto refused = testing::httpGet(untrusted.listenerPort("default/main"), "/", bearer(tokenA()));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->body, "Jwks remote fetch is failed");
  EXPECT_EQ(rogue.requests(), 0);
  EXPECT_TRUE(untrusted.process().waitForOutput("certificate verification failed"));
}

TEST(JwtAuthnExample, RunsAsDocumented) {
  std::string yaml = readFile(std::string(MG_SOURCE_DIR) + "/examples/jwt_authn.yaml");
  const size_t at = yaml.find("# DEMO_TOKEN=");
  ASSERT_NE(at, std::string::npos);
  const size_t start = at + std::string("# DEMO_TOKEN=").size();
  const std::string token = yaml.substr(start, yaml.find('\n', start) - start);
  // The example's fixed ports, moved to free ones, and an admin listener on port 0.
  for (const char* fixed : {"18300", "18301", "18302"}) {
    const std::string port = std::to_string(testing::pickFreePort());
    for (size_t p = yaml.find(fixed); p != std::string::npos; p = yaml.find(fixed, p))
      yaml.replace(p, 5, port);
  }
  yaml =
      "apiVersion: meshgate.io/v1\nkind: Admin\nmetadata: {name: admin}\n"
      "spec: {address: 127.0.0.1, port: 0}\n---\n" +
      yaml;
  MeshgateProcess mg(MG_BINARY, yaml);
  const uint16_t port = mg.listenerPort("shop/api");
  ASSERT_NE(port, 0);
  auto ok = testing::httpGet(port, "/hello", bearer(token));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_NE(ok->body.find(R"("x-jwt-sub":"demo-user")"), std::string::npos) << ok->body;
  EXPECT_EQ(ok->body.find("authorization"), std::string::npos) << ok->body;
  EXPECT_EQ(testing::httpGet(port, "/hello")->status, 200);
  EXPECT_EQ(testing::httpGet(port, "/hello", bearer("x.y.z"))->status, 401);
}

}  // namespace
}  // namespace meshgate::integration
