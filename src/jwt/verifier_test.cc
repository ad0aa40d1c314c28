// SPDX-License-Identifier: Apache-2.0
#include "jwt/verifier.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "jwt/base64.h"
#include "jwt/test_keys.h"
#include "jwt/verification_cache.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate::jwt {
namespace {

using std::chrono::seconds;

// 2023-11-14T22:13:20Z, the ManualClock's default wall time.
constexpr int64_t kNow = 1'700'000'000;
const base::SystemTime kNowTime{seconds(kNow)};

std::string payload(std::string extra = "") {
  return R"({"iss":"https://issuer.example","sub":"alice","aud":"api","iat":)" +
         std::to_string(kNow - 10) + R"(,"exp":)" + std::to_string(kNow + 600) + extra + "}";
}

std::string header(std::string_view alg, std::string_view kid = "k1") {
  std::string h = R"({"alg":")" + std::string(alg) + "\"";
  if (!kid.empty()) h += R"(,"kid":")" + std::string(kid) + "\"";
  return h + R"(,"typ":"JWT"})";
}

VerifyOptions rule() {
  VerifyOptions o;
  o.issuer = "https://issuer.example";
  o.audiences = {"api"};
  return o;
}

std::shared_ptr<const JwkSet> keys(std::initializer_list<std::string> jwks,
                                   JwksParseOptions options = {}) {
  auto r = JwkSet::parse(jwksOf(jwks), options);
  EXPECT_TRUE(r.ok()) << statusName(r.status());
  return r.value();
}

JwtStatus verify(const JwtVerifier& v, const std::string& token, const JwkSet& set,
                 base::SystemTime now = kNowTime) {
  return v.verify(token, set, now).status;
}

struct AlgCase {
  Algorithm alg;
  std::string key_spec;
};

void PrintTo(const AlgCase& c, std::ostream* os) {
  *os << algorithmName(c.alg) << " with " << c.key_spec;
}

class EveryAlgorithm : public ::testing::TestWithParam<AlgCase> {};

TEST_P(EveryAlgorithm, ValidTokenVerifiesAndForgeryFails) {
  const AlgCase& c = GetParam();
  std::string name(algorithmName(c.alg));
  const TestKey& key = TestKey::fromOpensslCli(c.key_spec);
  auto set = keys({key.jwk("k1", name)});
  JwtVerifier v(rule());
  std::string token = makeToken(header(name), payload(), key, c.alg);
  VerifyResult r = v.verify(token, *set, kNowTime);
  ASSERT_EQ(r.status, JwtStatus::Ok) << statusName(r.status);
  ASSERT_TRUE(r.jwt);
  EXPECT_EQ(r.jwt->subject(), "alice");
  EXPECT_FALSE(r.from_cache);

  // Change one payload claim and keep the signature.
  std::string forged = makeToken(header(name), payload(), key, c.alg);
  std::string other_payload = base64UrlEncode(payload(R"(,"admin":true)"));
  size_t dot1 = forged.find('.'), dot2 = forged.rfind('.');
  forged = forged.substr(0, dot1 + 1) + other_payload + forged.substr(dot2);
  EXPECT_EQ(verify(v, forged, *set), JwtStatus::JwtVerificationFail);

  // Flip one signature bit.
  auto sig = *base64UrlDecode(token.substr(dot2 + 1));
  sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 0x10);
  EXPECT_EQ(verify(v, token.substr(0, dot2 + 1) + base64UrlEncode(sig), *set),
            JwtStatus::JwtVerificationFail);
}

INSTANTIATE_TEST_SUITE_P(
    Jwt, EveryAlgorithm,
    ::testing::Values(AlgCase{Algorithm::RS256, "RSA:2048"}, AlgCase{Algorithm::RS384, "RSA:3072"},
                      AlgCase{Algorithm::RS512, "RSA:2048"}, AlgCase{Algorithm::PS256, "RSA:2048"},
                      AlgCase{Algorithm::PS384, "RSA:3072"}, AlgCase{Algorithm::PS512, "RSA:3072"},
                      AlgCase{Algorithm::ES256, "EC:P-256"}, AlgCase{Algorithm::ES384, "EC:P-384"},
                      AlgCase{Algorithm::ES512, "EC:P-521"}, AlgCase{Algorithm::EdDSA, "ED25519"}),
    [](const ::testing::TestParamInfo<AlgCase>& info) {
      return std::string(algorithmName(info.param.alg));
    });

