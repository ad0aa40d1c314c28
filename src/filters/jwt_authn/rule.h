// SPDX-License-Identifier: Apache-2.0
// CompiledRule: one RequestAuthentication jwtRule ready for the request path (verifier, key
// source, token locations, outputs), and RuleWorkerState, each worker's private cache of
// verified tokens and copy of the rule's keys. Depends on jwt/ and the folder's key sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "filters/jwt_authn/key_source.h"
#include "filters/jwt_authn/token_extractor.h"
#include "jwt/verification_cache.h"
#include "jwt/verifier.h"

namespace meshgate::filters::jwt_authn {

struct ClaimHeader {
  std::string header;  // lower-case
  std::string claim;   // may be nested: "a.b" (Envoy's dotted claim names)
};

/// Immutable once built, and shared: by every route of a workload, by every worker, and across
/// config generations while the rule's text is unchanged (so verification caches and fetched
/// keys survive reloads).
struct CompiledRule {
  /// Process-unique; keys the per-worker state.
  uint64_t id = 0;
  std::string issuer;
  std::shared_ptr<const jwt::JwtVerifier> verifier;
  std::shared_ptr<KeySource> keys;
  /// fromHeaders/fromParams/fromCookies, or Istio's defaults when all are empty.
  std::vector<TokenLocation> locations;
  std::string output_payload_to_header;
  std::vector<ClaimHeader> output_claim_to_headers;
  bool forward_original_token = false;
  /// Where the rule came from ("ns/name jwtRules[0]"), for logs.
  std::string source;

  /// A new process-unique id.
  static uint64_t nextId();
};

/// One worker's state for one rule. Created on first use on that worker's thread and only
/// touched there: the request path takes no lock for it.
struct RuleWorkerState {
  std::weak_ptr<const CompiledRule> owner;
  std::unique_ptr<jwt::VerificationCache> cache;
  uint64_t keys_version = 0;
  KeysSnapshot keys;

  /// The rule's keys, re-copied from the source only when it published a new version.
  const KeysSnapshot& currentKeys(const KeySource& source) {
    const uint64_t v = source.version();
    if (v != keys_version) {
      keys = source.snapshot();
      keys_version = v;
    }
    return keys;
  }
};

/// The calling thread's state for `rule`. The reference stays valid while `rule` lives.
/// States of rules that no longer exist are dropped when a new state is created.
RuleWorkerState& workerStateFor(const std::shared_ptr<const CompiledRule>& rule);

}  // namespace meshgate::filters::jwt_authn
