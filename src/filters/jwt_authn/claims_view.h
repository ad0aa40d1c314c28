// SPDX-License-Identifier: Apache-2.0
// JwtClaimsView: the filter_api::ClaimsView of a verified token, read by the authorization,
// rate-limit and policy filters (request.auth.claims[...]). Depends on filter_api and jwt/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "filter_api/filter.h"
#include "jwt/jwt.h"

namespace meshgate::filters::jwt_authn {

/// Keeps the verified token alive (shared, immutable), so the view costs one allocation.
class JwtClaimsView final : public filter_api::ClaimsView {
 public:
  explicit JwtClaimsView(std::shared_ptr<const jwt::Jwt> jwt) : jwt_(std::move(jwt)) {}

  /// Istio's claim matching: a string gives itself, an array of strings each string element;
  /// the top-level claims "scope" and "permission" are also split on spaces (Istio's
  /// space-delimited claims). Other JSON types give nothing.
  std::vector<std::string> values(const std::vector<std::string>& path) const override;
  std::string json() const override { return jwt_->claims().toJson(); }

  const jwt::Jwt& jwt() const { return *jwt_; }

 private:
  std::shared_ptr<const jwt::Jwt> jwt_;
};

}  // namespace meshgate::filters::jwt_authn
