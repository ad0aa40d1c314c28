// SPDX-License-Identifier: Apache-2.0
// VerificationCache: a bounded LRU of tokens that passed a JwtVerifier, so the same bearer
// token is not RSA-verified on every request (Envoy's jwt_cache_config). One per worker and
// verifier: no locks. Depends on std and jwt/jwt.h.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "jwt/jwt.h"

namespace meshgate::jwt {

class JwtVerifier;

struct VerificationCacheOptions {
  /// Entries kept (Envoy's jwt_cache_size, default 100). 0 disables the cache.
  size_t max_entries = 100;
  /// Longer tokens are not cached (Envoy caches up to 4 KiB), which bounds the memory to
  /// about max_entries × max_token_bytes plus the decoded claims.
  size_t max_token_bytes = 4096;
};

/// Not thread-safe: each worker owns its caches. An entry remembers the key set it was
/// verified with; a lookup with another key set (after rotation) drops it.
class VerificationCache {
 public:
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    /// Entries pushed out because the cache was full.
    uint64_t evictions = 0;
    /// Entries dropped because their key set was replaced or their time claims lapsed.
    uint64_t invalidations = 0;
  };

  VerificationCache(const JwtVerifier& verifier, VerificationCacheOptions options = {});
  VerificationCache(const VerificationCache&) = delete;
  VerificationCache& operator=(const VerificationCache&) = delete;

  /// The verifier this cache belongs to.
  uint64_t verifierId() const { return verifier_id_; }

  /// The token verified earlier against key set `key_set_id`, made most recently used; null
  /// on a miss. Time claims are the caller's to re-check (JwtVerifier::verify does).
  std::shared_ptr<const Jwt> find(std::string_view token, uint64_t key_set_id);
  /// Remembers a verified token (keyed by its text), evicting the least recently used entry
  /// when full.
  void insert(std::shared_ptr<const Jwt> jwt, uint64_t key_set_id);
  /// Drops `token` (its time claims lapsed, or it must be verified afresh).
  void invalidate(std::string_view token);
  void clear();

  size_t size() const { return index_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  void erase(std::string_view token);

  struct Entry {
    std::shared_ptr<const Jwt> jwt;
    uint64_t key_set_id;
  };
  using List = std::list<Entry>;

  VerificationCacheOptions options_;
  uint64_t verifier_id_;
  List lru_;  // front: most recently used
  // Keys view the token text owned by the entry's Jwt, which lives as long as the entry.
  std::unordered_map<std::string_view, List::iterator> index_;
  Stats stats_;
};

}  // namespace meshgate::jwt
