// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/jwt_authn_filter.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "filters/jwt_authn/claims_view.h"
#include "filters/jwt_authn/test_util.h"
#include "testing/fake_filter_context.h"
#include "testing/ports.h"
#include "testing/test_upstream.h"

namespace meshgate::filters::jwt_authn {
namespace {

using filter_api::FilterStatus;
using std::chrono::milliseconds;
using namespace test;

class JwtFilter : public ::testing::Test {
 protected:
  JwtFilter() {
    listener_.meta.name = "main";
    listener_.meta.namespace_ = "default";
  }

  /// Compiles RequestAuthentication YAML for the listener default/main.
  std::shared_ptr<const FilterConfig> compile(const std::string& yaml,
                                              event::EventLoop* main_loop = nullptr,
                                              metrics::Registry* registry = nullptr) {
    auto loaded = config::loadText(yaml);
    EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.toString();
    if (!loaded.ok()) return nullptr;
    configs_.push_back(loaded.config);
    filter_api::ChainSite site;
    site.config = loaded.config.get();
    site.listener = &listener_;
    site.listener_name = "default/main";
    filter_api::BuildServices services;
    services.shared = &shared_;
    services.main_loop = main_loop;
    services.metrics = registry;
    auto cfg = JwtAuthnConfigFactory::compile(site, services);
    EXPECT_TRUE(cfg.ok()) << cfg.error().message;
    return cfg.ok() ? *cfg : nullptr;
  }

  struct Run {
    FilterStatus status = FilterStatus::Continue;
    std::unique_ptr<testing::FakeFilterContext> ctx;
    std::unique_ptr<JwtAuthnFilter> filter;

    const filter_api::LocalReply& reply() const { return *ctx->reply(); }
    const filter_api::RequestIdentity* identity() const { return ctx->identity(); }
    http::HeaderMap& headers() { return ctx->head().headers(); }
  };

  /// A fresh context and filter; `setup` adds headers or changes the target first.
  Run start(const std::shared_ptr<const FilterConfig>& cfg,
            const std::function<void(http::RequestHead&)>& setup) {
    Run r;
    r.ctx = std::make_unique<testing::FakeFilterContext>();
    EXPECT_EQ(r.ctx->head().setTarget("/path?x=1"), http::TargetError::None);
    r.ctx->head().headers().set("x-forwarded-proto", "http");
    setup(r.ctx->head());
    r.filter = std::make_unique<JwtAuthnFilter>(cfg);
    r.status = r.filter->onRequestHeaders(*r.ctx, true);
    return r;
  }

  Run bearer(const std::shared_ptr<const FilterConfig>& cfg, const std::string& token) {
    return start(
        cfg, [&](http::RequestHead& h) { h.headers().add("authorization", "Bearer " + token); });
  }

