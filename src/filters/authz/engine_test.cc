// SPDX-License-Identifier: Apache-2.0
// The engine against a direct reading of Istio's semantics on random policy
// sets and requests: same decision, same reported rule, same audit marks,
// whether or not the rule lists are path-indexed.
#include "filters/authz/engine.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "config/loader.h"

namespace meshgate::filters::authz {
namespace {

const char* const kPathPatterns[] = {"/a",     "/a/*",  "/a/b", "/b/*",   "*.png",
                                     "*/x",    "/",     "/c",   "/c/d/*", "*",
                                     "/a/b/*", "*.css", "/d",   "/img/*", "/e/*"};
const char* const kPaths[] = {"/",    "/a",   "/a/b",   "/a/b/c", "/b/q.png",
                              "/b/x", "/c",   "/c/d/e", "/d",     "/img/x.css",
                              "/e/f", "/zzz", "/a/x",   "/x.png", "/e"};
const char* const kMethods[] = {"GET", "POST", "DELETE"};

struct Generated {
  std::string yaml;
};

std::string pick(std::mt19937& rng, const char* const* list, size_t n) {
  return list[std::uniform_int_distribution<size_t>(0, n - 1)(rng)];
}

std::string patterns(std::mt19937& rng) {
  std::string out = "[";
  const int n = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < n; ++i) {
    if (i) out += ", ";
    out += "\"" + pick(rng, kPathPatterns, std::size(kPathPatterns)) + "\"";
  }
  return out + "]";
}

std::string randomConfig(std::mt19937& rng) {
  static const char* const kActions[] = {"ALLOW", "DENY", "AUDIT"};
  std::string yaml =
      "apiVersion: meshgate.io/v1\nkind: Listener\nmetadata: {name: main}\nspec: {port: 1}\n---\n";
  const int policies = std::uniform_int_distribution<int>(1, 25)(rng);
  for (int p = 0; p < policies; ++p) {
    yaml += "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p" +
            std::to_string(p) + "}\nspec:\n  action: " + pick(rng, kActions, 3) + "\n";
    const int rules = std::uniform_int_distribution<int>(0, 6)(rng);
    if (rules == 0) {
      yaml += "---\n";
      continue;
    }
    yaml += "  rules:\n";
    for (int r = 0; r < rules; ++r) {
      yaml += "  - {";
      const int ops = std::uniform_int_distribution<int>(0, 2)(rng);
      if (ops > 0) {
        yaml += "to: [";
        for (int o = 0; o < ops; ++o) {
          if (o) yaml += ", ";
          yaml += "{operation: {";
          std::vector<std::string> fields;
          const int kind = std::uniform_int_distribution<int>(0, 5)(rng);
          if (kind <= 2) fields.push_back("paths: " + patterns(rng));
          if (kind == 3) fields.push_back("notPaths: " + patterns(rng));
          if (kind == 1 || kind >= 4) {
            fields.push_back("methods: [" + pick(rng, kMethods, 3) + "]");
          }
          for (size_t i = 0; i < fields.size(); ++i)
            yaml += (i ? ", " : "") + fields[i];
          yaml += "}}";
        }
        yaml += "]";
      }
      if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
        yaml += std::string(ops > 0 ? ", " : "") +
                "when: [{key: \"request.headers[x-k]\", values: [\"v\"]}]";
      }
      yaml += "}\n";
    }
    yaml += "---\n";
  }
  return yaml;
}

struct Reference {
  bool allowed = true;
  std::string rule;  // reported rule id ("" for none)
  std::set<std::string> audited;
};

// Istio's semantics read directly: every rule of every policy, no index.
Reference reference(const std::vector<CompiledPolicy>& policies, const RequestAttributes& a) {
  Reference ref;
  std::string deny, allow;
  bool has_allow = false;
  for (const CompiledPolicy& p : policies) {
    if (p.action == CompiledPolicy::Action::Allow) has_allow = true;
    for (size_t i = 0; i < p.rules.size(); ++i) {
      if (!p.rules[i].matches(a)) continue;
      const std::string id = p.ruleId(i);
      switch (p.action) {
        case CompiledPolicy::Action::Deny:
          if (deny.empty() || id < deny) deny = id;
          break;
        case CompiledPolicy::Action::Allow:
          if (allow.empty() || id < allow) allow = id;
          break;
        case CompiledPolicy::Action::Audit:
          ref.audited.insert(p.qualified_name);
          break;
        case CompiledPolicy::Action::Custom:
          break;
      }
    }
  }
  if (!deny.empty()) {
    ref.allowed = false;
    ref.rule = deny;
  } else if (has_allow) {
    ref.allowed = !allow.empty();
    ref.rule = allow;
  }
  return ref;
}

