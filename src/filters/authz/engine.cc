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
  indexed_ = rules_.size() >= kIndexThreshold;
  if (indexed_) buildIndex();
}

namespace {

// The positive path patterns every operation of `rule` requires, or null when
// some operation (or an empty `to`) leaves the path free.
bool pathConstraints(const CompiledRule& rule, std::vector<const PatternSet*>& out) {
  if (rule.to.empty()) return false;
  for (const Conjunction& op : rule.to) {
    const Term* path = nullptr;
    for (const Term& t : op) {
      if (t.attribute == Attribute::Path && !t.negate) path = &t;
    }
    // "*" is any non-empty path, which every path is.
    if (path == nullptr || path->patterns.hasWildcard()) return false;
    out.push_back(&path->patterns);
  }
  return true;
}

void sortKeyed(std::vector<std::pair<std::string, uint32_t>>& v, std::vector<uint32_t>& lengths) {
  std::sort(v.begin(), v.end());
  for (const auto& [key, pos] : v)
    lengths.push_back(static_cast<uint32_t>(key.size()));
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
}

void lookup(const std::vector<std::pair<std::string, uint32_t>>& keyed, std::string_view key,
            std::vector<uint32_t>& out) {
  auto it = std::lower_bound(
      keyed.begin(), keyed.end(), key,
      [](const std::pair<std::string, uint32_t>& e, std::string_view k) { return e.first < k; });
  for (; it != keyed.end() && it->first == key; ++it)
    out.push_back(it->second);
}

}  // namespace

void RuleList::buildIndex() {
  std::vector<const PatternSet*> sets;
  for (uint32_t pos = 0; pos < rules_.size(); ++pos) {
    sets.clear();
    const RuleRef& r = rules_[pos];
    if (!pathConstraints(r.policy->rules[r.rule], sets)) {
      unkeyed_.push_back(pos);
      continue;
    }
    for (const PatternSet* set : sets) {
      for (const std::string& v : set->exactValues())
        exact_.emplace_back(v, pos);
      for (const std::string& v : set->prefixValues())
        prefixes_.emplace_back(v, pos);
      for (const std::string& v : set->suffixValues())
        suffixes_.emplace_back(v, pos);
    }
  }
  std::vector<uint32_t> unused;
  sortKeyed(exact_, unused);
  sortKeyed(prefixes_, prefix_lengths_);
  sortKeyed(suffixes_, suffix_lengths_);
}

void RuleList::candidates(std::string_view path, std::vector<uint32_t>& out) const {
  lookup(exact_, path, out);
  for (uint32_t len : prefix_lengths_) {
    if (len > path.size()) break;
    lookup(prefixes_, path.substr(0, len), out);
  }
  for (uint32_t len : suffix_lengths_) {
    if (len > path.size()) break;
    lookup(suffixes_, path.substr(path.size() - len), out);
  }
}

const std::vector<uint32_t>& RuleList::candidates(
    std::span<const RequestAttributes> readings) const {
  // Evaluation is synchronous on the worker thread: one scratch vector per
  // thread keeps the request path free of allocations once it has grown.
  thread_local std::vector<uint32_t> scratch;
  scratch.assign(unkeyed_.begin(), unkeyed_.end());
  for (const RequestAttributes& a : readings)
    candidates(a.path, scratch);
  std::sort(scratch.begin(), scratch.end());
  scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
  return scratch;
}

const RuleRef* RuleList::firstMatch(const RequestAttributes& reading) const {
  return firstMatch(std::span<const RequestAttributes>(&reading, 1));
}

const RuleRef* RuleList::firstMatch(std::span<const RequestAttributes> readings) const {
  auto matches = [&readings](const RuleRef& r) {
    for (const RequestAttributes& a : readings) {
      if (r.policy->rules[r.rule].matches(a)) return true;
    }
    return false;
  };
  if (!indexed_) {
    for (const RuleRef& r : rules_) {
      if (matches(r)) return &r;
    }
    return nullptr;
  }
  for (uint32_t pos : candidates(readings)) {
    if (matches(rules_[pos])) return &rules_[pos];
  }
  return nullptr;
}

std::vector<const CompiledPolicy*> RuleList::allMatches(
    std::span<const RequestAttributes> readings) const {
  std::vector<const CompiledPolicy*> out;
  auto consider = [&](const RuleRef& r) {
    if (std::find(out.begin(), out.end(), r.policy) != out.end()) return;
    for (const RequestAttributes& a : readings) {
      if (r.policy->rules[r.rule].matches(a)) {
        out.push_back(r.policy);
        return;
      }
    }
  };
  if (!indexed_) {
    for (const RuleRef& r : rules_)
      consider(r);
  } else {
    for (uint32_t pos : candidates(readings))
      consider(rules_[pos]);
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
