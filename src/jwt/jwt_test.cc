// SPDX-License-Identifier: Apache-2.0
#include "jwt/jwt.h"

#include <gtest/gtest.h>

#include "jwt/base64.h"
#include "jwt/test_keys.h"

namespace meshgate::jwt {
namespace {

constexpr std::string_view kHeader = R"({"alg":"RS256","kid":"k1","typ":"JWT"})";
constexpr std::string_view kPayload =
    R"({"iss":"https://issuer","sub":"alice","aud":["a1","a2"],"exp":2000000000,)"
    R"("nbf":1600000000,"iat":1600000000,"jti":"id-1","scope":"read write"})";
const std::string kSig(256, 'S');

JwtStatus parseStatus(std::string_view token) {
  return Jwt::parse(token).status();
}

std::string withHeader(std::string_view header) {
  return assembleToken(header, kPayload, kSig);
}
std::string withPayload(std::string_view payload) {
  return assembleToken(kHeader, payload, kSig);
}

TEST(Jwt, ParsesAWellFormedToken) {
  std::string token = assembleToken(kHeader, kPayload, kSig);
  auto jwt = Jwt::parse(token);
  ASSERT_TRUE(jwt.ok()) << statusName(jwt.status());
  EXPECT_EQ(jwt->alg(), Algorithm::RS256);
  EXPECT_EQ(jwt->kid(), "k1");
  EXPECT_EQ(jwt->issuer(), "https://issuer");
  EXPECT_EQ(jwt->subject(), "alice");
  EXPECT_EQ(jwt->audiences(), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(jwt->expiresAt(), 2000000000);
  EXPECT_EQ(jwt->notBefore(), 1600000000);
  EXPECT_EQ(jwt->issuedAt(), 1600000000);
  EXPECT_EQ(jwt->jwtId(), "id-1");
  EXPECT_EQ(jwt->signature(), kSig);
  EXPECT_EQ(jwt->token(), token);
  EXPECT_EQ(jwt->signingInput(), token.substr(0, token.rfind('.')));
  EXPECT_EQ(jwt->payloadBase64Url(), base64UrlEncode(kPayload));
  EXPECT_EQ(jwt->claims().string("scope"), "read write");
  EXPECT_EQ(jwt->header().find("typ")->asString(), "JWT");
  EXPECT_EQ(jwt->principal(), "https://issuer/alice");
  EXPECT_EQ(jwt->presenter(), "");
  EXPECT_EQ(Jwt::parse(withPayload(R"({"azp":"web-app"})"))->presenter(), "web-app");
}

TEST(Jwt, AudienceMayBeAString) {
  auto jwt = Jwt::parse(withPayload(R"({"aud":"only"})"));
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->audiences(), (std::vector<std::string>{"only"}));
  EXPECT_FALSE(jwt->expiresAt());
}

TEST(Jwt, SegmentsMustBeThree) {
  std::string h = base64UrlEncode(kHeader), p = base64UrlEncode(kPayload),
              s = base64UrlEncode(kSig);
  EXPECT_EQ(parseStatus(""), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus("garbage"), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus(h + "." + p), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus(h + "." + p + "." + s + "." + s), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus(h + "." + p + "." + s + ".." + s), JwtStatus::JwtBadFormat);  // JWE-like
  EXPECT_EQ(parseStatus("." + p + "." + s), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus(h + ".." + s), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus(h + "." + p + "."), JwtStatus::JwtBadFormat);
  EXPECT_EQ(parseStatus(".."), JwtStatus::JwtBadFormat);
}

TEST(Jwt, TruncatedTokensAreRejected) {
  std::string token = assembleToken(kHeader, kPayload, kSig);
  size_t ok = 0;
  for (size_t n = 0; n < token.size(); ++n) {
    auto r = Jwt::parse(token.substr(0, n));
    if (r.ok()) {
      // Cutting the signature at a 4-character boundary still decodes; only the signature
      // check can catch it, and the bytes must then differ.
      EXPECT_NE(r->signature(), kSig);
      ++ok;
    }
  }
  EXPECT_LT(ok, token.size() / 4);
}

TEST(Jwt, GarbageSegments) {
  std::string p = base64UrlEncode(kPayload), s = base64UrlEncode(kSig);
  EXPECT_EQ(parseStatus("!!!." + p + "." + s), JwtStatus::JwtHeaderParseErrorBadBase64);
  EXPECT_EQ(parseStatus(base64UrlEncode(kHeader) + "=." + p + "." + s),
            JwtStatus::JwtHeaderParseErrorBadBase64);
  EXPECT_EQ(parseStatus(base64UrlEncode("not json") + "." + p + "." + s),
            JwtStatus::JwtHeaderParseErrorBadJson);
  EXPECT_EQ(parseStatus(withHeader("[1,2]")), JwtStatus::JwtHeaderParseErrorBadJson);
  EXPECT_EQ(parseStatus(base64UrlEncode(kHeader) + ".%%%." + s),
            JwtStatus::JwtPayloadParseErrorBadBase64);
  EXPECT_EQ(parseStatus(withPayload("{\"a\":")), JwtStatus::JwtPayloadParseErrorBadJson);
  EXPECT_EQ(parseStatus(withPayload("\"a string\"")), JwtStatus::JwtPayloadParseErrorBadJson);
  EXPECT_EQ(parseStatus(base64UrlEncode(kHeader) + "." + p + ".a+b"),
            JwtStatus::JwtSignatureParseErrorBadBase64);
  EXPECT_EQ(parseStatus(base64UrlEncode(kHeader) + "." + p + "." + s + "="),
            JwtStatus::JwtSignatureParseErrorBadBase64);
}

TEST(Jwt, DuplicateMembersAreRejected) {
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","alg":"none"})")),
            JwtStatus::JwtHeaderParseErrorBadJson);
  EXPECT_EQ(parseStatus(withPayload(R"({"sub":"a","sub":"b"})")),
            JwtStatus::JwtPayloadParseErrorBadJson);
}

