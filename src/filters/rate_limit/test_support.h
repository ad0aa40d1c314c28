// SPDX-License-Identifier: Apache-2.0
// Test support for the rate limit filter's unit tests: configs from inline YAML, the chain
// site of a route, a FilterContext that can serve many requests on one clock and one
// metrics registry, and a ClaimsView over a plain map. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_set.h"
#include "config/loader.h"
#include "filter_api/registry.h"
#include "filters/rate_limit/config.h"
#include "filters/rate_limit/rate_limit_filter.h"
#include "testing/fake_filter_context.h"

namespace meshgate::filters::rate_limit::test {

inline std::shared_ptr<const config::ConfigSet> loadConfig(const std::string& yaml) {
  config::LoadResult r = config::loadText(yaml, "t.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.toString();
  return r.config;
}

/// A VirtualService `name` for `hosts` with direct-response routes named `routes`.
inline std::string virtualService(const std::string& name, const std::string& hosts,
                                  const std::vector<std::string>& routes) {
  std::string y =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: " + name +
      "}\nspec:\n  hosts: " + hosts + "\n  http:\n";
  for (const std::string& r : routes) {
    y += "  - name: " + r + "\n    match: [{uri: {prefix: /" + r +
         "}}]\n    directResponse: {status: 200}\n";
  }
  return y + "---\n";
}

/// A RateLimitPolicy document; `spec` is the indented body of its spec.
inline std::string policy(const std::string& name, const std::string& spec) {
  return "apiVersion: meshgate.io/v1\nkind: RateLimitPolicy\nmetadata: {name: " + name +
         "}\nspec:\n" + spec + "---\n";
}

inline filter_api::ChainSite siteFor(const config::ConfigSet& cfg, const std::string& vs_name,
                                     const std::string& route_name) {
  filter_api::ChainSite site;
  site.config = &cfg;
  site.listener_name = "default/main";
  for (const config::VirtualService& vs : cfg.virtual_services) {
    if (vs.meta.name != vs_name) continue;
    site.virtual_service = &vs;
    for (const config::HttpRoute& r : vs.http) {
      if (r.name == route_name) site.route = &r;
    }
  }
  EXPECT_NE(site.route, nullptr) << vs_name << "/" << route_name;
  return site;
}

/// A ClaimsView over "a.b" -> values.
class MapClaims final : public filter_api::ClaimsView {
 public:
  explicit MapClaims(std::map<std::string, std::vector<std::string>> claims)
      : claims_(std::move(claims)) {}
  std::vector<std::string> values(const std::vector<std::string>& path) const override {
    std::string joined;
    for (const std::string& p : path)
      joined += (joined.empty() ? "" : "\x1f") + p;
    auto it = claims_.find(joined);
    return it == claims_.end() ? std::vector<std::string>{} : it->second;
  }
  std::string json() const override { return "{}"; }

 private:
  // Keys are path segments joined with \x1f, so "a.b" (one claim) and a/b (nested) differ.
  std::map<std::string, std::vector<std::string>> claims_;
};

/// Nested path helper for MapClaims keys.
inline std::string claimKey(const std::vector<std::string>& path) {
  std::string joined;
  for (const std::string& p : path)
    joined += (joined.empty() ? "" : "\x1f") + p;
  return joined;
}

/// A FakeFilterContext that serves many requests: startRequest() clears what the previous
/// request set, while the clock and the metrics registry carry on.
class RequestContext : public testing::FakeFilterContext {
 public:
  void startRequest(const std::string& path = "/") {
    head() = http::RequestHead{};
    head().headers().add("host", "example.com");
    info().normalized_path = path_storage_ = path;
    reply_.reset();
    headers_.clear();
    log_.clear();
    identity_.reset();
    setClient("127.0.0.1");
  }

  /// The TCP peer, which is also the trusted client address.
  void setClient(const std::string& ip, uint16_t port = 40000) {
    client_ = *net::Address::fromIp(ip, port);
    info().downstream_remote = &client_;
    info().client = &client_;
  }

  const std::optional<filter_api::LocalReply>& lastReply() const { return reply_; }
  const std::vector<std::pair<std::string, std::string>>& addedHeaders() const { return headers_; }
  std::string addedHeader(const std::string& name) const {
    for (const auto& [k, v] : headers_)
      if (k == name) return v;
    return "";
  }
  const std::string& log() const { return log_; }

  // filter_api::FilterContext
  void respond(filter_api::LocalReply reply) override { reply_ = std::move(reply); }
  void addResponseHeader(std::string_view name, std::string_view value) override {
    headers_.emplace_back(name, value);
  }
  void addAccessLogField(std::string_view key, std::string_view json_value) override {
    log_ += "\"" + std::string(key) + "\":" + std::string(json_value);
  }
  const filter_api::RequestIdentity* identity() const override {
    return identity_ ? &*identity_ : nullptr;
  }
  void setIdentity(filter_api::RequestIdentity identity) override {
    identity_ = std::move(identity);
  }

 private:
  std::string path_storage_;
  net::Address client_;
  std::optional<filter_api::LocalReply> reply_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string log_;
  std::optional<filter_api::RequestIdentity> identity_;
};

/// Compiles the rate limits of one route with services on `ctx`'s clock and registry.
class Harness {
 public:
  explicit Harness(RequestContext& ctx) : ctx_(ctx) {
    services_.metrics = &ctx.registry();
    services_.shared = &shared_;
    services_.main_loop = &ctx.eventLoop();
    services_.clock = &ctx.manualClock();
  }

  /// The compiled config of route `vs/route` (null when no policy applies).
  std::shared_ptr<const RouteRateLimits> compile(const config::ConfigSet& cfg,
                                                 const std::string& vs, const std::string& route) {
    auto r = compileRouteRateLimits(siteFor(cfg, vs, route), services_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : nullptr;
  }

  filter_api::BuildServices& services() { return services_; }
  filter_api::SharedState& shared() { return shared_; }

  /// The value of `metric{policy="<policy>"}`.
  int64_t count(const char* metric, const std::string& policy) {
    return ctx_.registry().value(ctx_.registry().counter(metric, "", {{"policy", policy}}));
  }

 private:
  RequestContext& ctx_;
  filter_api::SharedState shared_;
  filter_api::BuildServices services_;
};

}  // namespace meshgate::filters::rate_limit::test
