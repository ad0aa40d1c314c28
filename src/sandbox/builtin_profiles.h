// SPDX-License-Identifier: Apache-2.0
// The built-in SandboxProfiles: strict, http-service and shell, kept as the
// same YAML that docs/sandbox.md shows. Depends on base.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sandbox/profile.h"

namespace meshgate::sandbox {

/// The names, in documentation order.
std::vector<std::string> builtinProfileNames();
/// The YAML text of a built-in profile, or "" when there is none.
std::string_view builtinProfileYaml(std::string_view name);
/// The parsed profile (from the table generated at build time, see
/// builtin_data.h).
base::Result<Profile> builtinProfile(std::string_view name);
/// The profile parsed from its YAML now, by the profile loader.
base::Result<Profile> parseBuiltinProfileYaml(std::string_view name);
/// The seccomp policy a SandboxProfile gets when it has no spec.seccomp:
/// the `shell` profile's.
SeccompPolicy defaultSeccompPolicy();

}  // namespace meshgate::sandbox