  /// Expects a local reply for `status`.
  static void expectDenied(const Run& r, int http_status, const std::string& body) {
    ASSERT_EQ(r.status, FilterStatus::Respond);
    ASSERT_TRUE(r.ctx->reply());
    EXPECT_EQ(r.reply().status, http_status);
    EXPECT_EQ(r.reply().body, body);
    ASSERT_EQ(r.reply().headers.size(), 1u);
    EXPECT_EQ(r.reply().headers[0].first, "www-authenticate");
    EXPECT_EQ(r.reply().headers[0].second,
              R"(Bearer realm="http://example.com/path?x=1", error="invalid_token")");
    EXPECT_EQ(r.identity(), nullptr);
  }

  config::Listener listener_;
  // Declared before the shared state: key providers fetch on it and die first.
  event::EventLoop main_loop_;
  filter_api::SharedState shared_;
  std::vector<std::shared_ptr<const config::ConfigSet>> configs_;
};

TEST_F(JwtFilter, ValidTokenSetsTheIdentityAndIsStripped) {
  auto cfg = compile(policy("jwt", kIssuer));
  ASSERT_TRUE(cfg);
  const std::string token = rs256(claims(
      kIssuer,
      R"(,"azp":"web","groups":["dev","ops"],"scope":"read write","realm":{"roles":["admin"]})"));
  Run r = bearer(cfg, token);
  ASSERT_EQ(r.status, FilterStatus::Continue);
  EXPECT_FALSE(r.ctx->reply());
  ASSERT_NE(r.identity(), nullptr);
  const filter_api::RequestIdentity& id = *r.identity();
  EXPECT_EQ(id.request_principal, "https://issuer.example/alice");
  EXPECT_EQ(id.audiences, std::vector<std::string>{"api"});
  EXPECT_EQ(id.presenter, "web");
  EXPECT_EQ(id.token, token);
  ASSERT_TRUE(id.claims);
  EXPECT_EQ(id.claims->values({"groups"}), (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(id.claims->values({"scope"}), (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(id.claims->values({"realm", "roles"}), std::vector<std::string>{"admin"});
  EXPECT_EQ(id.claims->values({"sub"}), std::vector<std::string>{"alice"});
  EXPECT_TRUE(id.claims->values({"exp"}).empty());
  EXPECT_TRUE(id.claims->values({"nope"}).empty());
  EXPECT_NE(id.claims->json().find(R"("azp":"web")"), std::string::npos);
  // forwardOriginalToken defaults to false: the Authorization field is gone.
  EXPECT_FALSE(r.headers().has(http::HeaderId::Authorization));
  EXPECT_NE(r.ctx->logFields().find(R"("jwt_status":"Ok")"), std::string::npos);
  EXPECT_NE(r.ctx->logFields().find(R"("request_principal":"https://issuer.example/alice")"),
            std::string::npos);
}

TEST_F(JwtFilter, NoTokenPassesWithNoIdentity) {
  auto cfg = compile(policy("jwt", kIssuer));
  Run r =
      start(cfg, [](http::RequestHead& h) { h.headers().add("authorization", "Basic dXNlcg=="); });
  EXPECT_EQ(r.status, FilterStatus::Continue);
  EXPECT_EQ(r.identity(), nullptr);
  EXPECT_FALSE(r.ctx->reply());
  EXPECT_EQ(r.headers().get("authorization"), "Basic dXNlcg==");
  EXPECT_EQ(r.ctx->logFields(), R"("jwt_status":"JwtMissed")");
}

TEST_F(JwtFilter, InvalidTokensAreRejectedWithEnvoysAnswers) {
  auto cfg = compile(policy("jwt", kIssuer, "    audiences: [api]\n"));
  expectDenied(bearer(cfg, rs256(claims(kIssuer, "", "api", -120))), 401, "Jwt is expired");
  expectDenied(bearer(cfg, rs256(claims(kIssuer, R"(,"nbf":)" + std::to_string(kNow + 120)))), 401,
               "Jwt not yet valid");
  expectDenied(bearer(cfg, rs256(claims("https://evil.example"))), 401,
               "Jwt issuer is not configured");
  // A token for another audience is 403, as Envoy answers.
  expectDenied(bearer(cfg, rs256(claims(kIssuer, "", "other"))), 403,
               "Audiences in Jwt are not allowed");
  expectDenied(bearer(cfg, rs256(claims(), "k9")), 401,
               "Jwks doesn't have key to match kid or alg from Jwt");
  expectDenied(bearer(cfg, jwt::makeToken(header("RS256", "k1"), claims(), otherRsaKey(),
                                          jwt::Algorithm::RS256)),
               401, "Jwt verification fails");
}

TEST_F(JwtFilter, ForgeriesAndMalformedTokensAreRejected) {
  auto cfg = compile(policy("jwt", kIssuer));
  // alg: none, unsigned, and with a junk signature.
  expectDenied(bearer(cfg, jwt::assembleToken(R"({"alg":"none"})", claims(), "")), 401,
               "Jwt header [alg] is not supported");
  expectDenied(bearer(cfg, jwt::assembleToken(R"({"alg":"RS256","kid":"k1"})", claims(), "")), 401,
               "Jwt is not in the form of Header.Payload.Signature");
  expectDenied(bearer(cfg, jwt::assembleToken(R"({"alg":"none"})", claims(), "sig")), 401,
               "Jwt header [alg] is not supported");
  // HS256 keyed with the RSA public key (PEM) against an RSA key set: no key fits HS256.
  expectDenied(bearer(cfg, jwt::makeHmacToken(header("HS256", "k1"), claims(), rsaKey().publicPem(),
                                              jwt::Algorithm::HS256)),
               401, "Jwks doesn't have key to match kid or alg from Jwt");
  // An ES256 header on an RSA signature, and an ES256 token naming the RSA key (kid k1 is
  // the RSA key, k2 the EC key).
  expectDenied(
      bearer(cfg, jwt::makeToken(header("ES256", "k1"), claims(), rsaKey(), jwt::Algorithm::RS256)),
      401, "Jwt ECDSA signature is wrong length");
  expectDenied(
      bearer(cfg, jwt::makeToken(header("ES256", "k1"), claims(), ecKey(), jwt::Algorithm::ES256)),
      401, "Jwks doesn't have key to match kid or alg from Jwt");
  EXPECT_EQ(
      bearer(cfg, jwt::makeToken(header("ES256", "k2"), claims(), ecKey(), jwt::Algorithm::ES256))
          .status,
      FilterStatus::Continue);
  const std::string good = rs256(claims());
  expectDenied(bearer(cfg, good.substr(0, good.rfind('.'))), 401,
               "Jwt is not in the form of Header.Payload.Signature");
  expectDenied(bearer(cfg, good.substr(0, good.size() - 10)), 401, "Jwt verification fails");
  expectDenied(bearer(cfg, "a$b.c.d"), 401, "Jwt header is an invalid Base64url encoded");
  expectDenied(bearer(cfg, "abc.def.ghi"), 401, "Jwt header is an invalid JSON");
  const std::string payload_garbage =
      good.substr(0, good.find('.') + 1) + "e30$" + good.substr(good.rfind('.'));
  expectDenied(bearer(cfg, payload_garbage), 401, "Jwt payload is an invalid Base64url encoded");
}

TEST_F(JwtFilter, EveryAlgorithmFamily) {
  const jwt::TestKey& ed = jwt::TestKey::fromOpensslCli("ED25519");
  const jwt::TestKey& p384 = jwt::TestKey::fromOpensslCli("EC:P-384");
  const std::string keys =
      jwt::jwksOf({rsaKey().jwk("rsa"), ecKey().jwk("es256"), p384.jwk("es384"), ed.jwk("ed")});
  auto cfg = compile(policy("jwt", kIssuer, "    jwks: '" + keys + "'\n"));
  struct Case {
    const char* alg;
    const char* kid;
    const jwt::TestKey* key;
    jwt::Algorithm a;
  };
  for (const Case& c : {Case{"RS256", "rsa", &rsaKey(), jwt::Algorithm::RS256},
                        Case{"RS384", "rsa", &rsaKey(), jwt::Algorithm::RS384},
                        Case{"RS512", "rsa", &rsaKey(), jwt::Algorithm::RS512},
                        Case{"PS256", "rsa", &rsaKey(), jwt::Algorithm::PS256},
                        Case{"PS384", "rsa", &rsaKey(), jwt::Algorithm::PS384},
                        Case{"PS512", "rsa", &rsaKey(), jwt::Algorithm::PS512},
                        Case{"ES256", "es256", &ecKey(), jwt::Algorithm::ES256},
                        Case{"ES384", "es384", &p384, jwt::Algorithm::ES384},
                        Case{"EdDSA", "ed", &ed, jwt::Algorithm::EdDSA}}) {
    Run r = bearer(cfg, jwt::makeToken(header(c.alg, c.kid), claims(), *c.key, c.a));
    EXPECT_EQ(r.status, FilterStatus::Continue) << c.alg;
    EXPECT_NE(r.identity(), nullptr) << c.alg;
  }
}

TEST_F(JwtFilter, HmacOnlyWithAnExplicitSecret) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  const std::string keys = R"({"keys":[{"kty":"oct","kid":"h1","alg":"HS256","k":")" +
                           jwt::base64UrlEncode(secret) + R"("}]})";
  auto cfg = compile(policy("jwt", kIssuer, "    jwks: '" + keys + "'\n"));
  Run ok = bearer(
      cfg, jwt::makeHmacToken(header("HS256", "h1"), claims(), secret, jwt::Algorithm::HS256));
  EXPECT_EQ(ok.status, FilterStatus::Continue);
  EXPECT_NE(ok.identity(), nullptr);
  expectDenied(bearer(cfg, jwt::makeHmacToken(header("HS256", "h1"), claims(),
                                              "another secret of the right length!!",
                                              jwt::Algorithm::HS256)),
               401, "Jwt verification fails");
}

TEST_F(JwtFilter, ClockSkewIsConfigurable) {
  const std::string expired_30s_ago = rs256(claims(kIssuer, "", "api", -30));
  EXPECT_EQ(bearer(compile(policy("jwt", kIssuer)), expired_30s_ago).status,
            FilterStatus::Continue);
  auto strict =
      compile(policy("jwt", kIssuer, "", "  annotations:\n    meshgate.io/jwt-clock-skew: 10s\n"));
  expectDenied(bearer(strict, expired_30s_ago), 401, "Jwt is expired");
}

TEST_F(JwtFilter, CustomLocationsAndStripping) {
  auto cfg = compile(
      policy("jwt", kIssuer,
             "    fromHeaders: [{name: X-Jwt-Assertion}, {name: x-auth, prefix: \"Token \"}]\n"
             "    fromParams: [jwt]\n    fromCookies: [session]\n"));
  const std::string token = rs256(claims());
  // A custom header without prefix.
  Run h = start(cfg, [&](http::RequestHead& r) { r.headers().add("x-jwt-assertion", token); });
  EXPECT_EQ(h.status, FilterStatus::Continue);
  EXPECT_FALSE(h.headers().has("x-jwt-assertion"));
  Run p = start(cfg, [&](http::RequestHead& r) { r.headers().add("x-auth", "Token " + token); });
  EXPECT_EQ(p.status, FilterStatus::Continue);
  EXPECT_NE(p.identity(), nullptr);
  // A query parameter: removed, the other parameters kept.
  Run q = start(cfg, [&](http::RequestHead& r) {
    ASSERT_EQ(r.setTarget("/path?a=1&jwt=" + token + "&b=2"), http::TargetError::None);
  });
  EXPECT_EQ(q.status, FilterStatus::Continue);
  EXPECT_EQ(q.ctx->head().target(), "/path?a=1&b=2");
  // A cookie: removed, the other cookies kept.
  Run c = start(cfg, [&](http::RequestHead& r) {
    r.headers().add("cookie", "theme=dark; session=" + token + "; lang=en");
  });
  EXPECT_EQ(c.status, FilterStatus::Continue);
  EXPECT_EQ(c.headers().get("cookie"), "theme=dark; lang=en");
  // The default locations are not read when a rule names its own.
  Run d = bearer(cfg, token);
  EXPECT_EQ(d.status, FilterStatus::Continue);
  EXPECT_EQ(d.identity(), nullptr);
}

TEST_F(JwtFilter, ForwardOriginalTokenAndOutputs) {
  auto cfg = compile(policy("jwt", kIssuer,
                            "    forwardOriginalToken: true\n"
                            "    outputPayloadToHeader: x-jwt-payload\n"
                            "    outputClaimToHeaders:\n"
                            "    - {header: x-sub, claim: sub}\n"
                            "    - {header: x-groups, claim: groups}\n"
                            "    - {header: x-tier, claim: org.tier}\n"
                            "    - {header: x-absent, claim: nope}\n"));
  const std::string payload = claims(kIssuer, R"(,"groups":["a","b"],"org":{"tier":"gold"})");
  const std::string token = rs256(payload);
  Run r = start(cfg, [&](http::RequestHead& h) {
    h.headers().add("authorization", "Bearer " + token);
    // Forged outputs are removed before anything else.
    h.headers().add("x-jwt-payload", "forged");
    h.headers().add("x-sub", "root");
  });
  ASSERT_EQ(r.status, FilterStatus::Continue);
  EXPECT_EQ(r.headers().get("authorization"), "Bearer " + token);
  EXPECT_EQ(r.headers().count("x-jwt-payload"), 1u);
  EXPECT_EQ(r.headers().get("x-jwt-payload"), jwt::base64UrlEncode(payload));
  EXPECT_EQ(r.headers().get("x-sub"), "alice");
  EXPECT_EQ(r.headers().get("x-groups"), "a,b");
  EXPECT_EQ(r.headers().get("x-tier"), "gold");
  EXPECT_FALSE(r.headers().has("x-absent"));

  // Without a token the forged headers are still removed.
  Run none = start(cfg, [](http::RequestHead& h) { h.headers().add("x-sub", "root"); });
  EXPECT_EQ(none.status, FilterStatus::Continue);
  EXPECT_FALSE(none.headers().has("x-sub"));
}

TEST_F(JwtFilter, SeveralRulesRouteByIssuer) {
  const std::string b_keys = jwt::jwksOf({otherRsaKey().jwk("b1")});
  auto cfg = compile(policy("a", "https://a.example") +
                     policy("b", "https://b.example", "    jwks: '" + b_keys + "'\n"));
  ASSERT_EQ(cfg->policy.rules.size(), 2u);
  Run a = bearer(cfg, rs256(claims("https://a.example")));
  ASSERT_EQ(a.status, FilterStatus::Continue);
  EXPECT_EQ(a.identity()->request_principal, "https://a.example/alice");
  Run b = bearer(cfg, jwt::makeToken(header("RS256", "b1"), claims("https://b.example"),
                                     otherRsaKey(), jwt::Algorithm::RS256));
  ASSERT_EQ(b.status, FilterStatus::Continue);
  EXPECT_EQ(b.identity()->request_principal, "https://b.example/alice");
  // A token of A signed by B's key fails.
  expectDenied(bearer(cfg, jwt::makeToken(header("RS256", "b1"), claims("https://a.example"),
                                          otherRsaKey(), jwt::Algorithm::RS256)),
               401, "Jwks doesn't have key to match kid or alg from Jwt");
  expectDenied(bearer(cfg, rs256(claims("https://a.example", "", "api", -300))), 401,
               "Jwt is expired");
  // Istio's tree with two issuers sharing a location: A sorts first, and its inner
  // allow_missing sees B's token at its location and does not know B's issuer, so any bad
  // token of B is reported as an unknown issuer (as Istio answers).
  expectDenied(bearer(cfg, jwt::makeToken(header("RS256", "b1"),
                                          claims("https://b.example", "", "api", -300),
                                          otherRsaKey(), jwt::Algorithm::RS256)),
               401, "Jwt issuer is not configured");
  expectDenied(bearer(cfg, rs256(claims("https://c.example"))), 401,
               "Jwt issuer is not configured");
}

TEST_F(JwtFilter, TwoRulesWithOneIssuerEitherAccepts) {
  auto cfg = compile(policy("one", kIssuer, "    audiences: [a]\n") +
                     policy("two", kIssuer, "    audiences: [b]\n"));
  ASSERT_EQ(cfg->policy.rules.size(), 2u);
  EXPECT_EQ(bearer(cfg, rs256(claims(kIssuer, "", "a"))).status, FilterStatus::Continue);
  EXPECT_EQ(bearer(cfg, rs256(claims(kIssuer, "", "b"))).status, FilterStatus::Continue);
  expectDenied(bearer(cfg, rs256(claims(kIssuer, "", "c"))), 403,
               "Audiences in Jwt are not allowed");
}

TEST_F(JwtFilter, SeveralRulesWithTheirOwnLocations) {
  auto cfg = compile(policy("a", "https://a.example", "    fromHeaders: [{name: x-a}]\n") +
                     policy("b", "https://b.example", "    fromHeaders: [{name: x-b}]\n"));
  Run expired_b = start(cfg, [&](http::RequestHead& h) {
    h.headers().add("x-b", rs256(claims("https://b.example", "", "api", -300)));
  });
  expectDenied(expired_b, 401, "Jwt is expired");
  // A's token where B reads tokens: B does not know A's issuer.
  Run misplaced = start(cfg, [&](http::RequestHead& h) {
    h.headers().add("x-b", rs256(claims("https://a.example")));
  });
  expectDenied(misplaced, 401, "Jwt issuer is not configured");
  // Both tokens valid: the principal comes from the first issuer in order.
  Run both = start(cfg, [&](http::RequestHead& h) {
    h.headers().add("x-b", rs256(claims("https://b.example")));
    h.headers().add("x-a", rs256(claims("https://a.example")));
  });
  ASSERT_EQ(both.status, FilterStatus::Continue);
  EXPECT_EQ(both.identity()->request_principal, "https://a.example/alice");
  // A's provider alone satisfied the requirement, so B's token was never looked at: it is
  // forwarded (Envoy strips only the tokens it verified).
  EXPECT_FALSE(both.headers().has("x-a"));
  EXPECT_TRUE(both.headers().has("x-b"));
}

TEST_F(JwtFilter, SeveralTokensFollowEnvoy) {
  auto cfg = compile(policy("jwt", kIssuer));
  const std::string good = rs256(claims());
  const std::string expired = rs256(claims(kIssuer, R"(,"n":1)", "api", -300));
  // Two good tokens.
  Run two = start(cfg, [&](http::RequestHead& h) {
    h.headers().add("authorization", "Bearer " + good);
    h.headers().add("authorization", "Bearer " + rs256(claims(kIssuer, R"(,"n":2)")));
  });
  EXPECT_EQ(two.status, FilterStatus::Continue);
  // Envoy's allow_missing checks every token and the first one found decides: a good header
  // token wins over an expired query token ...
  Run header_good = start(cfg, [&](http::RequestHead& h) {
    ASSERT_EQ(h.setTarget("/path?access_token=" + expired), http::TargetError::None);
    h.headers().add("authorization", "Bearer " + good);
  });
  EXPECT_EQ(header_good.status, FilterStatus::Continue);
  EXPECT_EQ(header_good.identity()->token, good);
  // ... and an expired header token loses even when the query token is good.
  Run header_bad = start(cfg, [&](http::RequestHead& h) {
    ASSERT_EQ(h.setTarget("/path?access_token=" + good), http::TargetError::None);
    h.headers().add("authorization", "Bearer " + expired);
  });
  ASSERT_EQ(header_bad.status, FilterStatus::Respond);
  EXPECT_EQ(header_bad.reply().body, "Jwt is expired");
}

TEST_F(JwtFilter, CorsPreflightIsNotChecked) {
  auto cfg = compile(policy("jwt", kIssuer));
  Run r = start(cfg, [](http::RequestHead& h) {
    h.setMethod(http::Method::Options);
    h.headers().add("origin", "https://app.example");
    h.headers().add("access-control-request-method", "POST");
    h.headers().add("authorization", "Bearer garbage");
  });
  EXPECT_EQ(r.status, FilterStatus::Continue);
  EXPECT_FALSE(r.ctx->reply());
  // A plain OPTIONS is checked.
  Run plain = start(cfg, [](http::RequestHead& h) {
    h.setMethod(http::Method::Options);
    h.headers().add("authorization", "Bearer garbage");
  });
  EXPECT_EQ(plain.status, FilterStatus::Respond);
}

TEST_F(JwtFilter, MetricsAndTheVerificationCache) {
  testing::FakeFilterContext ctx;
  auto cfg = compile(policy("jwt", kIssuer), nullptr, &ctx.registry());
  const std::string token = rs256(claims());
  for (int i = 0; i < 3; ++i) {
    ctx.head().clear();
    ASSERT_EQ(ctx.head().setTarget("/"), http::TargetError::None);
    ctx.head().headers().add("authorization", "Bearer " + token);
    JwtAuthnFilter f(cfg);
    EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Continue);
  }
  ctx.head().clear();
  ctx.head().headers().add("authorization", "Bearer " + rs256(claims(kIssuer, "", "api", -300)));
  JwtAuthnFilter denied(cfg);
  EXPECT_EQ(denied.onRequestHeaders(ctx, true), FilterStatus::Respond);
  ctx.head().clear();
  JwtAuthnFilter missing(cfg);
  EXPECT_EQ(missing.onRequestHeaders(ctx, true), FilterStatus::Continue);

