// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/engine.h"

#include <algorithm>
#include <map>

namespace meshgate::filters::authz {

void RuleList::add(const CompiledPolicy& policy) {
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    rules_.push_back(RuleRef{&policy, i, policy.ruleId(i)});
  }
}

void RuleList::finalize() {
  std::sort(rules_.begin(), rules_.end(),
            [](const RuleRef& a, const RuleRef& b) { return a.id < b.id; });
}

const RuleRef* RuleList::firstMatch(const RequestAttributes& reading) const {
  for (const RuleRef& r : rules_) {
    if (r.policy->rules[r.rule].matches(reading)) return &r;
  }
  return nullptr;
}

const RuleRef* RuleList::firstMatch(std::span<const RequestAttributes> readings) const {
  for (const RuleRef& r : rules_) {
    for (const RequestAttributes& a : readings) {
      if (r.policy->rules[r.rule].matches(a)) return &r;
    }
  }
  return nullptr;
}

std::vector<const CompiledPolicy*> RuleList::allMatches(
    std::span<const RequestAttributes> readings) const {
  std::vector<const CompiledPolicy*> out;
  for (const RuleRef& r : rules_) {
    if (std::find(out.begin(), out.end(), r.policy) != out.end()) continue;
    for (const RequestAttributes& a : readings) {
      if (r.policy->rules[r.rule].matches(a)) {
        out.push_back(r.policy);
        break;
      }
    }
  }
  return out;
}

PolicyEngine::PolicyEngine(std::vector<CompiledPolicy> policies) : policies_(std::move(policies)) {
  using Action = CompiledPolicy::Action;
  std::map<std::string, CustomGroup> custom;
  for (const CompiledPolicy& p : policies_) {
    uses_path_ = uses_path_ || p.uses_path;
    uses_request_principal_ = uses_request_principal_ || p.uses_request_principal;
    switch (p.action) {
      case Action::Custom: {
        CustomGroup& g = custom[p.provider];
        g.provider = p.provider;
        g.policies.push_back(&p);
        (p.dry_run ? g.dry_run : g.enforced).add(p);
        break;
      }
      case Action::Audit:
        // Audit never enforces; a dry-run audit would mark nothing (Istio puts
        // it in shadow LOG rules, which set no access-log hint).
        if (!p.dry_run) audit_.add(p);
        break;
      case Action::Deny:
        if (p.dry_run) {
          has_dry_deny_ = true;
          dry_deny_.add(p);
        } else {
          deny_.add(p);
        }
        break;
      case Action::Allow:
        if (p.dry_run) {
          has_dry_allow_ = true;
          dry_allow_.add(p);
        } else {
          has_enforced_allow_ = true;
          allow_.add(p);
        }
        break;
    }
  }
  for (auto& [name, g] : custom) {
    g.enforced.finalize();
    g.dry_run.finalize();
    custom_.push_back(std::move(g));
  }
  audit_.finalize();
  deny_.finalize();
  allow_.finalize();
  dry_deny_.finalize();
  dry_allow_.finalize();
}

RbacResult PolicyEngine::evaluate(std::span<const RequestAttributes> readings) const {
  RbacResult r;
  if (!audit_.empty()) r.audited = audit_.allMatches(readings);
  if (has_dry_deny_) {
    r.dry_deny_evaluated = true;
    r.dry_deny_rule = dry_deny_.firstMatch(readings);
    r.dry_deny_denied = r.dry_deny_rule != nullptr;
  }
  if (has_dry_allow_) {
    r.dry_allow_evaluated = true;
    r.dry_allow_allowed = true;
    for (size_t i = 0; i < readings.size(); ++i) {
      const RuleRef* m = dry_allow_.firstMatch(readings[i]);
      if (i == 0) r.dry_allow_rule = m;
      if (m == nullptr) r.dry_allow_allowed = false;
    }
    if (!r.dry_allow_allowed) r.dry_allow_rule = nullptr;
  }
  if (const RuleRef* d = deny_.firstMatch(readings)) {
    r.allowed = false;
    r.rule = d;
    return r;
  }
  if (has_enforced_allow_) {
    for (size_t i = 0; i < readings.size(); ++i) {
      const RuleRef* m = allow_.firstMatch(readings[i]);
      if (m == nullptr) {
        r.allowed = false;
        r.no_allow_match = true;
        r.rule = nullptr;
        return r;
      }
      if (i == 0) r.rule = m;
    }
  }
  return r;
}

}  // namespace meshgate::filters::authz
