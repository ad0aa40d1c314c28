// SPDX-License-Identifier: Apache-2.0
// LRU of verified tokens. Depends on std and jwt/.
#include "jwt/verification_cache.h"

#include "jwt/verifier.h"

namespace meshgate::jwt {

VerificationCache::VerificationCache(const JwtVerifier& verifier, VerificationCacheOptions options)
    : options_(options), verifier_id_(verifier.id()) {
  index_.reserve(options_.max_entries);
}

std::shared_ptr<const Jwt> VerificationCache::find(std::string_view token, uint64_t key_set_id) {
  auto it = index_.find(token);
  if (it == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  if (it->second->key_set_id != key_set_id) {
    // Verified with keys that have since been replaced: the signing key may be gone.
    lru_.erase(it->second);
    index_.erase(it);
    ++stats_.invalidations;
    ++stats_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return it->second->jwt;
}

void VerificationCache::insert(std::shared_ptr<const Jwt> jwt, uint64_t key_set_id) {
  if (options_.max_entries == 0 || !jwt || jwt->token().size() > options_.max_token_bytes) {
    return;
  }
  erase(jwt->token());
  while (index_.size() >= options_.max_entries) {
    index_.erase(lru_.back().jwt->token());
    lru_.pop_back();
    ++stats_.evictions;
  }
  lru_.push_front(Entry{std::move(jwt), key_set_id});
  index_.emplace(lru_.front().jwt->token(), lru_.begin());
  ++stats_.inserts;
}

void VerificationCache::erase(std::string_view token) {
  auto it = index_.find(token);
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
}

void VerificationCache::invalidate(std::string_view token) {
  if (index_.count(token) == 0) return;
  erase(token);
  ++stats_.invalidations;
}

void VerificationCache::clear() {
  index_.clear();
  lru_.clear();
}

}  // namespace meshgate::jwt
