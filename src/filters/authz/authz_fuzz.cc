// SPDX-License-Identifier: Apache-2.0
// Fuzzes policy compilation and evaluation: the input is YAML (policies), a line
// "===", then requests ("METHOD PATH" per line). For each request the engine
// must agree with a direct reading of the semantics (decision, reported rule,
// audit marks), and checking the canonical readings may only turn an allow
// into a deny, never the reverse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "config/loader.h"
#include "filters/authz/engine.h"
#include "filters/authz/path_readings.h"

namespace {

using namespace meshgate;
using namespace meshgate::filters::authz;

struct Reference {
  bool allowed = true;
  std::string rule;
  std::set<std::string> audited;
};

Reference reference(const std::vector<CompiledPolicy>& policies, const RequestAttributes& a) {
  Reference ref;
  std::string deny, allow;
  bool has_allow = false;
  for (const CompiledPolicy& p : policies) {
    if (p.dry_run) continue;
    if (p.action == CompiledPolicy::Action::Allow) has_allow = true;
    for (size_t i = 0; i < p.rules.size(); ++i) {
      if (!p.rules[i].matches(a)) continue;
      const std::string id = p.ruleId(i);
      if (p.action == CompiledPolicy::Action::Deny && (deny.empty() || id < deny)) deny = id;
      if (p.action == CompiledPolicy::Action::Allow && (allow.empty() || id < allow)) allow = id;
      if (p.action == CompiledPolicy::Action::Audit) ref.audited.insert(p.qualified_name);
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    base::setLogLevel(base::LogLevel::Off);
    return true;
  }();
  (void)quiet;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t sep = in.find("\n===\n");
  if (sep == std::string_view::npos || sep > 32768) return 0;
  config::LoadResult loaded = config::loadText(in.substr(0, sep));
  if (!loaded.ok()) return 0;

  std::vector<CompiledPolicy> compiled;
  for (const config::AuthorizationPolicy& p : loaded.config->authorization_policies) {
    compiled.push_back(compilePolicy(p, {}, nullptr));
  }
  const std::vector<CompiledPolicy> copy = compiled;
  // `copy` holds the same rules; the engine's results point into its own.
  PolicyEngine engine(std::move(compiled));

  std::string_view requests = in.substr(sep + 5);
  http::HeaderMap headers;
  headers.add("x-k", "v");
  for (int n = 0; n < 16 && !requests.empty(); ++n) {
    const size_t eol = requests.find('\n');
    std::string_view line = requests.substr(0, eol);
    requests = eol == std::string_view::npos ? std::string_view() : requests.substr(eol + 1);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    RequestAttributes a;
    a.method = line.substr(0, space);
    a.path = line.substr(space + 1);
    a.headers = &headers;
    std::string dots_first, merge_first;
    if (!canonicalReadings(a.path, false, dots_first, merge_first)) continue;

    const Reference ref = reference(copy, a);
    const RbacResult one = engine.evaluate(std::span<const RequestAttributes>(&a, 1));
    if (one.allowed != ref.allowed) abort();
    if ((one.rule ? one.rule->id : std::string()) != ref.rule) abort();
    std::set<std::string> audited;
    for (const CompiledPolicy* p : one.audited)
      audited.insert(p->qualified_name);
    if (audited != ref.audited) abort();

    RequestAttributes readings[3] = {a, a, a};
    readings[1].path = dots_first;
    readings[2].path = merge_first;
    const RbacResult all = engine.evaluate(readings);
    if (all.allowed && !one.allowed) abort();
    for (const RequestAttributes& r : readings) {
      if (all.allowed && !reference(copy, r).allowed) abort();
    }
  }
  return 0;
}
