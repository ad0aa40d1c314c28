// SPDX-License-Identifier: Apache-2.0
// builtin_data.h without data: what builtin_profiles_gen links, so that it
// parses and compiles the built-ins itself.
#include "sandbox/builtin_data.h"

namespace meshgate::sandbox {

std::optional<Profile> generatedBuiltinProfile(std::string_view) {
  return std::nullopt;
}

std::optional<CompiledPolicy> precompiledPolicy(int, std::string_view) {
  return std::nullopt;
}

size_t precompiledPolicyCount() {
  return 0;
}

}  // namespace meshgate::sandbox
