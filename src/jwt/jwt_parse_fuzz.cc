// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: JWS compact parsing and the verifier's checks on arbitrary tokens,
// against fixed keys whose private halves signed the seed tokens: no crash, no leak, parsing
// is deterministic, and a token that verifies is in canonical form.
#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "jwt/base64.h"
#include "jwt/jwk_set.h"
#include "jwt/jwt.h"
#include "jwt/verification_cache.h"
#include "jwt/verifier.h"

namespace {

constexpr std::string_view kJwks = R"({"keys":[
{"kty":"RSA","n":"8gq1qSWsByJ2ZQSas6yWAbuoTBnPyw3nRmhp_GzDi62rYTnTNZXXWfqiA8G1_HUkr8CjF61P13XurN5Q33XHVXUV5goGccsLw82R3DVlCDJ2iY30rUJ85qxt3VDXDD1Ni-ZMI7z2VLhhV5MbNm8Lo890xKvU3HQFW9X5xMVTgrdohifIVHqAL8ixvaoEpUSIkfzgIDXIA08Jy8WwSEkFVJBrkBVaa0ScMEMke3hA_ZxfN_RAOvmXuLAJIuI5w6EH9vMct1zytLv6dOzlXzSLTfeiR9i4Ao-0OV4M8wW-1Sbf1ARkmGejb6VeQenvQGr758UpmNhw3K5WkC1dm290hQ","e":"AQAB","kid":"rsa"},
{"kty":"EC","crv":"P-256","x":"UJI46Goxe65Hi7MNs2d5HaAPnDzImJGH-S0fpGMVSaI","y":"_Y8ZZwtDY3UYMvqJwJSe_jgIX_kjwRsvuMDnXqwuCFo","kid":"ec"},
{"kty":"OKP","crv":"Ed25519","x":"ECwmMDUKsR-ROXTQS6wD4mTLWoLklNnBFHH6JPy28oM","kid":"ed"},
{"kty":"oct","kid":"hs","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}]})";

const meshgate::jwt::JwkSet& keys() {
  static const auto set = [] {
    meshgate::jwt::JwksParseOptions options;
    options.allow_symmetric = true;
    options.min_rsa_bits = 2048;
    auto r = meshgate::jwt::JwkSet::parse(kJwks, options);
    MG_ASSERT(r.ok() && r.value()->keys().size() == 4, "fuzz key set must load");
    return r.value();
  }();
  return *set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshgate::jwt;
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto parsed = Jwt::parse(token);
  if (parsed.ok()) {
    MG_ASSERT(parsed->token() == token, "token text changed");
    MG_ASSERT(parsed->signingInput().size() < token.size(), "signing input too long");
    auto again = Jwt::parse(parsed->token());
    MG_ASSERT(again.ok() && again->claims().toJson() == parsed->claims().toJson(),
              "parse is not deterministic");
    (void)parsed->claims().findDotted("a.b.c");
    (void)stringList(*parsed->claims().findPath({}), SpaceDelimited::Yes);
  }
  static const JwtVerifier verifier([] {
    VerifyOptions o;
    o.audiences = {"x"};
    return o;
  }());
  static VerificationCache cache(verifier);
  const meshgate::base::SystemTime now{std::chrono::seconds(1'700'000'000)};
  VerifyResult r = verifier.verify(token, keys(), now, &cache);
  if (r.status == JwtStatus::Ok) {
    // Signatures are checked over the exact text, and base64url has one encoding per value:
    // a verified token re-assembles to itself.
    std::string rebuilt =
        std::string(r.jwt->signingInput()) + "." + base64UrlEncode(r.jwt->signature());
    MG_ASSERT(rebuilt == token, "a verified token is not canonical");
  }
  return 0;
}
