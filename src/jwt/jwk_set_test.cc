// SPDX-License-Identifier: Apache-2.0
#include "jwt/jwk_set.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "jwt/base64.h"
#include "jwt/test_keys.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate::jwt {
namespace {

std::shared_ptr<const JwkSet> load(std::string_view text, JwksParseOptions options = {}) {
  auto r = JwkSet::parse(text, options);
  EXPECT_TRUE(r.ok()) << statusName(r.status()) << " for " << text;
  return r.ok() ? r.value() : nullptr;
}

JwtStatus loadStatus(std::string_view text, JwksParseOptions options = {}) {
  return JwkSet::parse(text, options).status();
}

// Runs the openssl CLI and returns what it wrote to `out`.
std::string openssl(const testing::TempDir& dir, std::vector<std::string> args,
                    const std::string& out) {
  args.insert(args.begin(), "openssl");
  auto r = testing::runCommand(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto text = base::readFile(dir.file(out));
  EXPECT_TRUE(text.ok());
  return text.ok() ? *text : "";
}

TEST(JwkSet, LoadsEveryKeyType) {
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& p256 = TestKey::fromOpensslCli("EC:P-256");
  const TestKey& p384 = TestKey::fromOpensslCli("EC:P-384");
  const TestKey& p521 = TestKey::fromOpensslCli("EC:P-521");
  const TestKey& ed = TestKey::fromOpensslCli("ED25519");
  auto set = load(jwksOf({rsa.jwk("r", "RS256"), p256.jwk("e1"), p384.jwk("e2", "ES384"),
                          p521.jwk("e3"), ed.jwk("o", "EdDSA")}));
  ASSERT_TRUE(set);
  ASSERT_EQ(set->keys().size(), 5u);
  EXPECT_EQ(set->skippedKeys(), 0u);
  const auto& k = set->keys();
  EXPECT_EQ(k[0].type(), KeyType::RSA);
  EXPECT_EQ(k[0].kid(), "r");
  EXPECT_EQ(k[0].alg(), Algorithm::RS256);
  EXPECT_EQ(k[0].bits(), 2048);
  EXPECT_EQ(k[1].type(), KeyType::EC);
  EXPECT_EQ(k[1].curve(), Curve::P256);
  EXPECT_FALSE(k[1].alg());
  EXPECT_EQ(k[2].curve(), Curve::P384);
  EXPECT_EQ(k[3].curve(), Curve::P521);
  EXPECT_EQ(k[4].type(), KeyType::OKP);
  EXPECT_EQ(k[4].curve(), Curve::Ed25519);
}

TEST(JwkSet, KeysFitOnlyTheirAlgorithms) {
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& p256 = TestKey::fromOpensslCli("EC:P-256");
  const TestKey& ed = TestKey::fromOpensslCli("ED25519");
  JwksParseOptions options;
  options.allow_symmetric = true;
  std::string oct = R"({"kty":"oct","k":")" + base64UrlEncode(std::string(48, 's')) + "\"}";
  auto set = load(jwksOf({rsa.jwk(), rsa.jwk("", "PS256"), p256.jwk(), ed.jwk(), oct}), options);
  ASSERT_TRUE(set);
  const auto& k = set->keys();
  EXPECT_TRUE(k[0].fits(Algorithm::RS256));
  EXPECT_TRUE(k[0].fits(Algorithm::PS512));
  EXPECT_FALSE(k[0].fits(Algorithm::HS256));
  EXPECT_FALSE(k[0].fits(Algorithm::ES256));
  EXPECT_FALSE(k[0].fits(Algorithm::EdDSA));
  EXPECT_TRUE(k[1].fits(Algorithm::PS256));
  EXPECT_FALSE(k[1].fits(Algorithm::RS256));  // pinned alg
  EXPECT_TRUE(k[2].fits(Algorithm::ES256));
  EXPECT_FALSE(k[2].fits(Algorithm::ES384));  // curve mismatch
  EXPECT_FALSE(k[2].fits(Algorithm::RS256));
  EXPECT_TRUE(k[3].fits(Algorithm::EdDSA));
  EXPECT_FALSE(k[3].fits(Algorithm::ES256));
  EXPECT_TRUE(k[4].fits(Algorithm::HS256));
  EXPECT_TRUE(k[4].fits(Algorithm::HS384));
  EXPECT_FALSE(k[4].fits(Algorithm::HS512));  // 48-byte secret is shorter than SHA-512
  EXPECT_FALSE(k[4].fits(Algorithm::RS256));
}

TEST(JwkSet, SymmetricKeysNeedExplicitConsent) {
  std::string oct = R"({"kty":"oct","k":")" + base64UrlEncode(std::string(32, 's')) + "\"}";
  EXPECT_EQ(loadStatus(jwksOf({oct})), JwtStatus::JwksHMACKeyNotAllowed);
  JwksParseOptions options;
  options.allow_symmetric = true;
  EXPECT_TRUE(load(jwksOf({oct}), options));
  std::string short_oct = R"({"kty":"oct","k":")" + base64UrlEncode(std::string(31, 's')) + "\"}";
  EXPECT_EQ(loadStatus(jwksOf({short_oct}), options), JwtStatus::JwksHMACKeyTooShort);
  std::string short512 =
      R"({"kty":"oct","alg":"HS512","k":")" + base64UrlEncode(std::string(48, 's')) + "\"}";
  EXPECT_EQ(loadStatus(jwksOf({short512}), options), JwtStatus::JwksHMACKeyTooShort);
  EXPECT_EQ(loadStatus(jwksOf({R"({"kty":"oct"})"}), options), JwtStatus::JwksHMACKeyMissingK);
  EXPECT_EQ(loadStatus(jwksOf({R"({"kty":"oct","k":5})"}), options), JwtStatus::JwksHMACKeyBadK);
  EXPECT_EQ(loadStatus(jwksOf({R"({"kty":"oct","k":"***"})"}), options),
            JwtStatus::JwksOctBadBase64);
  EXPECT_EQ(loadStatus(jwksOf({R"({"kty":"oct","alg":"RS256","k":"AAAA"})"}), options),
            JwtStatus::JwksHMACKeyBadAlg);
}