TEST(Verifier, HmacWithAnExplicitSecret) {
  std::string secret(64, 'k');
  JwksParseOptions options;
  options.allow_symmetric = true;
  auto set = keys({R"({"kty":"oct","kid":"k1","k":")" + base64UrlEncode(secret) + "\"}"}, options);
  JwtVerifier v(rule());
  for (Algorithm alg : {Algorithm::HS256, Algorithm::HS384, Algorithm::HS512}) {
    std::string name(algorithmName(alg));
    EXPECT_EQ(verify(v, makeHmacToken(header(name), payload(), secret, alg), *set), JwtStatus::Ok)
        << name;
    EXPECT_EQ(verify(v, makeHmacToken(header(name), payload(), std::string(64, 'x'), alg), *set),
              JwtStatus::JwtVerificationFail)
        << name;
  }
}

TEST(Verifier, TimeClaimsWithClockSkew) {
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  JwtVerifier v(rule());  // default skew 60 s
  auto token = [&](std::string claims) {
    return makeToken(header("ES256"),
                     R"({"iss":"https://issuer.example","aud":"api")" + claims + "}", key,
                     Algorithm::ES256);
  };
  std::string expired = token(",\"exp\":" + std::to_string(kNow - 61));
  EXPECT_EQ(verify(v, expired, *set), JwtStatus::JwtExpired);
  // Within the skew, and exactly at its edge (RFC 7519: not valid "on or after" exp).
  EXPECT_EQ(verify(v, token(",\"exp\":" + std::to_string(kNow - 59)), *set), JwtStatus::Ok);
  EXPECT_EQ(verify(v, token(",\"exp\":" + std::to_string(kNow - 60)), *set), JwtStatus::JwtExpired);

  std::string early = token(",\"nbf\":" + std::to_string(kNow + 61));
  EXPECT_EQ(verify(v, early, *set), JwtStatus::JwtNotYetValid);
  EXPECT_EQ(verify(v, token(",\"nbf\":" + std::to_string(kNow + 60)), *set), JwtStatus::Ok);
  EXPECT_EQ(verify(v, early, *set, kNowTime + seconds(1)), JwtStatus::Ok);

  VerifyOptions strict = rule();
  strict.clock_skew = seconds(0);
  JwtVerifier s(strict);
  EXPECT_EQ(verify(s, token(",\"exp\":" + std::to_string(kNow)), *set), JwtStatus::JwtExpired);
  EXPECT_EQ(verify(s, token(",\"exp\":" + std::to_string(kNow + 1)), *set), JwtStatus::Ok);
  EXPECT_EQ(verify(s, token(",\"nbf\":" + std::to_string(kNow + 1)), *set),
            JwtStatus::JwtNotYetValid);

  // No exp at all is fine by default (Envoy), and refused on request.
  EXPECT_EQ(verify(v, token(""), *set), JwtStatus::Ok);
  VerifyOptions need_exp = rule();
  need_exp.require_exp = true;
  EXPECT_EQ(verify(JwtVerifier(need_exp), token(""), *set), JwtStatus::JwtExpired);

  VerifyOptions lifetime = rule();
  lifetime.max_lifetime = seconds(3600);
  JwtVerifier l(lifetime);
  EXPECT_EQ(verify(l, token(",\"exp\":" + std::to_string(kNow + 3600)), *set), JwtStatus::Ok);
  EXPECT_EQ(verify(l, token(",\"exp\":" + std::to_string(kNow + 3601)), *set),
            JwtStatus::JwtExpired);
  EXPECT_EQ(verify(l, token(""), *set), JwtStatus::JwtExpired);

  // iat is only checked when asked.
  std::string future_iat = token(",\"iat\":" + std::to_string(kNow + 3600));
  EXPECT_EQ(verify(v, future_iat, *set), JwtStatus::Ok);
  VerifyOptions iat = rule();
  iat.check_iat = true;
  EXPECT_EQ(verify(JwtVerifier(iat), future_iat, *set), JwtStatus::JwtIssuedInFuture);
  EXPECT_EQ(verify(JwtVerifier(iat), token(",\"iat\":" + std::to_string(kNow + 60)), *set),
            JwtStatus::Ok);
}

