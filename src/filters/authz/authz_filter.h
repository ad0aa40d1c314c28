// SPDX-License-Identifier: Apache-2.0
// The per-request authorization filter: reads the request's attributes once,
// runs the CUSTOM providers its CUSTOM rules select (capturing the body first
// when a provider asks for it), then the AUDIT, DENY and ALLOW policies, and
// either lets the request through or answers 403. Loop thread only. Depends on
// filter_api and filters/authz.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "filter_api/filter.h"
#include "filters/authz/config.h"
#include "filters/authz/engine.h"

namespace meshgate::filters::authz {

/// The body of every RBAC denial, as Envoy's RBAC filter sends it.
inline constexpr std::string_view kAccessDeniedBody = "RBAC: access denied";
/// proxy::ResponseFlag::UnauthorizedExternalService ("UAEX"), set on CUSTOM
/// denials as Envoy's ext_authz does (filters cannot include proxy/).
inline constexpr uint32_t kFlagUnauthorizedExternalService = 1u << 13;

class AuthzFilter final : public filter_api::Filter {
 public:
  /// `config` must outlive the filter (the route's factory holds it, and a
  /// request keeps its config generation alive until it completes).
  explicit AuthzFilter(const AuthzConfig& config) : config_(config) {}

  // filter_api::Filter
  filter_api::FilterStatus onRequestHeaders(filter_api::FilterContext& ctx,
                                            bool end_stream) override;
  filter_api::FilterStatus onRequestBody(filter_api::FilterContext& ctx, std::string_view data,
                                         bool end_stream) override;

 private:
  /// A CUSTOM provider whose rules selected the request.
  struct Trigger {
    size_t group = 0;
    const RuleRef* enforced = nullptr;  // first matching enforced rule
    const RuleRef* dry_run = nullptr;   // first matching dry-run rule
  };

  /// Fills readings_ from the request; false when the path cannot be read
  /// unambiguously (the request is then denied).
  bool prepare(filter_api::FilterContext& ctx);
  std::span<const RequestAttributes> readings() const { return {readings_.data(), reading_count_}; }
  filter_api::FilterStatus decide(filter_api::FilterContext& ctx, std::string_view body,
                                  bool truncated);
  /// Runs the triggered providers in order; false when one denied (reply set).
  bool runCustom(filter_api::FilterContext& ctx, std::string_view body, bool truncated);
  filter_api::FilterStatus runRbac(filter_api::FilterContext& ctx);
  filter_api::FilterStatus reply(filter_api::FilterContext& ctx, filter_api::LocalReply r);
  void logNoAuthorizer(filter_api::FilterContext& ctx, const std::string& provider,
                       const CompiledPolicy& policy);
  void appendCustomLog(std::string_view provider, std::string_view result, bool dry_run,
                       std::string_view message);
  void writeLogFields(filter_api::FilterContext& ctx, std::string_view result, const char* action,
                      const RuleRef* rule);
  void count(filter_api::FilterContext& ctx, metrics::SeriesId id);

  const AuthzConfig& config_;
  /// [0] the path as forwarded; then its distinct canonical readings.
  std::array<RequestAttributes, 3> readings_{};
  size_t reading_count_ = 0;
  std::string host_;        // lower-cased authority, when it had upper case
  std::string path_;        // lower-cased path (caseInsensitiveMatching)
  std::string dots_first_;  // canonical readings (path_readings.h)
  std::string merge_first_;
  std::string scratch_;  // repeated header fields joined
  std::string jwt_issuer_;
  std::string jwt_subject_;
  std::vector<Trigger> triggers_;
  std::string custom_log_;  // JSON array elements for "authz_custom"
  bool waiting_for_body_ = false;
  size_t body_limit_ = 0;
};

}  // namespace meshgate::filters::authz
