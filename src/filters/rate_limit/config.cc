// SPDX-License-Identifier: Apache-2.0
#include "filters/rate_limit/config.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/assert.h"
#include "base/strings.h"
#include "config/config_set.h"
#include "filters/rate_limit/rate_limit_filter.h"

namespace meshgate::filters::rate_limit {

namespace {

using config::RateLimitDescriptor;

CompiledDescriptor compileDescriptor(const RateLimitDescriptor& d) {
  CompiledDescriptor c;
  c.kind = d.kind;
  switch (d.kind) {
    case RateLimitDescriptor::Kind::Header:
      c.header = base::toLower(d.value);
      break;
    case RateLimitDescriptor::Kind::JwtClaim:
      for (std::string_view part : base::split(d.value, '.'))
        c.claim_path.emplace_back(part);
      if (c.claim_path.size() > 1) c.claim_literal = {d.value};
      break;
    case RateLimitDescriptor::Kind::ClientIp:
    case RateLimitDescriptor::Kind::Path:
    case RateLimitDescriptor::Kind::GenericKey:
      break;
  }
  return c;
}

double tokensPerSecond(const config::RateLimit& limit) {
  const double unit_seconds = std::chrono::duration<double>(limit.unitDuration()).count();
  return static_cast<double>(limit.requests_per_unit) / unit_seconds;
}

}  // namespace

RouteRateLimits::RouteRateLimits(std::vector<CompiledPolicy> policies)
    : policies_(std::move(policies)) {}

std::optional<RequestMatch> targetSelects(const config::RateLimitTarget& target,
                                          const config::RateLimitPolicy& policy,
                                          const filter_api::ChainSite& site) {
  if (site.virtual_service == nullptr) return std::nullopt;
  if (!target.virtual_service.empty()) {
    const config::VirtualService* vs =
        site.config->findVirtualService(target.virtual_service, policy.meta.namespace_);
    if (vs == nullptr || vs != site.virtual_service) return std::nullopt;
    if (!target.route.empty() && (site.route == nullptr || site.route->name != target.route))
      return std::nullopt;
    return RequestMatch{};
  }
  RequestMatch m;
  m.path = target.path;
  if (!target.hosts.empty()) {
    std::vector<std::string> patterns;
    for (const std::string& h : target.hosts)
      patterns.push_back(config::qualifyHost(h, policy.meta.namespace_));
    // The route is a candidate when one of its hosts overlaps a target host; the hosts need
    // no per-request check when every host of the route is inside a target pattern.
    bool overlap = false;
    bool covered = true;
    for (const std::string& h : site.virtual_service->hosts) {
      const std::string q = config::qualifyHost(h, site.virtual_service->meta.namespace_);
      bool inside = false;
      for (const std::string& p : patterns) {
        if (config::hostMatches(p, q)) {
          inside = true;
          overlap = true;
        } else if (config::hostMatches(q, p)) {
          overlap = true;
        }
      }
      covered = covered && inside;
    }
    if (!overlap) return std::nullopt;
    if (!covered) m.hosts = std::move(patterns);
  }
  return m;
}

base::Result<std::shared_ptr<const RouteRateLimits>> compileRouteRateLimits(
    const filter_api::ChainSite& site, filter_api::BuildServices& services) {
  if (site.config == nullptr || site.virtual_service == nullptr)
    return std::shared_ptr<const RouteRateLimits>();
  std::vector<CompiledPolicy> enforced;
  std::vector<CompiledPolicy> shadow;
  for (const config::RateLimitPolicy& p : site.config->rate_limit_policies) {
    bool every_request = false;
    std::vector<RequestMatch> matches;
    for (const config::RateLimitTarget& t : p.targets) {
      std::optional<RequestMatch> m = targetSelects(t, p, site);
      if (!m) continue;
      if (m->hosts.empty() && !m->path) {
        every_request = true;
      } else {
        matches.push_back(std::move(*m));
      }
    }
    if (!every_request && matches.empty()) continue;

    CompiledPolicy cp;
    cp.name = p.meta.qualifiedName();
    const limits::TokenBucketConfig bucket = bucketConfigFor(p.limit);
    if (base::Status st = limits::validateTokenBucketConfig(bucket); !st.ok()) {
      return base::Error{"RateLimitPolicy " + cp.name + ": limit " +
                         std::to_string(p.limit.requests_per_unit) + " per unit with burst " +
                         std::to_string(bucket.max_tokens) + " is out of range (" +
                         st.error().message + ")"};
    }
    const base::MonoTime now = services.clock != nullptr
                                   ? services.clock->monotonicNow()
                                   : base::RealClock::instance().monotonicNow();
    const bool keyed = isKeyed(p);
    auto make = [&] { return std::make_shared<PolicyBuckets>(bucket, keyed, now); };
    cp.buckets = services.shared != nullptr
                     ? services.shared->getOrCreate<PolicyBuckets>(
                           bucketStateKey(p), std::function<std::shared_ptr<PolicyBuckets>()>(make))
                     : make();
    for (const RateLimitDescriptor& d : p.descriptors) {
      if (d.kind != RateLimitDescriptor::Kind::GenericKey)
        cp.descriptors.push_back(compileDescriptor(d));
    }
    cp.every_request = every_request;
    if (!every_request) cp.matches = std::move(matches);
    cp.shadow_mode = p.shadow_mode;
    cp.response_headers = p.response_headers;
    cp.rate = tokensPerSecond(p.limit);
    cp.burst = bucket.max_tokens;
    MG_ASSERT(services.metrics != nullptr, "rate_limit: BuildServices without metrics");
    cp.metrics = PolicyMetrics::registerFor(*services.metrics, cp.name);
    (p.shadow_mode ? shadow : enforced).push_back(std::move(cp));
  }
  if (enforced.empty() && shadow.empty()) return std::shared_ptr<const RouteRateLimits>();
  // The most restrictive policy first: when it denies, the others are not charged.
  std::sort(enforced.begin(), enforced.end(), [](const CompiledPolicy& a, const CompiledPolicy& b) {
    if (a.rate != b.rate) return a.rate < b.rate;
    if (a.burst != b.burst) return a.burst < b.burst;
    return a.name < b.name;
  });
  std::sort(shadow.begin(), shadow.end(),
            [](const CompiledPolicy& a, const CompiledPolicy& b) { return a.name < b.name; });
  for (CompiledPolicy& s : shadow)
    enforced.push_back(std::move(s));
  return std::make_shared<const RouteRateLimits>(std::move(enforced));
}

base::Result<std::shared_ptr<const filter_api::FilterFactory>> RateLimitConfigFactory::build(
    const filter_api::ChainSite& site, filter_api::BuildServices& services) const {
  auto compiled = compileRouteRateLimits(site, services);
  if (!compiled.ok()) return std::move(compiled).error();
  if (*compiled == nullptr) return std::shared_ptr<const filter_api::FilterFactory>();
  return std::shared_ptr<const filter_api::FilterFactory>(
      std::make_shared<RateLimitFilterFactory>(std::move(*compiled)));
}

void registerRateLimitFilter() {
  filter_api::registerFilter(std::make_unique<RateLimitConfigFactory>());
}

}  // namespace meshgate::filters::rate_limit
