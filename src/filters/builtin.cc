// SPDX-License-Identifier: Apache-2.0
#include "filters/builtin.h"

#include "filters/authz/config.h"

namespace meshgate::filters {

void registerBuiltinFilters() {
  authz::registerAuthzFilter();
}

}  // namespace meshgate::filters
