// SPDX-License-Identifier: Apache-2.0
// The per-request JWT authentication filter (Istio RequestAuthentication on Envoy's jwt_authn):
// reads the tokens, verifies them under the workload's rules, and either passes the request on
// with the identity set (or with none when there was no token), or answers 401/403 with
// Envoy's body and WWW-Authenticate. Waits while a jwksUri is fetched for the first time.
// Depends on filter_api and the folder.
#pragma once

#include <memory>
#include <vector>

#include "filter_api/filter.h"
#include "filters/jwt_authn/config.h"

namespace meshgate::filters::jwt_authn {

class JwtAuthnFilter final : public filter_api::Filter {
 public:
  explicit JwtAuthnFilter(std::shared_ptr<const FilterConfig> config);
  ~JwtAuthnFilter() override;

  // filter_api::Filter
  filter_api::FilterStatus onRequestHeaders(filter_api::FilterContext& ctx,
                                            bool end_stream) override;
  void onComplete(filter_api::FilterContext& ctx) override;

 private:
  /// Shared with a JwksProvider's wake-up; cleared when the filter goes away first.
  struct WaitHandle {
    JwtAuthnFilter* filter = nullptr;
  };

  filter_api::FilterStatus decide(filter_api::FilterContext& ctx);
  void onKeysSettled();
  void allow(filter_api::FilterContext& ctx, Authenticator& authenticator,
             const AuthnOutcome& outcome);
  void deny(filter_api::FilterContext& ctx, jwt::JwtStatus status);
  void cancelWait();

  std::shared_ptr<const FilterConfig> config_;
  TokenList tokens_;
  std::shared_ptr<WaitHandle> wait_;
  filter_api::FilterContext* waiting_ctx_ = nullptr;
  bool counted_wait_ = false;
};

/// Creates JwtAuthnFilter instances for one route.
class JwtAuthnFilterFactory final : public filter_api::FilterFactory {
 public:
  explicit JwtAuthnFilterFactory(std::shared_ptr<const FilterConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "jwt_authn"; }
  std::unique_ptr<filter_api::Filter> create() const override {
    return std::make_unique<JwtAuthnFilter>(config_);
  }
  const FilterConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const FilterConfig> config_;
};

}  // namespace meshgate::filters::jwt_authn