TEST(PolicyEngineTest, MatchesTheReferenceOnRandomPolicySets) {
  std::mt19937 rng(20261125);
  int indexed_lists = 0;
  for (int round = 0; round < 300; ++round) {
    const std::string yaml = randomConfig(rng);
    config::LoadResult loaded = config::loadText(yaml);
    ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.toString() << yaml;
    std::vector<CompiledPolicy> compiled;
    for (const auto& p : loaded.config->authorization_policies) {
      compiled.push_back(compilePolicy(p, {}, nullptr));
    }
    std::vector<CompiledPolicy> copy = compiled;
    PolicyEngine engine(std::move(compiled));
    for (int q = 0; q < 40; ++q) {
      http::HeaderMap headers;
      if (rng() % 2) headers.add("x-k", rng() % 2 ? "v" : "w");
      RequestAttributes a;
      const std::string path = pick(rng, kPaths, std::size(kPaths));
      const std::string method = pick(rng, kMethods, 3);
      a.path = path;
      a.method = method;
      a.headers = &headers;
      const Reference ref = reference(copy, a);
      const RbacResult got = engine.evaluate(std::span<const RequestAttributes>(&a, 1));
      ASSERT_EQ(got.allowed, ref.allowed) << method << " " << path << "\n" << yaml;
      ASSERT_EQ(got.rule ? got.rule->id : std::string(), ref.rule) << method << " " << path << "\n"
                                                                   << yaml;
      std::set<std::string> audited;
      for (const CompiledPolicy* p : got.audited)
        audited.insert(p->qualified_name);
      ASSERT_EQ(audited, ref.audited) << method << " " << path << "\n" << yaml;
    }
    int allow_rules = 0, deny_rules = 0;
    for (const CompiledPolicy& p : copy) {
      if (p.action == CompiledPolicy::Action::Allow)
        allow_rules += static_cast<int>(p.rules.size());
      if (p.action == CompiledPolicy::Action::Deny) deny_rules += static_cast<int>(p.rules.size());
    }
    indexed_lists += (allow_rules >= static_cast<int>(RuleList::kIndexThreshold)) +
                     (deny_rules >= static_cast<int>(RuleList::kIndexThreshold));
  }
  EXPECT_GT(indexed_lists, 100) << "the index must be exercised";
}

TEST(PolicyEngineTest, MultipleReadingsDenyOnAnyAndAllowOnEach) {
  config::LoadResult loaded = config::loadText(R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow}
spec:
  rules: [{to: [{operation: {paths: [/public/*]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny}
spec:
  action: DENY
  rules: [{to: [{operation: {paths: [/secret]}}]}]
)");
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.toString();
  std::vector<CompiledPolicy> compiled;
  for (const auto& p : loaded.config->authorization_policies) {
    compiled.push_back(compilePolicy(p, {}, nullptr));
  }
  PolicyEngine engine(std::move(compiled));
  RequestAttributes readings[2];
  readings[0].path = "/public/a";
  readings[1].path = "/public/b";
  EXPECT_TRUE(engine.evaluate(readings).allowed);
  readings[1].path = "/private";
  RbacResult r = engine.evaluate(readings);
  EXPECT_FALSE(r.allowed);
  EXPECT_TRUE(r.no_allow_match);
  readings[1].path = "/secret";
  r = engine.evaluate(readings);
  EXPECT_FALSE(r.allowed);
  ASSERT_NE(r.rule, nullptr);
  EXPECT_EQ(r.rule->policy->name, "deny");
}

TEST(PolicyEngineTest, IndexIsUsedForLongListsOnly) {
  std::string yaml;
  for (int i = 0; i < 10; ++i) {
    yaml += "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p" +
            std::to_string(i) + "}\nspec:\n  rules: [{to: [{operation: {paths: [/p" +
            std::to_string(i) + "]}}]}]\n---\n";
  }
  config::LoadResult loaded = config::loadText(yaml);
  ASSERT_TRUE(loaded.ok());
  RuleList small, large;
  std::vector<CompiledPolicy> compiled;
  for (const auto& p : loaded.config->authorization_policies) {
    compiled.push_back(compilePolicy(p, {}, nullptr));
  }
  for (size_t i = 0; i < compiled.size(); ++i) {
    if (i < 3) small.add(compiled[i]);
    large.add(compiled[i]);
  }
  small.finalize();
  large.finalize();
  EXPECT_FALSE(small.indexed());
  EXPECT_TRUE(large.indexed());
  RequestAttributes a;
  a.path = "/p7";
  const RuleRef* m = large.firstMatch(a);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->policy->name, "p7");
  a.path = "/p70";
  EXPECT_EQ(large.firstMatch(a), nullptr);
}

}  // namespace
}  // namespace meshgate::filters::authz
