// SPDX-License-Identifier: Apache-2.0
#include "filters/builtin.h"

namespace meshgate::filters {

void registerBuiltinFilters() {}

}  // namespace meshgate::filters
