// SPDX-License-Identifier: Apache-2.0
#include "filters/builtin.h"

#include "filters/cors/cors_filter.h"
#include "filters/fault/fault_filter.h"
#include "filters/rate_limit/config.h"

namespace meshgate::filters {

void registerBuiltinFilters() {
  fault::registerFaultFilter();
  cors::registerCorsFilter();
  rate_limit::registerRateLimitFilter();
}

}  // namespace meshgate::filters
