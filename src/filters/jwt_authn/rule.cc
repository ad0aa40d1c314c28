// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/rule.h"

#include <atomic>
#include <unordered_map>

namespace meshgate::filters::jwt_authn {

uint64_t CompiledRule::nextId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

RuleWorkerState& workerStateFor(const std::shared_ptr<const CompiledRule>& rule) {
  // Per thread (Envoy's ThreadLocal slot): node-based, so references survive rehashing.
  thread_local std::unordered_map<uint64_t, RuleWorkerState> states;
  auto it = states.find(rule->id);
  if (it != states.end()) return it->second;
  std::erase_if(states, [](const auto& kv) { return kv.second.owner.expired(); });
  RuleWorkerState& s = states[rule->id];
  s.owner = rule;
  s.cache = std::make_unique<jwt::VerificationCache>(*rule->verifier);
  return s;
}

}  // namespace meshgate::filters::jwt_authn
