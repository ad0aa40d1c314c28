// SPDX-License-Identifier: Apache-2.0
// The effective configuration as JSON (admin /config_dump) and its version hash.
// Depends on config/config_set.h (OpenSSL in the .cc for SHA-256).
#pragma once

#include <string>

#include "config/config_set.h"

namespace meshgate::config {

/// {"version": <hash>, "config": {...}}: every object with defaults filled in,
/// in a canonical order, plus the derived listeners and clusters. Source
/// positions are not part of the dump.
std::string toJson(const ConfigSet& config);

/// Hex SHA-256 of the canonical form: equal iff the two configurations mean the
/// same (object order, file layout, comments, key order, set-like list order and
/// spelling of defaults do not count).
std::string versionHash(const ConfigSet& config);

}  // namespace meshgate::config