TEST(JwkSet, RsaKeyChecks) {
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& small = TestKey::fromOpensslCli("RSA:1024");
  EXPECT_EQ(loadStatus(jwksOf({small.jwk()})), JwtStatus::JwksRsaKeyTooSmall);
  JwksParseOptions lax;
  lax.min_rsa_bits = 1024;
  EXPECT_TRUE(load(jwksOf({small.jwk()}), lax));
  EXPECT_EQ(loadStatus(small.publicPem()), JwtStatus::JwksRsaKeyTooSmall);

  auto n_of = [&](const std::string& jwk) {
    auto v = *JsonValue::parse(jwk);
    return std::string(v.find("n")->asString());
  };
  std::string n = n_of(rsa.jwk());
  auto rsa_jwk = [&](std::string_view members) {
    return jwksOf({std::string(R"({"kty":"RSA",)") + std::string(members) + "}"});
  };
  EXPECT_EQ(loadStatus(rsa_jwk(R"("e":"AQAB")")), JwtStatus::JwksRSAKeyMissingN);
  EXPECT_EQ(loadStatus(rsa_jwk(R"("n":1,"e":"AQAB")")), JwtStatus::JwksRSAKeyBadN);
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + n + "\"")), JwtStatus::JwksRSAKeyMissingE);
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + n + "\",\"e\":[]")), JwtStatus::JwksRSAKeyBadE);
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + n + "\",\"e\":\"AQAC\"")),
            JwtStatus::JwksRsaParseError);                                            // e = 65538
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + n + "\",\"e\":\"Aw\"")), JwtStatus::Ok);  // e = 3
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"!!\",\"e\":\"AQAB\"")), JwtStatus::JwksRsaParseError);
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + n + "\",\"e\":\"AQAB\",\"alg\":\"ES256\"")),
            JwtStatus::JwksRSAKeyBadAlg);
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + n + "\",\"e\":\"AQAB\",\"alg\":\"RSA-OAEP\"")),
            JwtStatus::JwksRSAKeyBadAlg);
  // An even modulus is not an RSA key.
  std::string even = *base64UrlDecode(n);
  even.back() = static_cast<char>(even.back() & ~1);
  EXPECT_EQ(loadStatus(rsa_jwk("\"n\":\"" + base64UrlEncode(even) + "\",\"e\":\"AQAB\"")),
            JwtStatus::JwksRsaParseError);
}

