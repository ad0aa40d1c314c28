// SPDX-License-Identifier: Apache-2.0
// The request-path cost of the rate limit filter: one onRequestHeaders() with a single
// bucket, with keyed buckets (header, client IP), and with two policies, on the real clock.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "filters/rate_limit/config.h"
#include "filters/rate_limit/rate_limit_filter.h"
#include "testing/fake_filter_context.h"

namespace meshgate::filters::rate_limit {
namespace {

// Discards what the filter adds, and reads the real clock.
class BenchContext final : public testing::FakeFilterContext {
 public:
  void respond(filter_api::LocalReply reply) override { (void)reply; }
  void addResponseHeader(std::string_view name, std::string_view value) override {
    headers_ += name.size() + value.size();
  }
  void addAccessLogField(std::string_view key, std::string_view json_value) override {
    (void)key;
    (void)json_value;
  }
  const base::Clock& clock() const override { return base::RealClock::instance(); }
  size_t headers_ = 0;
};

struct Route {
  std::shared_ptr<const config::ConfigSet> cfg;
  filter_api::SharedState shared;
  std::shared_ptr<const RouteRateLimits> limits;
};

std::unique_ptr<Route> compile(BenchContext& ctx, const std::string& policies) {
  auto route = std::make_unique<Route>();
  config::LoadResult r = config::loadText(
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\n"
      "spec:\n  hosts: [\"*\"]\n  http:\n  - name: r\n    directResponse: {status: 200}\n---\n" +
          policies,
      "bench.yaml");
  if (!r.ok()) return nullptr;
  route->cfg = r.config;
  filter_api::ChainSite site;
  site.config = route->cfg.get();
  site.virtual_service = &route->cfg->virtual_services[0];
  site.route = &site.virtual_service->http[0];
  filter_api::BuildServices services;
  services.metrics = &ctx.registry();
  services.shared = &route->shared;
  services.clock = &base::RealClock::instance();
  auto compiled = compileRouteRateLimits(site, services);
  if (!compiled.ok() || *compiled == nullptr) return nullptr;
  route->limits = *compiled;
  return route;
}

std::string policy(const std::string& name, const std::string& descriptors) {
  return "apiVersion: meshgate.io/v1\nkind: RateLimitPolicy\nmetadata: {name: " + name +
         "}\nspec:\n  targets: [{virtualService: api}]\n  descriptors: " + descriptors +
         "\n  limit: {requestsPerUnit: 1000000000, burst: 1000000000}\n---\n";
}

void run(benchmark::State& state, const std::string& policies, bool vary_header, bool vary_ip) {
  BenchContext ctx;
  auto route = compile(ctx, policies);
  if (!route) {
    state.SkipWithError("config did not compile");
    return;
  }
  std::vector<std::string> users;
  for (int i = 0; i < 1000; ++i)
    users.push_back("user-" + std::to_string(i));
  std::vector<net::Address> clients;
  for (int i = 0; i < 1000; ++i)
    clients.push_back(*net::Address::fromIp(
        "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), 40000));
  ctx.head().headers().add("x-user", users[0]);
  size_t i = 0;
  uint64_t passed = 0;
  for (auto _ : state) {
    if (vary_header) ctx.head().headers().set("x-user", users[i % users.size()]);
    if (vary_ip) ctx.info().client = &clients[i % clients.size()];
    ++i;
    RateLimitFilter filter(*route->limits);
    passed += filter.onRequestHeaders(ctx, true) == filter_api::FilterStatus::Continue;
  }
  state.counters["passed"] = static_cast<double>(passed) / static_cast<double>(i);
}

void BM_SingleBucket(benchmark::State& state) {
  run(state, policy("one", "[]"), false, false);
}
void BM_KeyedByHeader1000Keys(benchmark::State& state) {
  run(state, policy("per-user", "[{header: x-user}]"), true, false);
}
void BM_KeyedByClientIp1000Keys(benchmark::State& state) {
  run(state, policy("per-ip", "[{clientIp: true}]"), false, true);
}
void BM_TwoPolicies(benchmark::State& state) {
  run(state, policy("one", "[]") + policy("per-user", "[{header: x-user}]"), true, false);
}

BENCHMARK(BM_SingleBucket);
BENCHMARK(BM_KeyedByHeader1000Keys);
BENCHMARK(BM_KeyedByClientIp1000Keys);
BENCHMARK(BM_TwoPolicies);

}  // namespace
}  // namespace meshgate::filters::rate_limit

BENCHMARK_MAIN();
