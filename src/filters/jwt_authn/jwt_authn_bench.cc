// SPDX-License-Identifier: Apache-2.0
// The jwt_authn filter's request path: a cached RS256 token, a new one, an expired one, and no
// token, each through the factory's create() and onRequestHeaders() as the proxy drives them.
// Reports heap allocations per request ("allocs").
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "config/loader.h"
#include "filters/jwt_authn/jwt_authn_filter.h"
#include "jwt/test_keys.h"
#include "testing/fake_filter_context.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Counts every allocation of the process (benchmark bookkeeping included, which is why each
// measurement subtracts a baseline around the measured call only).
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace meshgate::filters::jwt_authn {
namespace {

constexpr int64_t kNow = 1'700'000'000;

/// Keeps nothing per request, so millions of iterations do not grow the fixture.
class BenchContext final : public testing::FakeFilterContext {
 public:
  void addAccessLogField(std::string_view, std::string_view) override {}
};

struct Fixture {
  Fixture() : key(jwt::TestKey::generate("RSA:2048")) {
    const std::string yaml =
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: b}\n"
        "spec:\n  jwtRules:\n  - issuer: https://issuer.example\n    audiences: [api]\n"
        "    jwks: '" +
        jwt::jwksOf({key.jwk("k1", "RS256")}) + "'\n";
    loaded = config::loadText(yaml).config;
    listener.meta.name = "main";
    filter_api::ChainSite site;
    site.config = loaded.get();
    site.listener = &listener;
    site.listener_name = "default/main";
    filter_api::BuildServices services;
    services.metrics = &ctx.registry();
    factory = std::make_shared<JwtAuthnFilterFactory>(
        JwtAuthnConfigFactory::compile(site, services).value());
    for (int i = 0; i < 1000; ++i)
      tokens.push_back("Bearer " + token(600, i));
  }

  std::string token(int64_t exp_offset, int n = 0) const {
    const std::string payload =
        R"({"iss":"https://issuer.example","sub":"user-)" + std::to_string(n) +
        R"(","aud":["api","web"],"azp":"cli","iat":)" + std::to_string(kNow - 60) + R"(,"exp":)" +
        std::to_string(kNow + exp_offset) + R"(,"scope":"read write","groups":["eng","ops"]})";
    return jwt::makeToken(R"({"alg":"RS256","kid":"k1","typ":"JWT"})", payload, key,
                          jwt::Algorithm::RS256);
  }

  /// One request; returns the allocations it made.
  uint64_t run(const std::string* authorization) {
    // As the connection manager reuses a request head: clear() keeps the header arena.
    ctx.head().clear();
    http::HeaderMap& h = ctx.head().headers();
    h.add("host", "api.example");
    if (authorization != nullptr) h.add("authorization", *authorization);
    const uint64_t before = g_allocations.load(std::memory_order_relaxed);
    {
      std::unique_ptr<filter_api::Filter> f = factory->create();
      benchmark::DoNotOptimize(f->onRequestHeaders(ctx, true));
      f->onComplete(ctx);
    }
    return g_allocations.load(std::memory_order_relaxed) - before;
  }

  jwt::TestKey key;
  std::shared_ptr<const config::ConfigSet> loaded;
  config::Listener listener;
  BenchContext ctx;
  std::shared_ptr<JwtAuthnFilterFactory> factory;
  std::vector<std::string> tokens;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void report(benchmark::State& state, uint64_t allocations) {
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
}

void BM_CachedToken(benchmark::State& state) {
  Fixture& f = fixture();
  f.run(&f.tokens[0]);  // verified once: later requests hit the cache
  uint64_t allocations = 0;
  for (auto _ : state)
    allocations += f.run(&f.tokens[0]);
  report(state, allocations);
}
BENCHMARK(BM_CachedToken);

void BM_NewToken(benchmark::State& state) {
  Fixture& f = fixture();
  // 1000 distinct tokens against a 100-entry cache: every request verifies a signature.
  size_t i = 0;
  uint64_t allocations = 0;
  for (auto _ : state) {
    allocations += f.run(&f.tokens[i]);
    i = (i + 1) % f.tokens.size();
  }
  report(state, allocations);
}
BENCHMARK(BM_NewToken);

void BM_ExpiredToken(benchmark::State& state) {
  Fixture& f = fixture();
  const std::string expired = "Bearer " + f.token(-600);
  uint64_t allocations = 0;
  for (auto _ : state)
    allocations += f.run(&expired);
  report(state, allocations);
}
BENCHMARK(BM_ExpiredToken);

void BM_NoToken(benchmark::State& state) {
  Fixture& f = fixture();
  uint64_t allocations = 0;
  for (auto _ : state)
    allocations += f.run(nullptr);
  report(state, allocations);
}
BENCHMARK(BM_NoToken);

}  // namespace
}  // namespace meshgate::filters::jwt_authn

BENCHMARK_MAIN();