TEST(Jwt, AlgorithmHeader) {
  EXPECT_EQ(parseStatus(withHeader(R"({"typ":"JWT"})")), JwtStatus::JwtHeaderBadAlg);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":256})")), JwtStatus::JwtHeaderBadAlg);
  for (std::string_view alg : {"none", "None", "NONE", "rs256", "HS1", "ES256K", "RSA-OAEP", ""}) {
    EXPECT_EQ(parseStatus(withHeader(std::string(R"({"alg":")") + std::string(alg) + "\"}")),
              JwtStatus::JwtHeaderNotImplementedAlg)
        << alg;
  }
  // An unsecured JWS: alg none with an empty signature.
  EXPECT_EQ(
      parseStatus(base64UrlEncode(R"({"alg":"none"})") + "." + base64UrlEncode(kPayload) + "."),
      JwtStatus::JwtHeaderNotImplementedAlg);
  for (std::string_view alg :
       {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512"}) {
    auto jwt = Jwt::parse(withHeader(std::string(R"({"alg":")") + std::string(alg) + "\"}"));
    ASSERT_TRUE(jwt.ok()) << alg;
    EXPECT_EQ(algorithmName(jwt->alg()), alg);
  }
}

TEST(Jwt, KidMustBeAString) {
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","kid":7})")), JwtStatus::JwtHeaderBadKid);
  EXPECT_EQ(Jwt::parse(withHeader(R"({"alg":"RS256"})"))->kid(), "");
}

TEST(Jwt, CriticalHeaders) {
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":["exp"],"exp":1})")),
            JwtStatus::JwtHeaderUnsupportedCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":["b64"],"b64":false})")),
            JwtStatus::JwtHeaderUnsupportedCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":[]})")), JwtStatus::JwtHeaderBadCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":"exp","exp":1})")),
            JwtStatus::JwtHeaderBadCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":["x","x"],"x":1})")),
            JwtStatus::JwtHeaderBadCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":["kid"],"kid":"a"})")),
            JwtStatus::JwtHeaderBadCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":["absent"]})")),
            JwtStatus::JwtHeaderBadCrit);
  EXPECT_EQ(parseStatus(withHeader(R"({"alg":"RS256","crit":[1]})")), JwtStatus::JwtHeaderBadCrit);
}

TEST(Jwt, RegisteredClaimTypes) {
  EXPECT_EQ(parseStatus(withPayload(R"({"iss":1})")), JwtStatus::JwtPayloadParseErrorIssNotString);
  EXPECT_EQ(parseStatus(withPayload(R"({"sub":[]})")), JwtStatus::JwtPayloadParseErrorSubNotString);
  EXPECT_EQ(parseStatus(withPayload(R"({"jti":{}})")), JwtStatus::JwtPayloadParseErrorJtiNotString);
  EXPECT_EQ(parseStatus(withPayload(R"({"aud":1})")), JwtStatus::JwtPayloadParseErrorAudNotString);
  EXPECT_EQ(parseStatus(withPayload(R"({"aud":["a",1]})")),
            JwtStatus::JwtPayloadParseErrorAudNotString);
  EXPECT_EQ(parseStatus(withPayload(R"({"exp":"2000000000"})")),
            JwtStatus::JwtPayloadParseErrorExpNotInteger);
  EXPECT_EQ(parseStatus(withPayload(R"({"exp":-1})")),
            JwtStatus::JwtPayloadParseErrorExpOutOfRange);
  EXPECT_EQ(parseStatus(withPayload(R"({"exp":1e300})")),
            JwtStatus::JwtPayloadParseErrorExpOutOfRange);
  EXPECT_EQ(parseStatus(withPayload(R"({"exp":18446744073709551615})")),
            JwtStatus::JwtPayloadParseErrorExpOutOfRange);
  EXPECT_EQ(parseStatus(withPayload(R"({"nbf":true})")),
            JwtStatus::JwtPayloadParseErrorNbfNotInteger);
  EXPECT_EQ(parseStatus(withPayload(R"({"nbf":-5})")),
            JwtStatus::JwtPayloadParseErrorNbfOutOfRange);
  EXPECT_EQ(parseStatus(withPayload(R"({"iat":null})")),
            JwtStatus::JwtPayloadParseErrorIatNotInteger);
  EXPECT_EQ(parseStatus(withPayload(R"({"iat":-0.5})")),
            JwtStatus::JwtPayloadParseErrorIatOutOfRange);
  auto fractional = Jwt::parse(withPayload(R"({"exp":1700000000.9})"));
  ASSERT_TRUE(fractional.ok());
  EXPECT_EQ(fractional->expiresAt(), 1700000000);
}