TEST(JwkSet, EcKeyChecks) {
  const TestKey& p256 = TestKey::fromOpensslCli("EC:P-256");
  auto v = *JsonValue::parse(p256.jwk());
  std::string x(v.find("x")->asString()), y(v.find("y")->asString());
  auto ec = [&](std::string_view members) {
    return jwksOf({std::string(R"({"kty":"EC",)") + std::string(members) + "}"});
  };
  std::string xy = "\"x\":\"" + x + "\",\"y\":\"" + y + "\"";
  EXPECT_TRUE(load(ec(xy)));  // no crv, no alg: P-256, as Envoy assumes
  EXPECT_TRUE(load(ec("\"alg\":\"ES256\"," + xy)));
  EXPECT_EQ(loadStatus(ec("\"crv\":\"P-384\"," + xy)), JwtStatus::JwksEcParseError);
  EXPECT_EQ(loadStatus(ec("\"crv\":\"P-256\",\"alg\":\"ES384\"," + xy)),
            JwtStatus::JwksECKeyAlgNotCompatibleWithCrv);
  EXPECT_EQ(loadStatus(ec("\"crv\":\"secp256k1\"," + xy)), JwtStatus::JwksECKeyAlgOrCrvUnsupported);
  EXPECT_EQ(loadStatus(ec("\"crv\":7," + xy)), JwtStatus::JwksECKeyBadCrv);
  EXPECT_EQ(loadStatus(ec("\"alg\":\"RS256\"," + xy)), JwtStatus::JwksECKeyBadAlg);
  EXPECT_EQ(loadStatus(ec("\"y\":\"" + y + "\"")), JwtStatus::JwksECKeyMissingX);
  EXPECT_EQ(loadStatus(ec("\"x\":\"" + x + "\"")), JwtStatus::JwksECKeyMissingY);
  EXPECT_EQ(loadStatus(ec("\"x\":1,\"y\":\"" + y + "\"")), JwtStatus::JwksECKeyBadX);
  EXPECT_EQ(loadStatus(ec("\"x\":\"" + x + "\",\"y\":false")), JwtStatus::JwksECKeyBadY);
  EXPECT_EQ(loadStatus(ec("\"x\":\"@@\",\"y\":\"" + y + "\"")), JwtStatus::JwksEcXorYBadBase64);
  // A point that is not on the curve: flip a bit of y.
  std::string bad_y = *base64UrlDecode(y);
  bad_y[5] = static_cast<char>(bad_y[5] ^ 1);
  EXPECT_EQ(loadStatus(ec("\"x\":\"" + x + "\",\"y\":\"" + base64UrlEncode(bad_y) + "\"")),
            JwtStatus::JwksEcParseError);
  // Coordinates longer than the field.
  std::string long_x = base64UrlEncode(std::string(1, '\0') + *base64UrlDecode(x) + "z");
  EXPECT_EQ(loadStatus(ec("\"x\":\"" + long_x + "\",\"y\":\"" + y + "\"")),
            JwtStatus::JwksEcParseError);
}

