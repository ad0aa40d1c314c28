// SPDX-License-Identifier: Apache-2.0
#include "filters/jwt_authn/claims_view.h"

#include <string_view>

#include "jwt/claims.h"

namespace meshgate::filters::jwt_authn {

std::vector<std::string> JwtClaimsView::values(const std::vector<std::string>& path) const {
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::vector<std::string_view> segments(path.begin(), path.end());
  std::optional<jwt::JsonValue> v = jwt_->claims().findPath(segments);
  if (!v) return out;
  const jwt::SpaceDelimited split = path.size() == 1 && jwt::isSpaceDelimitedClaim(path.front())
                                        ? jwt::SpaceDelimited::Yes
                                        : jwt::SpaceDelimited::No;
  for (std::string_view s : jwt::stringList(*v, split))
    out.emplace_back(s);
  return out;
}

}  // namespace meshgate::filters::jwt_authn
