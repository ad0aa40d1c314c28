// SPDX-License-Identifier: Apache-2.0
// Whole-file reads and writes, with errno-carrying errors. Depends on std only.
#pragma once

#include <string>

#include "base/result.h"

namespace meshgate::base {

Result<std::string> readFile(const std::string& path);
/// Writes to a temporary file beside `path`, then renames it over `path`.
Status writeFileAtomic(const std::string& path, std::string_view content);

}  // namespace meshgate::base