TEST(JwkSet, OkpKeyChecks) {
  const TestKey& ed = TestKey::fromOpensslCli("ED25519");
  auto v = *JsonValue::parse(ed.jwk());
  std::string x(v.find("x")->asString());
  auto okp = [&](std::string_view members) {
    return jwksOf({std::string(R"({"kty":"OKP",)") + std::string(members) + "}"});
  };
  EXPECT_TRUE(load(okp("\"crv\":\"Ed25519\",\"x\":\"" + x + "\"")));
  EXPECT_EQ(loadStatus(okp("\"x\":\"" + x + "\"")), JwtStatus::JwksOKPKeyMissingCrv);
  EXPECT_EQ(loadStatus(okp("\"crv\":1,\"x\":\"" + x + "\"")), JwtStatus::JwksOKPKeyBadCrv);
  EXPECT_EQ(loadStatus(okp("\"crv\":\"Ed448\",\"x\":\"" + x + "\"")),
            JwtStatus::JwksOKPKeyCrvUnsupported);
  EXPECT_EQ(loadStatus(okp("\"crv\":\"Ed25519\"")), JwtStatus::JwksOKPKeyMissingX);
  EXPECT_EQ(loadStatus(okp("\"crv\":\"Ed25519\",\"x\":{}")), JwtStatus::JwksOKPKeyBadX);
  EXPECT_EQ(loadStatus(okp("\"crv\":\"Ed25519\",\"x\":\"AAAA\"")), JwtStatus::JwksOKPXWrongLength);
  EXPECT_EQ(loadStatus(okp("\"crv\":\"Ed25519\",\"x\":\"A\"")), JwtStatus::JwksOKPXBadBase64);
  EXPECT_EQ(loadStatus(okp("\"crv\":\"Ed25519\",\"alg\":\"ES256\",\"x\":\"" + x + "\"")),
            JwtStatus::JwksOKPKeyBadAlg);
}

TEST(JwkSet, SetStructure) {
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  EXPECT_EQ(loadStatus("not json"), JwtStatus::JwksParseError);
  EXPECT_EQ(loadStatus("[1]"), JwtStatus::JwksParseError);
  EXPECT_EQ(loadStatus("{}"), JwtStatus::JwksNoKeys);
  EXPECT_EQ(loadStatus(R"({"keys":{}})"), JwtStatus::JwksBadKeys);
  EXPECT_EQ(loadStatus(R"({"keys":[]})"), JwtStatus::JwksNoValidKeys);
  EXPECT_EQ(loadStatus(R"({"keys":[1,"x"]})"), JwtStatus::JwksBadKeys);
  EXPECT_EQ(loadStatus(R"({"keys":[{}]})"), JwtStatus::JwksMissingKty);
  EXPECT_EQ(loadStatus(R"({"keys":[{"kty":1}]})"), JwtStatus::JwksBadKty);
  EXPECT_EQ(loadStatus(R"({"keys":[{"kty":"XYZ"}]})"), JwtStatus::JwksNotImplementedKty);
  EXPECT_EQ(loadStatus(jwksOf({R"({"kty":"RSA","kid":1})"})), JwtStatus::JwksBadKid);
  EXPECT_EQ(loadStatus(jwksOf({R"({"kty":"RSA","alg":1})"})), JwtStatus::JwksBadAlg);

  // A single JWK (what Istio's validation accepts for `jwks`).
  auto single = load(rsa.jwk("only"));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->keys()[0].kid(), "only");

  // Bad keys are skipped as long as one loads.
  auto mixed = load(jwksOf({R"({"kty":"XYZ"})", rsa.jwk("good"), R"({"kty":"EC"})"}));
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->keys().size(), 1u);
  EXPECT_EQ(mixed->skippedKeys(), 2u);
  EXPECT_EQ(mixed->firstSkipReason(), JwtStatus::JwksNotImplementedKty);

  JwksParseOptions few;
  few.max_keys = 2;
  EXPECT_EQ(loadStatus(jwksOf({rsa.jwk("1"), rsa.jwk("2"), rsa.jwk("3")}), few),
            JwtStatus::JwksTooManyKeys);
  few.max_bytes = 10;
  EXPECT_EQ(loadStatus(jwksOf({rsa.jwk("1")}), few), JwtStatus::JwksParseError);

  auto a = load(rsa.jwk());
  auto b = load(rsa.jwk());
  EXPECT_NE(a->id(), b->id());
}

