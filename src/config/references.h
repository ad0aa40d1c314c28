// SPDX-License-Identifier: Apache-2.0
// Internal to the loader: checks across objects (dangling references,
// duplicates, conflicts) once every document is parsed. Depends on the model.
#pragma once

#include "config/config_set.h"

namespace meshgate::config {

/// Reports every cross-object problem of `config` into `diags`.
void validateReferences(const ConfigSet& config, Diagnostics& diags);

}  // namespace meshgate::config
