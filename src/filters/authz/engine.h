// SPDX-License-Identifier: Apache-2.0
// The policies of one workload, partitioned by action and evaluated in Istio's
// order: CUSTOM (per provider), then AUDIT (marks only), DENY, ALLOW; dry-run
// policies in shadow engines that never enforce. Pure: no I/O, no metrics, no
// filter state. Depends on filters/authz/policy.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filters/authz/policy.h"

namespace meshgate::filters::authz {

/// One rule of one policy (a policy with no rules has no RuleRef). Owned by
/// the engine; results point at them, so evaluation never copies strings.
struct RuleRef {
  const CompiledPolicy* policy = nullptr;
  size_t rule = 0;
  std::string id;  // Envoy's "ns[NS]-policy[NAME]-rule[I]"
};

/// Rules of one action, in Envoy's evaluation order (RBAC policies are held in a
/// map sorted by id, so the first matching id is the reported one).
///
/// Long lists are indexed by path: a rule whose every operation names `paths`
/// can only match a request whose path matches one of them, so only the rules
/// the path selects (plus those without such a constraint) are evaluated, still
/// in id order. The index never changes a result, only the work.
class RuleList {
 public:
  /// Lists at least this long get a path index.
  static constexpr size_t kIndexThreshold = 8;

  void add(const CompiledPolicy& policy);
  void finalize();
  bool indexed() const { return indexed_; }
  bool empty() const { return rules_.empty(); }
  /// The first rule that matches any of `readings`, or null.
  const RuleRef* firstMatch(std::span<const RequestAttributes> readings) const;
  /// The first rule that matches `reading`, or null.
  const RuleRef* firstMatch(const RequestAttributes& reading) const;
  /// Every policy with a rule matching any reading, each once, in order.
  std::vector<const CompiledPolicy*> allMatches(std::span<const RequestAttributes> readings) const;

 private:
  using Keyed = std::vector<std::pair<std::string, uint32_t>>;  // (pattern, rule position)
  void buildIndex();
  /// Appends the positions of the rules `path` may match (unsorted, maybe repeated).
  void candidates(std::string_view path, std::vector<uint32_t>& out) const;
  /// The positions, in order, of the rules any of `readings` may match.
  const std::vector<uint32_t>& candidates(std::span<const RequestAttributes> readings) const;

  std::vector<RuleRef> rules_;
  bool indexed_ = false;
  std::vector<uint32_t> unkeyed_;  // rules without a path constraint
  Keyed exact_, prefixes_, suffixes_;
  std::vector<uint32_t> prefix_lengths_, suffix_lengths_;
};

/// The outcome of AUDIT, DENY and ALLOW (and their dry runs) for one request.
struct RbacResult {
  bool allowed = true;
  /// The DENY rule that denied; or the ALLOW rule that allowed (primary reading).
  const RuleRef* rule = nullptr;
  /// True when ALLOW policies apply and no ALLOW rule matched (under some reading).
  bool no_allow_match = false;
  /// AUDIT policies that matched (Envoy's access_log_hint).
  std::vector<const CompiledPolicy*> audited;

  // Dry-run (istio.io/dry-run) engines; *_evaluated is false when the workload
  // has no dry-run policy of that action.
  bool dry_deny_evaluated = false;
  bool dry_deny_denied = false;
  const RuleRef* dry_deny_rule = nullptr;
  bool dry_allow_evaluated = false;
  bool dry_allow_allowed = false;
  const RuleRef* dry_allow_rule = nullptr;
};

/// Immutable after construction; evaluate() may be called concurrently.
///
/// `readings` are the interpretations of one request that must all be
/// authorized: [0] is the path as forwarded; the others, when present, are its
/// canonical readings (ADR 0652). A DENY (and a CUSTOM trigger, and an audit mark)
/// applies if it matches any reading; ALLOW must be satisfied by every reading.
class PolicyEngine {
 public:
  struct CustomGroup {
    std::string provider;
    RuleList enforced;
    RuleList dry_run;
    /// The CUSTOM policies of this provider (for metrics and logs).
    std::vector<const CompiledPolicy*> policies;
  };

  explicit PolicyEngine(std::vector<CompiledPolicy> policies);
  PolicyEngine(const PolicyEngine&) = delete;
  PolicyEngine& operator=(const PolicyEngine&) = delete;

  const std::vector<CompiledPolicy>& policies() const { return policies_; }
  /// CUSTOM policies grouped by provider, sorted by provider name.
  const std::vector<CustomGroup>& customGroups() const { return custom_; }
  /// True when any policy matches on the path (so a canonical reading matters).
  bool usesPath() const { return uses_path_; }
  bool usesRequestPrincipal() const { return uses_request_principal_; }
  bool hasEnforcedAllow() const { return has_enforced_allow_; }

  RbacResult evaluate(std::span<const RequestAttributes> readings) const;

 private:
  std::vector<CompiledPolicy> policies_;  // never resized after construction
  std::vector<CustomGroup> custom_;
  RuleList audit_;
  RuleList deny_;
  RuleList allow_;
  RuleList dry_deny_;
  RuleList dry_allow_;
  bool has_enforced_allow_ = false;
  bool has_dry_allow_ = false;
  bool has_dry_deny_ = false;
  bool uses_path_ = false;
  bool uses_request_principal_ = false;
};

}  // namespace meshgate::filters::authz