TEST(JwkSet, KeysMarkedForEncryptionAreSkipped) {
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  auto with = [&](std::string_view member) {
    std::string jwk = rsa.jwk();
    jwk.insert(1, std::string(member) + ",");
    return jwk;
  };
  EXPECT_TRUE(load(jwksOf({with(R"("use":"sig")")})));
  EXPECT_EQ(loadStatus(jwksOf({with(R"("use":"enc")")})), JwtStatus::JwksKeyNotForSignature);
  EXPECT_TRUE(load(jwksOf({with(R"("key_ops":["sign","verify"])")})));
  EXPECT_EQ(loadStatus(jwksOf({with(R"("key_ops":["encrypt"])")})),
            JwtStatus::JwksKeyNotForSignature);
  EXPECT_EQ(loadStatus(jwksOf({with(R"("key_ops":"verify")")})), JwtStatus::JwksKeyNotForSignature);
}

TEST(JwkSet, PemKeysAndCertificates) {
  testing::TempDir dir;
  const TestKey& rsa = TestKey::fromOpensslCli("RSA:2048");
  const TestKey& p384 = TestKey::fromOpensslCli("EC:P-384");
  const TestKey& ed = TestKey::fromOpensslCli("ED25519");

  auto spki = load(rsa.publicPem() + p384.publicPem() + "\n" + ed.publicPem());
  ASSERT_TRUE(spki);
  ASSERT_EQ(spki->keys().size(), 3u);
  EXPECT_EQ(spki->keys()[0].type(), KeyType::RSA);
  EXPECT_EQ(spki->keys()[1].curve(), Curve::P384);
  EXPECT_EQ(spki->keys()[2].curve(), Curve::Ed25519);
  EXPECT_EQ(spki->keys()[0].kid(), "");

  // PKCS#1 "RSA PUBLIC KEY", as `openssl rsa -RSAPublicKey_out` writes it.
  dir.write("rsa.pem", rsa.privatePem());
  std::string pkcs1 = openssl(
      dir, {"rsa", "-in", dir.file("rsa.pem"), "-RSAPublicKey_out", "-out", dir.file("pkcs1.pem")},
      "pkcs1.pem");
  ASSERT_NE(pkcs1.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  auto pkcs1_set = load(pkcs1);
  ASSERT_TRUE(pkcs1_set);
  EXPECT_EQ(pkcs1_set->keys()[0].bits(), 2048);

  // A self-signed certificate, alone and in Google's kid → certificate map.
  std::string cert = openssl(dir,
                             {"req", "-x509", "-new", "-key", dir.file("rsa.pem"), "-subj",
                              "/CN=meshgate-test", "-days", "1", "-out", dir.file("cert.pem")},
                             "cert.pem");
  auto cert_set = load(cert);
  ASSERT_TRUE(cert_set);
  EXPECT_EQ(cert_set->keys()[0].type(), KeyType::RSA);
  std::string escaped;
  for (char c : cert)
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  auto map = load(R"({"kid-a":")" + escaped + R"(","kid-b":")" + escaped + "\"}");
  ASSERT_TRUE(map);
  ASSERT_EQ(map->keys().size(), 2u);
  EXPECT_EQ(map->keys()[0].kid(), "kid-a");
  EXPECT_EQ(map->keys()[1].kid(), "kid-b");

  EXPECT_EQ(loadStatus(rsa.privatePem()), JwtStatus::JwksPemNotImplementedKty);
  EXPECT_EQ(loadStatus("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"),
            JwtStatus::JwksPemBadBase64);
  EXPECT_EQ(loadStatus("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            JwtStatus::JwksPemBadBase64);
  EXPECT_EQ(loadStatus("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            JwtStatus::JwksX509ParseError);
  EXPECT_EQ(loadStatus("-----BEGIN nothing"), JwtStatus::JwksPemBadBase64);
}

}  // namespace
}  // namespace meshgate::jwt
