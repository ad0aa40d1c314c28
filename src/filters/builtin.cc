// SPDX-License-Identifier: Apache-2.0
#include "filters/builtin.h"

#include "filters/authz/config.h"
#include "filters/cors/cors_filter.h"
#include "filters/fault/fault_filter.h"
#include "filters/jwt_authn/config.h"
#include "filters/rate_limit/config.h"

namespace meshgate::filters {

void registerBuiltinFilters() {
  jwt_authn::registerJwtAuthnFilter();
  authz::registerAuthzFilter();
  rate_limit::registerRateLimitFilter();
  fault::registerFaultFilter();
  cors::registerCorsFilter();
}

}  // namespace meshgate::filters
