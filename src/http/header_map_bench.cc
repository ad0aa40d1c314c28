// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks for HeaderMap operations and path normalization.
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "http/header_map.h"
#include "http/path.h"

namespace meshgate::http {
namespace {

const std::vector<std::pair<std::string, std::string>> kTypical = {
    {"Host", "api.example.com"},
    {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"},
    {"Accept", "application/json, text/plain, */*"},
    {"Accept-Language", "en-US,en;q=0.9"},
    {"Accept-Encoding", "gzip, deflate, br"},
    {"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln"},
    {"Cookie", "session=abc123; theme=dark"},
    {"X-Request-Id", "7b2c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f"},
    {"X-Forwarded-For", "203.0.113.7"},
    {"Connection", "keep-alive"},
    {"Cache-Control", "no-cache"},
    {"Referer", "https://app.example.com/dashboard"},
};

void fill(HeaderMap& m) {
  for (const auto& [n, v] : kTypical)
    m.addCodecField(n, v);
}

// clear() + 12 adds: the per-request cost of filling a reused map.
void BM_HeaderMapFill12(benchmark::State& state) {
  HeaderMap m;
  for (auto _ : state) {
    m.clear();
    fill(m);
    benchmark::DoNotOptimize(m.size());
  }
}
BENCHMARK(BM_HeaderMapFill12);

// The dozen lookups the proxy does per request, by id.
void BM_HeaderMapGetKnown(benchmark::State& state) {
  HeaderMap m;
  fill(m);
  const HeaderId ids[] = {HeaderId::Host,
                          HeaderId::ContentLength,
                          HeaderId::TransferEncoding,
                          HeaderId::Connection,
                          HeaderId::Te,
                          HeaderId::Upgrade,
                          HeaderId::Expect,
                          HeaderId::KeepAlive,
                          HeaderId::XForwardedFor,
                          HeaderId::XRequestId,
                          HeaderId::Authorization,
                          HeaderId::Cookie};
  for (auto _ : state) {
    for (HeaderId id : ids)
      benchmark::DoNotOptimize(m.get(id));
  }
  state.SetItemsProcessed(state.iterations() * 12);
}
BENCHMARK(BM_HeaderMapGetKnown);

void BM_HeaderMapGetByName(benchmark::State& state) {
  HeaderMap m;
  fill(m);
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.get("X-Forwarded-For"));  // known, mixed case
    benchmark::DoNotOptimize(m.get("referer"));          // unknown name: linear scan
    benchmark::DoNotOptimize(m.get("x-missing"));
  }
  state.SetItemsProcessed(state.iterations() * 3);
}
BENCHMARK(BM_HeaderMapGetByName);

// What the proxy does when forwarding: drop hop-by-hop fields, append XFF, set a header.
void BM_HeaderMapMutate(benchmark::State& state) {
  HeaderMap m;
  for (auto _ : state) {
    m.clear();
    fill(m);
    m.remove(HeaderId::Connection);
    m.append("x-forwarded-for", "10.0.0.1");
    m.set("x-forwarded-proto", "http");
    benchmark::DoNotOptimize(m.byteSize());
  }
}
BENCHMARK(BM_HeaderMapMutate);

void BM_NormalizePath(benchmark::State& state) {
  const auto opts =
      PathNormalizationOptions::fromIstio(IstioPathNormalization::DecodeAndMergeSlashes);
  std::string out;
  const std::string path = "/api/v1/users/12345/profile/../settings/%61ccount//details";
  for (auto _ : state) {
    benchmark::DoNotOptimize(normalizePath(path, opts, out));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(path.size()));
}
BENCHMARK(BM_NormalizePath);

void BM_QueryParams(benchmark::State& state) {
  QueryParams q;
  const std::string query = "include=settings&format=json&page=2&q=hello%20world&sort=-created";
  for (auto _ : state) {
    q.parse(query);
    benchmark::DoNotOptimize(q.size());
  }
}
BENCHMARK(BM_QueryParams);

}  // namespace
}  // namespace meshgate::http

BENCHMARK_MAIN();
