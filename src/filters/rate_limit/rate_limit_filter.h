// SPDX-License-Identifier: Apache-2.0
// The per-request rate limit filter: finds the policies of the route that apply to the
// request, builds each one's bucket key from its descriptors, takes a token, and answers 429
// (or, in shadow mode, only counts and logs). Depends on filter_api, limits.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filter_api/filter.h"
#include "filters/rate_limit/config.h"
#include "limits/token_bucket.h"

namespace meshgate::filters::rate_limit {

/// proxy::ResponseFlag::RateLimited ("RL"). Filters do not depend on proxy/; a unit test
/// checks that the two agree.
inline constexpr uint32_t kResponseFlagRateLimited = 1u << 12;
/// The body and the access log's response_code_details of a 429, as Envoy's local rate limit.
inline constexpr std::string_view kLimitedDetails = "local_rate_limited";

/// Whether `policy` selects this request (its target matched the route; hosts/path targets
/// are checked against the request's Host and normalized path here).
bool policyApplies(const CompiledPolicy& policy, filter_api::FilterContext& ctx);

/// Appends the bucket key of `policy` for this request to `key` (each descriptor value,
/// length-prefixed, in order). False when a value is missing (absent header, no JWT or no
/// such claim): the policy does not count the request, as Envoy skips a rate limit whose
/// request_headers descriptor is absent.
bool appendDescriptorKey(const CompiledPolicy& policy, filter_api::FilterContext& ctx,
                         std::string& key);

/// Calls `fn(name, value)` for the x-ratelimit-* headers of a decision (IETF
/// draft-ietf-httpapi-ratelimit-headers-03 as Envoy emits them: limit, remaining, reset in
/// delta-seconds), plus Retry-After (seconds, rounded up) when denied.
void forEachRateLimitHeader(const limits::RateLimitDecision& decision,
                            const std::function<void(std::string_view, std::string_view)>& fn);
/// The same, as a list (for a LocalReply).
std::vector<std::pair<std::string, std::string>> rateLimitHeaders(
    const limits::RateLimitDecision& decision);

class RateLimitFilter final : public filter_api::Filter {
 public:
  /// `config` outlives the filter (the factory holds it; the snapshot holds the factory).
  explicit RateLimitFilter(const RouteRateLimits& config) : config_(config) {}

  // filter_api::Filter
  filter_api::FilterStatus onRequestHeaders(filter_api::FilterContext& ctx,
                                            bool end_stream) override;

 private:
  const RouteRateLimits& config_;
};

class RateLimitFilterFactory final : public filter_api::FilterFactory {
 public:
  explicit RateLimitFilterFactory(std::shared_ptr<const RouteRateLimits> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "rate_limit"; }
  std::unique_ptr<filter_api::Filter> create() const override {
    return std::make_unique<RateLimitFilter>(*config_);
  }
  const RouteRateLimits& config() const { return *config_; }

 private:
  std::shared_ptr<const RouteRateLimits> config_;
};

}  // namespace meshgate::filters::rate_limit
