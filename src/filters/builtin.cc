// SPDX-License-Identifier: Apache-2.0
#include "filters/builtin.h"

#include "filters/rate_limit/config.h"

namespace meshgate::filters {

void registerBuiltinFilters() {
  rate_limit::registerRateLimitFilter();
}

}  // namespace meshgate::filters