TEST(Jwt, FixedLengthSignatures) {
  EXPECT_TRUE(Jwt::parse(assembleToken(R"({"alg":"ES256"})", kPayload, std::string(64, 'x'))).ok());
  EXPECT_EQ(parseStatus(assembleToken(R"({"alg":"ES256"})", kPayload, std::string(63, 'x'))),
            JwtStatus::JwtEcdsaSignatureWrongLength);
  EXPECT_EQ(parseStatus(assembleToken(R"({"alg":"ES256"})", kPayload, std::string(72, 'x'))),
            JwtStatus::JwtEcdsaSignatureWrongLength);
  EXPECT_TRUE(Jwt::parse(assembleToken(R"({"alg":"ES384"})", kPayload, std::string(96, 'x'))).ok());
  EXPECT_EQ(parseStatus(assembleToken(R"({"alg":"ES384"})", kPayload, std::string(64, 'x'))),
            JwtStatus::JwtEcdsaSignatureWrongLength);
  EXPECT_TRUE(
      Jwt::parse(assembleToken(R"({"alg":"ES512"})", kPayload, std::string(132, 'x'))).ok());
  EXPECT_TRUE(Jwt::parse(assembleToken(R"({"alg":"EdDSA"})", kPayload, std::string(64, 'x'))).ok());
  EXPECT_EQ(parseStatus(assembleToken(R"({"alg":"EdDSA"})", kPayload, std::string(65, 'x'))),
            JwtStatus::JwtEd25519SignatureWrongLength);
}

TEST(Jwt, SizeLimit) {
  JwtParseOptions options;
  options.max_token_bytes = 100;
  std::string token = assembleToken(kHeader, kPayload, kSig);
  EXPECT_EQ(Jwt::parse(token, options).status(), JwtStatus::JwtTooLarge);
  options.max_token_bytes = token.size();
  EXPECT_TRUE(Jwt::parse(token, options).ok());
}

TEST(Jwt, StatusTextMatchesEnvoy) {
  EXPECT_EQ(statusName(JwtStatus::JwtExpired), "JwtExpired");
  EXPECT_EQ(statusMessage(JwtStatus::JwtExpired), "Jwt is expired");
  EXPECT_EQ(statusMessage(JwtStatus::JwtVerificationFail), "Jwt verification fails");
  EXPECT_EQ(statusMessage(JwtStatus::JwtAudienceNotAllowed), "Audiences in Jwt are not allowed");
  EXPECT_EQ(statusMessage(JwtStatus::JwksKidAlgMismatch),
            "Jwks doesn't have key to match kid or alg from Jwt");
  EXPECT_EQ(httpStatusFor(JwtStatus::JwtAudienceNotAllowed), 403);
  EXPECT_EQ(httpStatusFor(JwtStatus::JwtExpired), 401);
  EXPECT_EQ(httpStatusFor(JwtStatus::Ok), 200);
}

TEST(Jwt, BearerChallenge) {
  EXPECT_EQ(bearerChallenge("http://host/path", JwtStatus::JwtExpired),
            R"(Bearer realm="http://host/path", error="invalid_token")");
  EXPECT_EQ(bearerChallenge("http://host/", JwtStatus::JwtMissed),
            R"(Bearer realm="http://host/")");
  EXPECT_EQ(bearerChallenge("http://h/\"x\\\r\n", JwtStatus::JwtBadFormat),
            R"(Bearer realm="http://h/\"x\\", error="invalid_token")");
  std::string longer(400, 'a');
  EXPECT_EQ(bearerChallenge(longer, JwtStatus::JwtMissed).size(),
            std::string("Bearer realm=\"\"").size() + 256);
}

}  // namespace
}  // namespace meshgate::jwt