  const std::string text = ctx.registry().renderPrometheus();
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  };
  has(R"(meshgate_jwt_authn_allowed_total{listener="default/main"} 3)");
  has(R"(meshgate_jwt_authn_missing_total{listener="default/main"} 1)");
  has(R"(meshgate_jwt_authn_denied_total{listener="default/main",reason="JwtExpired"} 1)");
  has(R"(meshgate_jwt_authn_denied_total{listener="default/main",reason="JwtBadFormat"} 0)");
  // The first request verified the signature, the next two hit the cache.
  has(R"(meshgate_jwt_authn_jwt_cache_hits_total{listener="default/main"} 2)");
  has(R"(meshgate_jwt_authn_jwt_cache_misses_total{listener="default/main"} 2)");
}

// ------------------------------------------------------------------ jwksUri

class JwtFilterRemote : public JwtFilter {
 protected:
  std::shared_ptr<const FilterConfig> compileRemote(uint16_t port) {
    return compile(policy("jwt", kIssuer,
                          "    jwksUri: http://127.0.0.1:" + std::to_string(port) +
                              "/jwks\n"
                              "    timeout: 2s\n"),
                   &main_loop_);
  }
  /// Runs the main loop (fetches) and the worker's loop (wake-ups) until `done()` (bounded).
  bool runUntil(testing::FakeFilterContext& ctx, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      main_loop_.runOnce(milliseconds(10));
      ctx.eventLoop().runOnce(milliseconds(0));
    }
    return true;
  }
};

