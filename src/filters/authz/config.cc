// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/config.h"

#include <mutex>
#include <set>

#include "base/log.h"
#include "filters/authz/authz_filter.h"
#include "filters/authz/metrics.h"
#include "filters/authz/selection.h"

namespace meshgate::filters::authz {

namespace {

// build() runs once per route; a warning about a policy would repeat for every
// route of its workload. Log each text once per config generation.
void warnOncePerConfig(const config::ConfigSet* cfg, const std::string& text) {
  static std::mutex mu;
  static const config::ConfigSet* current = nullptr;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(mu);
  if (cfg != current) {
    current = cfg;
    seen.clear();
  }
  if (seen.insert(text).second) MG_LOG(Warn) << text;
}

class AuthzFilterFactory final : public filter_api::FilterFactory {
 public:
  explicit AuthzFilterFactory(std::shared_ptr<const AuthzConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "authz"; }
  std::unique_ptr<filter_api::Filter> create() const override {
    return std::make_unique<AuthzFilter>(*config_);
  }

 private:
  std::shared_ptr<const AuthzConfig> config_;
};

}  // namespace

base::Result<std::shared_ptr<const AuthzConfig>> buildAuthzConfig(
    const filter_api::ChainSite& site, filter_api::BuildServices& services) {
  if (site.config == nullptr || site.listener == nullptr) {
    return base::Error{"authz: the chain site has no config or listener"};
  }
  const config::ConfigSet& cfg = *site.config;
  const Workload workload = workloadOf(site);
  const std::vector<const config::AuthorizationPolicy*> selected = selectPolicies(cfg, workload);
  if (selected.empty()) return std::shared_ptr<const AuthzConfig>();

  auto out = std::make_shared<AuthzConfig>();
  out->listener = std::string(site.listener_name);
  out->route = std::string(site.route_name);
  out->case_insensitive_paths = site.listener->path_normalization.case_insensitive_matching;

  CompileOptions options;
  options.case_insensitive_paths = out->case_insensitive_paths;
  std::vector<CompiledPolicy> compiled;
  std::vector<std::string> warnings;
  for (const config::AuthorizationPolicy* p : selected) {
    compiled.push_back(compilePolicy(*p, options, &warnings));
  }
  for (const std::string& w : warnings)
    warnOncePerConfig(site.config, w);
  out->engine = std::make_unique<PolicyEngine>(std::move(compiled));
  const PolicyEngine& engine = *out->engine;

  for (const PolicyEngine::CustomGroup& g : engine.customGroups()) {
    ProviderBinding b;
    if (const config::PolicyProvider* p = cfg.findPolicyProvider(g.provider)) {
      b.provider = *p;
    } else {
      b.provider.meta.name = g.provider;
    }
    if (CustomAuthorizerFactory factory = findCustomAuthorizer(g.provider)) {
      auto authorizer = factory(b.provider, services);
      if (!authorizer.ok()) {
        return base::Error{"authz: CUSTOM provider \"" + g.provider +
                           "\": " + authorizer.error().message};
      }
      b.authorizer = std::move(*authorizer);
    }
    if (!b.authorizer) {
      for (const CompiledPolicy* p : g.policies) {
        warnOncePerConfig(
            site.config,
            "AuthorizationPolicy " + p->qualified_name + " (action CUSTOM, provider \"" +
                g.provider +
                "\"): no authorizer is registered for this provider in this build, so the "
                "requests its rules select are denied (403, fail closed)");
      }
    }
    out->providers.push_back(std::move(b));
  }

  if (metrics::Registry* r = services.metrics) {
    const metrics::Labels base = {{"listener", out->listener}, {"route", out->route}};
    auto with = [&base](std::initializer_list<std::pair<std::string, std::string>> extra) {
      metrics::Labels l = base;
      for (const auto& kv : extra)
        l.push_back(kv);
      return l;
    };
    out->allowed = r->counter(metric::kAllowed, metric::kAllowedHelp, base);
    if (engine.hasEnforcedAllow()) {
      out->denied_no_allow = r->counter(metric::kDenied, metric::kDeniedHelp,
                                        with({{"action", "ALLOW"}, {"policy", ""}}));
    }
    out->denied_by_policy.resize(engine.policies().size());
    out->audited_by_policy.resize(engine.policies().size());
    for (size_t i = 0; i < engine.policies().size(); ++i) {
      const CompiledPolicy& p = engine.policies()[i];
      if (p.dry_run) continue;
      if (p.action == CompiledPolicy::Action::Deny || p.action == CompiledPolicy::Action::Custom) {
        out->denied_by_policy[i] =
            r->counter(metric::kDenied, metric::kDeniedHelp,
                       with({{"action", actionName(p.action)}, {"policy", p.qualified_name}}));
      } else if (p.action == CompiledPolicy::Action::Audit) {
        out->audited_by_policy[i] = r->counter(metric::kAudited, metric::kAuditedHelp,
                                               with({{"policy", p.qualified_name}}));
      }
    }
    for (size_t g = 0; g < out->providers.size(); ++g) {
      ProviderBinding& b = out->providers[g];
      const std::string& name = engine.customGroups()[g].provider;
      auto check = [&](const char* result) {
        return r->counter(metric::kCustomChecks, metric::kCustomChecksHelp,
                          with({{"provider", name}, {"result", result}}));
      };
      auto error = [&](const char* reason) {
        return r->counter(metric::kCustomErrors, metric::kCustomErrorsHelp,
                          with({{"provider", name}, {"reason", reason}}));
      };
      if (b.authorizer) {
        b.checks_allowed = check("allowed");
        b.checks_denied = check("denied");
        b.checks_error = check("error");
        b.errors_eval = error("error");
      } else {
        b.errors_no_authorizer = error("no_authorizer");
      }
    }
    static constexpr const char* kDryActions[3] = {"CUSTOM", "DENY", "ALLOW"};
    static constexpr const char* kDryResults[2] = {"allowed", "denied"};
    for (const CompiledPolicy& p : engine.policies()) {
      if (!p.dry_run || p.action == CompiledPolicy::Action::Audit) continue;
      const int a = p.action == CompiledPolicy::Action::Custom ? 0
                    : p.action == CompiledPolicy::Action::Deny ? 1
                                                               : 2;
      for (int res = 0; res < 2; ++res) {
        if (out->dry_run[a][res].valid()) continue;
        out->dry_run[a][res] =
            r->counter(metric::kDryRun, metric::kDryRunHelp,
                       with({{"action", kDryActions[a]}, {"result", kDryResults[res]}}));
      }
    }
  }
  return std::shared_ptr<const AuthzConfig>(std::move(out));
}

base::Result<std::shared_ptr<const filter_api::FilterFactory>> AuthzConfigFactory::build(
    const filter_api::ChainSite& site, filter_api::BuildServices& services) const {
  auto config = buildAuthzConfig(site, services);
  if (!config.ok()) return std::move(config).error();
  if (!*config) return std::shared_ptr<const filter_api::FilterFactory>();
  return std::shared_ptr<const filter_api::FilterFactory>(
      std::make_shared<AuthzFilterFactory>(std::move(*config)));
}

void registerAuthzFilter() {
  filter_api::registerFilter(std::make_unique<AuthzConfigFactory>());
}

}  // namespace meshgate::filters::authz
