// SPDX-License-Identifier: Apache-2.0
// The filters compiled into meshgate. Depends on every filters/<name> library.
#pragma once

namespace meshgate::filters {

/// Registers every built-in filter type with filter_api (idempotent).
void registerBuiltinFilters();

}  // namespace meshgate::filters