TEST_F(JwtFilterRemote, OnlyTokensThatNeedTheKeysWait) {
  testing::TestUpstream issuer([](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.body = jwks();
    return r;
  });
  auto cfg = compileRemote(issuer.port());
  ASSERT_TRUE(cfg);
  testing::FakeFilterContext none;
  JwtAuthnFilter f1(cfg);
  EXPECT_EQ(f1.onRequestHeaders(none, true), FilterStatus::Continue);
  // Claims are checked before keys are needed: a foreign or expired token fails at once.
  for (const std::string& bad :
       {rs256(claims("https://x.example")), rs256(claims(kIssuer, "", "api", -300))}) {
    testing::FakeFilterContext ctx;
    ctx.head().headers().add("authorization", "Bearer " + bad);
    JwtAuthnFilter f(cfg);
    EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Respond);
  }
  testing::FakeFilterContext ctx;
  ctx.head().headers().add("authorization", "Bearer " + rs256(claims()));
  JwtAuthnFilter f(cfg);
  EXPECT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Wait);
  EXPECT_EQ(ctx.resumeCount(), 0);
}

TEST_F(JwtFilterRemote, WaitResumesWhenTheKeysArrive) {
  testing::TestUpstream issuer([](const testing::ReceivedRequest&) {
    testing::UpstreamReply r;
    r.body = jwks();
    r.delay = milliseconds(100);
    return r;
  });
  auto cfg = compileRemote(issuer.port());
  ASSERT_TRUE(cfg);
  testing::FakeFilterContext ctx;
  ctx.head().headers().add("authorization", "Bearer " + rs256(claims()));
  JwtAuthnFilter f(cfg);
  ASSERT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Wait);
  // A client that went away while waiting is never resumed.
  testing::FakeFilterContext gone_ctx;
  gone_ctx.head().headers().add("authorization", "Bearer " + rs256(claims()));
  auto gone = std::make_unique<JwtAuthnFilter>(cfg);
  ASSERT_EQ(gone->onRequestHeaders(gone_ctx, true), FilterStatus::Wait);
  gone->onComplete(gone_ctx);
  gone.reset();

  ASSERT_TRUE(runUntil(ctx, [&] { return ctx.resumeCount() > 0; }));
  EXPECT_EQ(ctx.resumeCount(), 1);
  EXPECT_FALSE(ctx.reply());
  ASSERT_NE(ctx.identity(), nullptr);
  EXPECT_EQ(ctx.identity()->request_principal, "https://issuer.example/alice");
  EXPECT_FALSE(ctx.head().headers().has(http::HeaderId::Authorization));
  gone_ctx.eventLoop().runOnce(milliseconds(0));
  EXPECT_EQ(gone_ctx.resumeCount(), 0);
  EXPECT_EQ(issuer.requestCount(), 1u);

  // Keys loaded: the next request does not wait.
  testing::FakeFilterContext ctx2;
  ctx2.head().headers().add("authorization", "Bearer " + rs256(claims()));
  JwtAuthnFilter f2(cfg);
  EXPECT_EQ(f2.onRequestHeaders(ctx2, true), FilterStatus::Continue);
}

