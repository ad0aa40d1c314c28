// SPDX-License-Identifier: Apache-2.0
#include "filters/builtin.h"

#include "filters/jwt_authn/config.h"

namespace meshgate::filters {

void registerBuiltinFilters() {
  jwt_authn::registerJwtAuthnFilter();
}

}  // namespace meshgate::filters