TEST(Verifier, IssuerAndAudience) {
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  auto token = [&](std::string claims) {
    return makeToken(header("ES256"), claims, key, Algorithm::ES256);
  };
  JwtVerifier v(rule());
  EXPECT_EQ(verify(v, token(R"({"iss":"https://evil.example","aud":"api"})"), *set),
            JwtStatus::JwtUnknownIssuer);
  EXPECT_EQ(verify(v, token(R"({"aud":"api"})"), *set), JwtStatus::JwtUnknownIssuer);
  EXPECT_EQ(verify(v, token(R"({"iss":"https://issuer.example","aud":"other"})"), *set),
            JwtStatus::JwtAudienceNotAllowed);
  EXPECT_EQ(verify(v, token(R"({"iss":"https://issuer.example"})"), *set),
            JwtStatus::JwtAudienceNotAllowed);
  EXPECT_EQ(verify(v, token(R"({"iss":"https://issuer.example","aud":["x","api"]})"), *set),
            JwtStatus::Ok);
  // Envoy ignores the scheme and one trailing slash.
  EXPECT_EQ(verify(v, token(R"({"iss":"https://issuer.example","aud":"https://api/"})"), *set),
            JwtStatus::Ok);

  VerifyOptions any;  // no issuer, no audiences: Istio accepts any
  JwtVerifier open(any);
  EXPECT_EQ(verify(open, token(R"({"iss":"whoever"})"), *set), JwtStatus::Ok);
  EXPECT_EQ(verify(open, token(R"({})"), *set), JwtStatus::Ok);
}

TEST(Verifier, KidSelection) {
  const TestKey& a = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& b = TestKey::fromOpensslCli("RSA:3072");
  JwtVerifier v(rule());
  auto set = keys({a.jwk("ka"), b.jwk("kb")});
  EXPECT_EQ(verify(v, makeToken(header("RS256", "kb"), payload(), b, Algorithm::RS256), *set),
            JwtStatus::Ok);
  // Unknown kid: no key is a candidate.
  EXPECT_EQ(verify(v, makeToken(header("RS256", "kz"), payload(), b, Algorithm::RS256), *set),
            JwtStatus::JwksKidAlgMismatch);
  // A known kid but signed by the other key (wrong key).
  EXPECT_EQ(verify(v, makeToken(header("RS256", "ka"), payload(), b, Algorithm::RS256), *set),
            JwtStatus::JwtVerificationFail);
  // No kid in the token: every key that fits is tried.
  EXPECT_EQ(verify(v, makeToken(header("RS256", ""), payload(), b, Algorithm::RS256), *set),
            JwtStatus::Ok);
  // Keys without a kid match any token kid.
  auto anonymous = keys({a.jwk(), b.jwk()});
  EXPECT_EQ(
      verify(v, makeToken(header("RS256", "whatever"), payload(), b, Algorithm::RS256), *anonymous),
      JwtStatus::Ok);
  // A key never seen: wrong key.
  const TestKey& c = TestKey::fromOpensslCli("RSA:2048");
  auto only_b = keys({b.jwk("kb")});
  EXPECT_EQ(verify(v, makeToken(header("RS256", "kb"), payload(), c, Algorithm::RS256), *only_b),
            JwtStatus::JwtVerificationFail);
}

TEST(Verifier, AlgNoneIsRejected) {
  const TestKey& key = TestKey::fromOpensslCli("RSA:2048");
  auto set = keys({key.jwk("k1")});
  JwtVerifier v(rule());
  std::string unsecured = base64UrlEncode(header("none")) + "." + base64UrlEncode(payload()) + ".";
  EXPECT_EQ(verify(v, unsecured, *set), JwtStatus::JwtHeaderNotImplementedAlg);
  // With a signature copied from a valid token.
  std::string valid = makeToken(header("RS256"), payload(), key, Algorithm::RS256);
  std::string with_sig = base64UrlEncode(header("none")) + "." + base64UrlEncode(payload()) +
                         valid.substr(valid.rfind('.'));
  EXPECT_EQ(verify(v, with_sig, *set), JwtStatus::JwtHeaderNotImplementedAlg);
}

TEST(Verifier, AlgorithmConfusion) {
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& p256 = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({rsa.jwk("k1")});
  JwtVerifier v(rule());

  // HS256 "signed" with the RSA public key as the HMAC secret, in each form an attacker could
  // obtain it: PEM, DER modulus, JWK text.
  auto n = *base64UrlDecode(JsonValue::parse(rsa.jwk())->find("n")->asString());
  for (const std::string& secret : {rsa.publicPem(), n, rsa.jwk("k1")}) {
    std::string forged = makeHmacToken(header("HS256"), payload(), secret, Algorithm::HS256);
    EXPECT_EQ(verify(v, forged, *set), JwtStatus::JwksKidAlgMismatch);
  }
  // Even when symmetric keys are allowed for the issuer, an RSA JWK is never an HMAC secret.
  JwksParseOptions hmac_ok;
  hmac_ok.allow_symmetric = true;
  auto mixed = keys({rsa.jwk("k1"), R"({"kty":"oct","kid":"k2","k":")" +
                                        base64UrlEncode(std::string(32, 'z')) + "\"}"},
                    hmac_ok);
  EXPECT_EQ(verify(v, makeHmacToken(header("HS256"), payload(), rsa.publicPem(), Algorithm::HS256),
                   *mixed),
            JwtStatus::JwksKidAlgMismatch);

  // An RSA key asked to verify ES256, and an EC key asked to verify RS256.
  std::string es = makeToken(header("ES256"), payload(), p256, Algorithm::ES256);
  EXPECT_EQ(verify(v, es, *set), JwtStatus::JwksKidAlgMismatch);
  auto ec_set = keys({p256.jwk("k1")});
  std::string rs = makeToken(header("RS256"), payload(), rsa, Algorithm::RS256);
  EXPECT_EQ(verify(v, rs, *ec_set), JwtStatus::JwksKidAlgMismatch);

  // The JWK pins RS256; the token claims PS256 (signed correctly with PSS).
  auto pinned = keys({rsa.jwk("k1", "RS256")});
  std::string ps = makeToken(header("PS256"), payload(), rsa, Algorithm::PS256);
  EXPECT_EQ(verify(v, ps, *pinned), JwtStatus::JwksKidAlgMismatch);
  // PKCS#1 v1.5 bytes presented as PSS and vice versa.
  std::string rs_as_ps =
      base64UrlEncode(header("PS256")) + "." + base64UrlEncode(payload()) + "." +
      base64UrlEncode(rsa.sign(
          Algorithm::RS256, base64UrlEncode(header("PS256")) + "." + base64UrlEncode(payload())));
  EXPECT_EQ(verify(v, rs_as_ps, *set), JwtStatus::JwtVerificationFail);

  // Curve mismatch: an ES384 token against a P-256 key.
  const TestKey& p384 = TestKey::fromOpensslCli("EC:P-384");
  std::string es384 = makeToken(header("ES384"), payload(), p384, Algorithm::ES384);
  EXPECT_EQ(verify(v, es384, *ec_set), JwtStatus::JwksKidAlgMismatch);
}

TEST(Verifier, MalformedTokensThroughVerify) {
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  JwtVerifier v(rule());
  std::string token = makeToken(header("ES256"), payload(), key, Algorithm::ES256);
  EXPECT_EQ(verify(v, token.substr(0, token.rfind('.')), *set), JwtStatus::JwtBadFormat);
  auto sig = *base64UrlDecode(token.substr(token.rfind('.') + 1));
  std::string head = token.substr(0, token.rfind('.') + 1);
  EXPECT_EQ(verify(v, head + base64UrlEncode(sig.substr(0, 61)), *set),
            JwtStatus::JwtEcdsaSignatureWrongLength);
  for (size_t cut = 1; cut < 8; ++cut) {
    EXPECT_NE(verify(v, token.substr(0, token.size() - cut), *set), JwtStatus::Ok);
  }
  EXPECT_EQ(verify(v, "x" + token, *set), JwtStatus::JwtHeaderParseErrorBadJson);
  EXPECT_EQ(verify(v, "@" + token, *set), JwtStatus::JwtHeaderParseErrorBadBase64);
  EXPECT_EQ(verify(v, "a.b.c", *set), JwtStatus::JwtHeaderParseErrorBadBase64);
  EXPECT_EQ(verify(v, "\x01\x02\x03", *set), JwtStatus::JwtBadFormat);
  // A valid ECDSA signature with r and s swapped must not verify.
  std::string swapped = sig.substr(32) + sig.substr(0, 32);
  EXPECT_EQ(verify(v, head + base64UrlEncode(swapped), *set), JwtStatus::JwtVerificationFail);
  // r = s = 0, and r = s = the all-ones value above the group order.
  EXPECT_EQ(verify(v, head + base64UrlEncode(std::string(64, '\0')), *set),
            JwtStatus::JwtVerificationFail);
  EXPECT_EQ(verify(v, head + base64UrlEncode(std::string(64, '\xff')), *set),
            JwtStatus::JwtVerificationFail);
}

TEST(Verifier, TokensSignedByTheOpensslCommandLine) {
  testing::TempDir dir;
  struct Case {
    std::string spec;
    std::string alg;
    std::vector<std::string> sign_args;
  };
  std::vector<Case> cases = {
      {"RSA:2048", "RS256", {"dgst", "-sha256"}},
      {"RSA:3072",
       "PS384",
       {"dgst", "-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"}},
      {"EC:P-256", "ES256", {"dgst", "-sha256"}},
      {"EC:P-384", "ES384", {"dgst", "-sha384"}},
      {"ED25519", "EdDSA", {"pkeyutl", "-rawin"}},
  };
  JwtVerifier v(rule());
  for (const Case& c : cases) {
    const TestKey& key = TestKey::fromOpensslCli(c.spec);
    std::string input = base64UrlEncode(header(c.alg)) + "." + base64UrlEncode(payload());
    std::string key_file = dir.write("key.pem", key.privatePem());
    std::string in_file = dir.write("input", input);
    std::vector<std::string> argv = {"openssl"};
    argv.insert(argv.end(), c.sign_args.begin(), c.sign_args.end());
    if (c.sign_args[0] == "pkeyutl") {
      argv.insert(argv.end(),
                  {"-sign", "-inkey", key_file, "-in", in_file, "-out", dir.file("sig")});
    } else {
      argv.insert(argv.end(), {"-sign", key_file, "-out", dir.file("sig"), in_file});
    }
    auto r = testing::runCommand(argv);
    ASSERT_EQ(r.exit_code, 0) << c.alg << ": " << r.err;
    std::string sig = *base::readFile(dir.file("sig"));
    if (c.alg == "ES256") sig = ecdsaDerToJose(sig, 32);
    if (c.alg == "ES384") sig = ecdsaDerToJose(sig, 48);
    auto set = keys({key.jwk("k1")});
    EXPECT_EQ(verify(v, input + "." + base64UrlEncode(sig), *set), JwtStatus::Ok) << c.alg;
  }
}

TEST(Verifier, KeyRotation) {
  const TestKey& old_key = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& new_key = TestKey::fromOpensslCli("RSA:3072");
  JwtVerifier v(rule());
  VerificationCache cache(v);
  auto old_set = keys({old_key.jwk("2023")});
  auto new_set = keys({new_key.jwk("2024")});
  auto both = keys({old_key.jwk("2023"), new_key.jwk("2024")});
  std::string old_token = makeToken(header("RS256", "2023"), payload(), old_key, Algorithm::RS256);
  std::string new_token = makeToken(header("RS256", "2024"), payload(), new_key, Algorithm::RS256);

  EXPECT_EQ(v.verify(old_token, *old_set, kNowTime, &cache).status, JwtStatus::Ok);
  EXPECT_TRUE(v.verify(old_token, *old_set, kNowTime, &cache).from_cache);
  // During the overlap both verify.
  EXPECT_EQ(v.verify(old_token, *both, kNowTime, &cache).status, JwtStatus::Ok);
  EXPECT_EQ(v.verify(new_token, *both, kNowTime, &cache).status, JwtStatus::Ok);
  // Once the old key is gone, a token it signed fails, even though it was cached.
  VerifyResult r = v.verify(old_token, *new_set, kNowTime, &cache);
  EXPECT_EQ(r.status, JwtStatus::JwksKidAlgMismatch);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(v.verify(new_token, *new_set, kNowTime, &cache).status, JwtStatus::Ok);
  EXPECT_GE(cache.stats().invalidations, 1u);
}

TEST(Verifier, ReadsTheInjectedClock) {
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  JwtVerifier v(rule());
  std::string token = makeToken(header("ES256"), payload(), key, Algorithm::ES256);  // exp +600
  base::ManualClock clock;  // starts at kNow
  EXPECT_EQ(v.verify(token, *set, clock).status, JwtStatus::Ok);
  clock.advance(seconds(660));
  EXPECT_EQ(v.verify(token, *set, clock).status, JwtStatus::JwtExpired);
}

TEST(Verifier, CacheNeverServesExpiredTokens) {
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  JwtVerifier v(rule());
  VerificationCache cache(v);
  std::string token = makeToken(header("ES256"), payload(), key, Algorithm::ES256);  // exp +600
  EXPECT_FALSE(v.verify(token, *set, kNowTime, &cache).from_cache);
  VerifyResult hit = v.verify(token, *set, kNowTime + seconds(100), &cache);
  EXPECT_EQ(hit.status, JwtStatus::Ok);
  EXPECT_TRUE(hit.from_cache);
  EXPECT_EQ(cache.stats().hits, 1u);
  // 600 s of validity plus 60 s of skew.
  EXPECT_EQ(v.verify(token, *set, kNowTime + seconds(659), &cache).status, JwtStatus::Ok);
  VerifyResult late = v.verify(token, *set, kNowTime + seconds(660), &cache);
  EXPECT_EQ(late.status, JwtStatus::JwtExpired);
  EXPECT_EQ(cache.size(), 0u);
  // The system clock stepping back before nbf must not be served from the cache either.
  std::string with_nbf = makeToken(header("ES256"), payload(",\"nbf\":" + std::to_string(kNow)),
                                   key, Algorithm::ES256);
  EXPECT_EQ(v.verify(with_nbf, *set, kNowTime, &cache).status, JwtStatus::Ok);
  EXPECT_EQ(v.verify(with_nbf, *set, kNowTime - seconds(3600), &cache).status,
            JwtStatus::JwtNotYetValid);
  // Failures are never cached.
  std::string wrong_aud =
      makeToken(header("ES256"), R"({"iss":"https://issuer.example"})", key, Algorithm::ES256);
  EXPECT_EQ(v.verify(wrong_aud, *set, kNowTime, &cache).status, JwtStatus::JwtAudienceNotAllowed);
  EXPECT_EQ(v.verify(wrong_aud, *set, kNowTime, &cache).status, JwtStatus::JwtAudienceNotAllowed);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerificationCache, BoundedLru) {
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  JwtVerifier v(rule());
  VerificationCacheOptions options;
  options.max_entries = 3;
  VerificationCache cache(v, options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) {
    tokens.push_back(
        makeToken(header("ES256"), payload(",\"n\":" + std::to_string(i)), key, Algorithm::ES256));
  }
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(v.verify(tokens[i], *set, kNowTime, &cache).status, JwtStatus::Ok);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(v.verify(tokens[0], *set, kNowTime, &cache).from_cache);  // 0 is now most recent
  ASSERT_EQ(v.verify(tokens[3], *set, kNowTime, &cache).status, JwtStatus::Ok);  // evicts 1
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_TRUE(v.verify(tokens[0], *set, kNowTime, &cache).from_cache);
  EXPECT_FALSE(v.verify(tokens[1], *set, kNowTime, &cache).from_cache);  // evicts 2
  EXPECT_TRUE(v.verify(tokens[3], *set, kNowTime, &cache).from_cache);
  EXPECT_FALSE(v.verify(tokens[2], *set, kNowTime, &cache).from_cache);

  VerificationCacheOptions tiny;
  tiny.max_token_bytes = 10;
  VerificationCache small(v, tiny);
  EXPECT_EQ(v.verify(tokens[4], *set, kNowTime, &small).status, JwtStatus::Ok);
  EXPECT_EQ(small.size(), 0u);

  VerificationCacheOptions off;
  off.max_entries = 0;
  VerificationCache disabled(v, off);
  EXPECT_EQ(v.verify(tokens[4], *set, kNowTime, &disabled).status, JwtStatus::Ok);
  EXPECT_EQ(disabled.size(), 0u);
}

TEST(VerificationCacheDeathTest, BelongsToOneVerifier) {
  JwtVerifier a(rule()), b(rule());
  VerificationCache cache(a);
  const TestKey& key = TestKey::fromOpensslCli("EC:P-256");
  auto set = keys({key.jwk("k1")});
  std::string token = makeToken(header("ES256"), payload(), key, Algorithm::ES256);
  EXPECT_DEATH(b.verify(token, *set, kNowTime, &cache), "another JwtVerifier");
}

}  // namespace
}  // namespace meshgate::jwt
