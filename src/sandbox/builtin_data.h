// SPDX-License-Identifier: Apache-2.0
// The built-in profiles as data, and their compiled seccomp programs, so that
// `sandbox run --builtin NAME` needs neither yaml-cpp nor libseccomp. Generated
// at build time by builtin_profiles_gen, which parses builtin_profiles.cc's
// YAML (the source of truth) with the profile loader and compiles each policy
// with compilePolicyUncached; the generator itself links builtin_data_none.cc
// (no data). Tests compare both tables with fresh parses and compilations.
#pragma once

#include <optional>
#include <string_view>

#include "sandbox/profile.h"
#include "sandbox/seccomp_bpf.h"

namespace meshgate::sandbox {

/// The built-in profile `name` as the YAML loader yields it, or nullopt
/// (unknown name, or the generator's own build).
std::optional<Profile> generatedBuiltinProfile(std::string_view name);

/// A built-in policy's program compiled at build time, for the
/// policyCacheKey() `key`, when libseccomp's API level (seccomp_api_get(),
/// what it probed of the kernel) is the one the generator saw; else nullopt.
std::optional<CompiledPolicy> precompiledPolicy(int api_level, std::string_view key);

/// The number of precompiled programs (for tests).
size_t precompiledPolicyCount();

}  // namespace meshgate::sandbox