TEST_F(JwtFilterRemote, FailedFirstFetchAnswers401) {
  const uint16_t closed = testing::pickFreePort();
  auto cfg = compileRemote(closed);
  testing::FakeFilterContext ctx;
  ctx.head().headers().add("authorization", "Bearer " + rs256(claims()));
  JwtAuthnFilter f(cfg);
  ASSERT_EQ(f.onRequestHeaders(ctx, true), FilterStatus::Wait);
  ASSERT_TRUE(runUntil(ctx, [&] { return ctx.resumeCount() > 0; }));
  ASSERT_TRUE(ctx.reply());
  EXPECT_EQ(ctx.reply()->status, 401);
  EXPECT_EQ(ctx.reply()->body, "Jwks remote fetch is failed");
  // After the failure, requests fail at once (no second wait) until keys arrive.
  testing::FakeFilterContext ctx2;
  ctx2.head().headers().add("authorization", "Bearer " + rs256(claims()));
  JwtAuthnFilter f2(cfg);
  EXPECT_EQ(f2.onRequestHeaders(ctx2, true), FilterStatus::Respond);
  // Requests without a token still pass.
  testing::FakeFilterContext ctx3;
  JwtAuthnFilter f3(cfg);
  EXPECT_EQ(f3.onRequestHeaders(ctx3, true), FilterStatus::Continue);
}

}  // namespace
}  // namespace meshgate::filters::jwt_authn
