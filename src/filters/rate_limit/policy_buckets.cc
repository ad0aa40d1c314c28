// SPDX-License-Identifier: Apache-2.0
#include "filters/rate_limit/policy_buckets.h"

#include <algorithm>

namespace meshgate::filters::rate_limit {

namespace {

void appendPart(std::string& out, std::string_view part) {
  // Length-prefixed, so no value can be mistaken for a separator.
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

const char* kindName(config::RateLimitDescriptor::Kind kind) {
  switch (kind) {
    case config::RateLimitDescriptor::Kind::Header:
      return "header";
    case config::RateLimitDescriptor::Kind::ClientIp:
      return "clientIp";
    case config::RateLimitDescriptor::Kind::JwtClaim:
      return "jwtClaim";
    case config::RateLimitDescriptor::Kind::Path:
      return "path";
    case config::RateLimitDescriptor::Kind::GenericKey:
      return "genericKey";
  }
  return "?";
}

}  // namespace

limits::TokenBucketConfig bucketConfigFor(const config::RateLimit& limit) {
  limits::TokenBucketConfig c;
  c.max_tokens = limit.burst != 0 ? limit.burst : limit.requests_per_unit;
  c.tokens_per_fill = limit.requests_per_unit;
  c.fill_interval = std::chrono::duration_cast<std::chrono::nanoseconds>(limit.unitDuration());
  return c;
}

bool isKeyed(const config::RateLimitPolicy& policy) {
  return std::any_of(policy.descriptors.begin(), policy.descriptors.end(), [](const auto& d) {
    return d.kind != config::RateLimitDescriptor::Kind::GenericKey;
  });
}

std::string bucketStateKey(const config::RateLimitPolicy& policy) {
  const limits::TokenBucketConfig c = bucketConfigFor(policy.limit);
  std::string key = "rate_limit/";
  appendPart(key, policy.meta.qualifiedName());
  key += "/limit=" + std::to_string(c.tokens_per_fill) + "per" +
         std::to_string(c.fill_interval.count()) + "ns,burst=" + std::to_string(c.max_tokens);
  key += "/descriptors=";
  for (const config::RateLimitDescriptor& d : policy.descriptors) {
    key += kindName(d.kind);
    appendPart(key, d.value);
  }
  return key;
}

PolicyBuckets::PolicyBuckets(const limits::TokenBucketConfig& config, bool keyed,
                             base::MonoTime now) {
  if (keyed) {
    limits::KeyedTokenBucketsConfig kc;
    kc.bucket = config;
    kc.max_keys = kMaxKeysPerPolicy;
    keyed_ = std::make_unique<limits::KeyedTokenBuckets>(kc, now);
  } else {
    single_ = std::make_unique<limits::TokenBucket>(config, now);
  }
}

}  // namespace meshgate::filters::rate_limit
