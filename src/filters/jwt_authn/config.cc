// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/config.h"

#include <algorithm>

#include "base/strings.h"
#include "filters/jwt_authn/jwks_provider.h"
#include "filters/jwt_authn/jwt_authn_filter.h"
#include "filters/jwt_authn/metrics.h"
#include "filters/jwt_authn/policy_match.h"

namespace meshgate::filters::jwt_authn {

namespace {

struct PolicySettings {
  std::chrono::seconds clock_skew = kDefaultClockSkew;
  base::Duration refresh_interval = kDefaultRefreshInterval;
};

base::Result<PolicySettings> readAnnotations(const config::RequestAuthentication& ra) {
  PolicySettings s;
  const std::string where = "RequestAuthentication " + ra.meta.qualifiedName() + ": annotation ";
  if (auto it = ra.meta.annotations.find(std::string(kClockSkewAnnotation));
      it != ra.meta.annotations.end()) {
    auto d = base::parseDuration(it->second);
    if (!d || *d % std::chrono::seconds(1) != base::Duration::zero()) {
      return base::Error{where + std::string(kClockSkewAnnotation) + ": \"" + it->second +
                         "\" is not a duration in whole seconds (e.g. 30s)"};
    }
    s.clock_skew = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
  if (auto it = ra.meta.annotations.find(std::string(kRefreshIntervalAnnotation));
      it != ra.meta.annotations.end()) {
    auto d = base::parseDuration(it->second);
    if (!d || *d < std::chrono::seconds(1)) {
      return base::Error{where + std::string(kRefreshIntervalAnnotation) + ": \"" + it->second +
                         "\" is not a duration of at least 1s"};
    }
    s.refresh_interval = *d;
  }
  return s;
}

template <typename T>
std::shared_ptr<T> shared(filter_api::BuildServices& services, const std::string& key,
                          const std::function<std::shared_ptr<T>()>& make) {
  if (services.shared == nullptr) return make();
  return services.shared->getOrCreate<T>(key, make);
}

std::string durationKey(base::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

base::Result<std::shared_ptr<KeySource>> keySourceFor(const config::JwtRule& rule,
                                                      const PolicySettings& settings,
                                                      filter_api::BuildServices& services,
                                                      const std::string& where,
                                                      std::string& identity) {
  if (!rule.jwks.empty()) {
    identity = "jwks\n" + rule.jwks;
    // Parsed once per text, not once per route: loading RSA keys is the costly part.
    jwt::JwtStatus status = jwt::JwtStatus::Ok;
    auto keys =
        shared<StaticKeys>(services, "jwt_authn/" + identity, [&]() -> std::shared_ptr<StaticKeys> {
          // An inline key set is explicit configuration, so it may
          // hold HMAC secrets (HS256).
          jwt::JwksParseOptions po;
          po.allow_symmetric = true;
          auto parsed = jwt::JwkSet::parse(rule.jwks, po);
          if (!parsed.ok()) {
            status = parsed.status();
            return nullptr;
          }
          return std::make_shared<StaticKeys>(std::move(parsed).value());
        });
    if (keys == nullptr) {
      return base::Error{where + ": jwks: " + std::string(jwt::statusMessage(status)) + " (" +
                         std::string(jwt::statusName(status)) + ")"};
    }
    return std::static_pointer_cast<KeySource>(std::move(keys));
  }
  auto url = parseHttpUrl(rule.jwks_uri);
  if (!url.ok()) {
    return base::Error{where + ": jwksUri \"" + rule.jwks_uri + "\": " + url.error().message};
  }
  if (services.main_loop == nullptr) {
    return base::Error{where + ": jwksUri needs the main loop to fetch keys"};
  }
  JwksProviderOptions o;
  o.uri = rule.jwks_uri;
  o.url = *url;
  o.timeout = rule.timeout;
  o.refresh_interval = settings.refresh_interval;
  identity = "jwksUri\n" + rule.jwks_uri + "\n" + durationKey(o.timeout) + "\n" +
             durationKey(o.refresh_interval);
  event::EventLoop* loop = services.main_loop;
  metrics::Registry* registry = services.metrics;
  return std::static_pointer_cast<KeySource>(
      shared<JwksProvider>(services, "jwt_authn/" + identity, [&] {
        auto p = std::make_shared<JwksProvider>(o, *loop, registry);
        p->start();
        return p;
      }));
}

base::Result<std::shared_ptr<const CompiledRule>> compileRule(
    const config::RequestAuthentication& ra, size_t index, const PolicySettings& settings,
    filter_api::BuildServices& services) {
  const config::JwtRule& rule = ra.jwt_rules[index];
  const std::string where = "RequestAuthentication " + ra.meta.qualifiedName() + " jwtRules[" +
                            std::to_string(index) + "]";
  std::string key_identity;
  auto keys = keySourceFor(rule, settings, services, where, key_identity);
  if (!keys.ok()) return std::move(keys).error();

  auto r = std::make_shared<CompiledRule>();
  r->issuer = rule.issuer;
  jwt::VerifyOptions vo;
  vo.issuer = rule.issuer;
  vo.audiences = rule.audiences;
  vo.clock_skew = settings.clock_skew;
  r->keys = std::move(*keys);
  for (const config::JwtHeader& h : rule.from_headers)
    r->locations.push_back(TokenLocation{LocationKind::Header, base::toLower(h.name), h.prefix});
  for (const std::string& p : rule.from_params)
    r->locations.push_back(TokenLocation{LocationKind::Param, p, ""});
  for (const std::string& c : rule.from_cookies)
    r->locations.push_back(TokenLocation{LocationKind::Cookie, c, ""});
  if (r->locations.empty()) r->locations = defaultTokenLocations();
  r->output_payload_to_header = base::toLower(rule.output_payload_to_header);
  for (const config::ClaimToHeader& c : rule.output_claim_to_headers)
    r->output_claim_to_headers.push_back(ClaimHeader{base::toLower(c.header), c.claim});
  r->forward_original_token = rule.forward_original_token;
  r->source = where;

  // Everything that decides how tokens verify and what they produce: an identical rule in
  // the next generation is the same object, with its caches.
  std::string key = "jwt_authn/rule\n" + rule.issuer + "\n" +
                    std::to_string(settings.clock_skew.count()) + "\n" + key_identity + "\n" +
                    (rule.forward_original_token ? "fwd" : "strip") + "\n" +
                    r->output_payload_to_header;
  for (const std::string& a : rule.audiences)
    key += "\naud " + a;
  for (const TokenLocation& l : r->locations)
    key += "\nloc " + std::to_string(static_cast<int>(l.kind)) + " " + l.name + " " + l.prefix;
  for (const ClaimHeader& c : r->output_claim_to_headers)
    key += "\nclaim " + c.header + " " + c.claim;
  auto made = shared<CompiledRule>(services, key, [&] {
    r->id = CompiledRule::nextId();
    r->verifier = std::make_shared<const jwt::JwtVerifier>(vo);
    return r;
  });
  return std::shared_ptr<const CompiledRule>(std::move(made));
}

FilterMetrics registerMetrics(metrics::Registry* registry, std::string_view listener) {
  FilterMetrics m;
  if (registry == nullptr) return m;
  const metrics::Labels l = {{"listener", std::string(listener)}};
  m.allowed = registry->counter(kAllowedMetric, kAllowedHelp, l);
  m.missing = registry->counter(kMissingMetric, kMissingHelp, l);
  m.cors_bypassed = registry->counter(kCorsBypassMetric, kCorsBypassHelp, l);
  m.cache_hits = registry->counter(kCacheHitMetric, kCacheHitHelp, l);
  m.cache_misses = registry->counter(kCacheMissMetric, kCacheMissHelp, l);
  m.waits = registry->counter(kWaitMetric, kWaitHelp, l);
  // Out-of-range values name entry 0 ("Ok"): that ends the list.
  for (size_t i = 1; i < m.denied.size(); ++i) {
    const auto s = static_cast<jwt::JwtStatus>(i);
    if (jwt::statusName(s) == "Ok") break;
    if (!isDenialReason(s)) continue;
    m.denied[i] = registry->counter(
        kDeniedMetric, kDeniedHelp,
        {{"listener", std::string(listener)}, {"reason", std::string(jwt::statusName(s))}});
  }
  return m;
}

}  // namespace

base::Result<std::shared_ptr<const FilterConfig>> JwtAuthnConfigFactory::compile(
    const filter_api::ChainSite& site, filter_api::BuildServices& services) {
  if (site.config == nullptr) return std::shared_ptr<const FilterConfig>();
  const WorkloadRef workload = workloadOf(site);
  std::vector<std::shared_ptr<const CompiledRule>> rules;
  std::string policies;
  for (const config::RequestAuthentication& ra : site.config->request_authentications) {
    if (!policyApplies(ra.meta, ra.target, workload)) continue;
    if (!policies.empty()) policies += ",";
    policies += ra.meta.qualifiedName();
    auto settings = readAnnotations(ra);
    if (!settings.ok()) return std::move(settings).error();
    for (size_t i = 0; i < ra.jwt_rules.size(); ++i) {
      auto r = compileRule(ra, i, *settings, services);
      if (!r.ok()) return std::move(r).error();
      rules.push_back(std::move(*r));
    }
  }
  if (rules.empty()) return std::shared_ptr<const FilterConfig>();
  // Istio sorts the rules of all applicable policies by issuer; policy order breaks ties.
  std::stable_sort(rules.begin(), rules.end(),
                   [](const auto& a, const auto& b) { return a->issuer < b->issuer; });
  // Every route of a listener gets the same config, and so does the next generation while
  // nothing changed: rule ids stand for the rules' content.
  std::string key = "jwt_authn/config\n" + std::string(site.listener_name) + "\n" + policies;
  for (const auto& r : rules)
    key += "\n" + std::to_string(r->id);
  std::string error;
  auto cfg = shared<FilterConfig>(services, key, [&]() -> std::shared_ptr<FilterConfig> {
    auto policy = compilePolicy(std::move(rules));
    if (!policy.ok()) {
      error = policy.error().message;
      return nullptr;
    }
    auto c = std::make_shared<FilterConfig>();
    c->policy = std::move(*policy);
    c->policies = policies;
    c->metrics = registerMetrics(services.metrics, site.listener_name);
    return c;
  });
  if (cfg == nullptr) return base::Error{"RequestAuthentication " + policies + ": " + error};
  return std::shared_ptr<const FilterConfig>(std::move(cfg));
}

base::Result<std::shared_ptr<const filter_api::FilterFactory>> JwtAuthnConfigFactory::build(
    const filter_api::ChainSite& site, filter_api::BuildServices& services) const {
  auto cfg = compile(site, services);
  if (!cfg.ok()) return std::move(cfg).error();
  if (*cfg == nullptr) return std::shared_ptr<const filter_api::FilterFactory>();
  return std::shared_ptr<const filter_api::FilterFactory>(
      std::make_shared<JwtAuthnFilterFactory>(std::move(*cfg)));
}

void registerJwtAuthnFilter() {
  filter_api::registerFilter(std::make_unique<JwtAuthnConfigFactory>());
}

}  // namespace meshgate::filters::jwt_authn
