// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks: token parsing, and RS256/ES256/EdDSA/PS256 verification with and without
// the per-worker verification cache.
#include <benchmark/benchmark.h>

#include "jwt/jwk_set.h"
#include "jwt/jwt.h"
#include "jwt/test_keys.h"
#include "jwt/verification_cache.h"
#include "jwt/verifier.h"

namespace meshgate::jwt {
namespace {

const base::SystemTime kNow{std::chrono::seconds(1'700'000'000)};
constexpr std::string_view kPayload =
    R"({"iss":"https://issuer.example","sub":"1234567890","aud":["api","web"],)"
    R"("exp":1700003600,"iat":1699996400,"scope":"read write admin",)"
    R"("email":"alice@example.com","groups":["eng","ops"],"realm":{"roles":["a","b"]}})";

struct Fixture {
  Fixture(const std::string& spec, Algorithm alg)
      : key(TestKey::generate(spec)),
        set(JwkSet::parse(jwksOf({key.jwk("k1")})).value()),
        token(makeToken(R"({"alg":")" + std::string(algorithmName(alg)) + R"(","kid":"k1"})",
                        kPayload, key, alg)),
        verifier([] {
          VerifyOptions o;
          o.issuer = "https://issuer.example";
          o.audiences = {"api"};
          return o;
        }()) {}

  TestKey key;
  std::shared_ptr<const JwkSet> set;
  std::string token;
  JwtVerifier verifier;
};

Fixture& fixture(Algorithm alg) {
  static Fixture rs256("RSA:2048", Algorithm::RS256);
  static Fixture ps256("RSA:2048", Algorithm::PS256);
  static Fixture es256("EC:P-256", Algorithm::ES256);
  static Fixture eddsa("ED25519", Algorithm::EdDSA);
  switch (alg) {
    case Algorithm::PS256:
      return ps256;
    case Algorithm::ES256:
      return es256;
    case Algorithm::EdDSA:
      return eddsa;
    default:
      return rs256;
  }
}

void BM_Parse(benchmark::State& state) {
  Fixture& f = fixture(Algorithm::RS256);
  for (auto _ : state) {
    auto jwt = Jwt::parse(f.token);
    benchmark::DoNotOptimize(jwt.ok());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.token.size()));
}
BENCHMARK(BM_Parse);

void BM_Verify(benchmark::State& state, Algorithm alg) {
  Fixture& f = fixture(alg);
  for (auto _ : state) {
    VerifyResult r = f.verifier.verify(f.token, *f.set, kNow);
    if (r.status != JwtStatus::Ok) state.SkipWithError("verification failed");
  }
}
BENCHMARK_CAPTURE(BM_Verify, RS256, Algorithm::RS256);
BENCHMARK_CAPTURE(BM_Verify, PS256, Algorithm::PS256);
BENCHMARK_CAPTURE(BM_Verify, ES256, Algorithm::ES256);
BENCHMARK_CAPTURE(BM_Verify, EdDSA, Algorithm::EdDSA);

void BM_VerifyCached(benchmark::State& state, Algorithm alg) {
  Fixture& f = fixture(alg);
  VerificationCache cache(f.verifier);
  for (auto _ : state) {
    VerifyResult r = f.verifier.verify(f.token, *f.set, kNow, &cache);
    if (r.status != JwtStatus::Ok) state.SkipWithError("verification failed");
  }
  state.counters["hit_ratio"] =
      static_cast<double>(cache.stats().hits) /
      static_cast<double>(std::max<uint64_t>(1, cache.stats().hits + cache.stats().misses));
}
BENCHMARK_CAPTURE(BM_VerifyCached, RS256, Algorithm::RS256);
BENCHMARK_CAPTURE(BM_VerifyCached, ES256, Algorithm::ES256);

// Only the signature: what a cache miss costs beyond parsing.
void BM_SignatureOnly(benchmark::State& state, Algorithm alg) {
  Fixture& f = fixture(alg);
  Jwt jwt = Jwt::parse(f.token).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(JwtVerifier::checkSignature(jwt, *f.set));
  }
}
BENCHMARK_CAPTURE(BM_SignatureOnly, RS256, Algorithm::RS256);
BENCHMARK_CAPTURE(BM_SignatureOnly, ES256, Algorithm::ES256);

void BM_JwksParse(benchmark::State& state) {
  std::string jwks =
      jwksOf({fixture(Algorithm::RS256).key.jwk("a"), fixture(Algorithm::ES256).key.jwk("b"),
              fixture(Algorithm::EdDSA).key.jwk("c")});
  for (auto _ : state) {
    auto set = JwkSet::parse(jwks);
    benchmark::DoNotOptimize(set.ok());
  }
}
BENCHMARK(BM_JwksParse);

}  // namespace
}  // namespace meshgate::jwt

BENCHMARK_MAIN();
