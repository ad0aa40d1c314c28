// SPDX-License-Identifier: Apache-2.0
// The decision of the JWT filter for one request: Envoy's jwt_authn requirement tree
// (provider, allow_missing, requires_any, requires_all) with Envoy's rules for which tokens a
// requirement reads, in which order, and which status wins, over the tree Istio generates for
// a workload's RequestAuthentication rules. Synchronous; when a rule's keys are still being
// fetched for the first time the run stops and says which rule it waits for.
// Depends on jwt/ and the folder's rule and extractor types.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "filters/jwt_authn/rule.h"
#include "filters/jwt_authn/small_list.h"
#include "filters/jwt_authn/token_extractor.h"
#include "jwt/status.h"

namespace meshgate::filters::jwt_authn {

/// A node of Envoy's JwtRequirement, restricted to what Istio generates.
struct Requirement {
  enum class Kind : uint8_t {
    /// provider_name: every token at the rule's locations must verify under the rule (at
    /// least one token; none is JwtMissed).
    Provider,
    /// allow_missing, inside a requires_any next to the providers in `rules`: reads their
    /// locations, verifies each token under the rule of its issuer; no token is Ok, otherwise
    /// the status of the first token found wins (Envoy checks tokens from the last).
    AllowMissing,
    /// requires_any: Ok at the first Ok child, otherwise the last child's status.
    Any,
    /// requires_all: the first failing child's status, otherwise Ok.
    All,
  };
  Kind kind = Kind::Any;
  uint16_t rule = 0;
  std::vector<uint16_t> rules;
  std::vector<Requirement> children;
};

/// Istio's requirement for `rule_count` rules (pilot's convertToEnvoyJwtConfig): one rule is
/// any{P0, allow_missing}; several are any{P0, .., Pn-1, all{any{P0, allow_missing}, ..,
/// any{Pn-1, allow_missing}}}. A request without a token passes; a token that no rule
/// accepts fails.
Requirement istioRequirement(size_t rule_count);

/// The rules of one workload, compiled once per generation. Immutable.
struct AuthnPolicy {
  /// Sorted by issuer, as Istio sorts them (the order also picks the request principal).
  std::vector<std::shared_ptr<const CompiledRule>> rules;
  LocationTable locations;
  std::vector<LocationMask> rule_masks;
  LocationMask all_locations = 0;
  Requirement requirement;
  /// outputPayloadToHeader and outputClaimToHeaders names of every rule: removed from every
  /// request first, so that a client cannot forge them.
  std::vector<std::string> sanitize_headers;
};

/// Builds the location table, masks, requirement and sanitize list for `rules` (which must
/// already be sorted). Fails with more than kMaxLocations distinct locations.
base::Result<AuthnPolicy> compilePolicy(std::vector<std::shared_ptr<const CompiledRule>> rules);

/// A token that verified under a rule during the run (Envoy's handleGoodJwt).
struct GoodToken {
  uint16_t token = 0;
  uint16_t rule = 0;
};

struct AuthnOutcome {
  /// The rule whose keys are still being fetched for the first time: the run stopped; run it
  /// again once they have settled.
  std::optional<uint16_t> waiting_for_rule;
  /// The requirement's status (Ok for a request without tokens).
  jwt::JwtStatus status = jwt::JwtStatus::Ok;
  SmallList<GoodToken, 4> good;
  uint32_t cache_hits = 0;
  uint32_t cache_misses = 0;
};

/// One request's evaluation. Uses the calling thread's RuleWorkerStates (caches, keys).
class Authenticator {
 public:
  Authenticator(const AuthnPolicy& policy, std::span<const ExtractedToken> tokens,
                base::SystemTime now);

  AuthnOutcome run();
  /// Token `i` parsed (or taken from a cache) during run(); null when it was not needed or
  /// did not parse.
  const std::shared_ptr<const jwt::Jwt>& jwtOf(size_t i) const { return tokens_[i].jwt; }

 private:
  static constexpr size_t kMemoRules = 16;
  struct TokenState {
    std::shared_ptr<const jwt::Jwt> jwt;
    jwt::JwtStatus parse_status = jwt::JwtStatus::Ok;
    bool parse_done = false;
    /// The cache entry found while parsing: (rule, key set id).
    int hit_rule = -1;
    uint64_t hit_keys = 0;
    /// verify() results per rule, as status + 1 (0: not computed).
    std::array<uint8_t, kMemoRules> memo{};
  };

  std::optional<jwt::JwtStatus> eval(const Requirement& r);
  std::optional<jwt::JwtStatus> evalProvider(uint16_t rule);
  std::optional<jwt::JwtStatus> evalAllowMissing(const std::vector<uint16_t>& rules);
  /// Parses token i (or finds it in `rule`'s cache); returns the parse status.
  jwt::JwtStatus ensureParsed(size_t i, int rule);
  /// Time, audience, keys and signature of token i under `rule`; nullopt when the keys are
  /// pending.
  std::optional<jwt::JwtStatus> verify(size_t i, uint16_t rule);
  RuleWorkerState& state(uint16_t rule);
  void markGood(size_t i, uint16_t rule);
  int findByIssuer(std::string_view issuer) const;

  const AuthnPolicy& policy_;
  std::span<const ExtractedToken> tokens_in_;
  base::SystemTime now_;
  SmallList<TokenState, 4> tokens_;
  SmallList<RuleWorkerState*, 4> states_;
  AuthnOutcome out_;
};

}  // namespace meshgate::filters::jwt_authn
