// SPDX-License-Identifier: Apache-2.0
// SandboxProfile (apiVersion meshgate.io/v1) from and to YAML. Parsing is
// strict: unknown fields, wrong types and unknown names (syscalls,
// capabilities, families) are errors that point at file:line:col. Depends on
// base and yaml-cpp (only in the .cc).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "sandbox/profile.h"

namespace meshgate::sandbox {

struct ProfileParseOptions {
  /// Shown in error messages ("profiles/web.yaml").
  std::string file_name = "<profile>";
  /// Relative paths inside the profile (seccomp.dockerProfile) resolve here.
  std::string base_dir = ".";
  /// Reads a referenced file (tests and fuzzers replace it).
  std::function<base::Result<std::string>(const std::string& path)> read_file;
};

/// Parses one YAML document holding a SandboxProfile.
base::Result<Profile> parseProfileYaml(std::string_view text,
                                       const ProfileParseOptions& options = {});

/// Writes `profile` as a SandboxProfile document that parseProfileYaml reads
/// back to an equal profile. `comment` lines go on top.
std::string writeProfileYaml(const Profile& profile, const std::string& comment = "");

/// Kubernetes quantities: "64Mi", "1G", "1.5Gi", "4096" (bytes).
std::optional<uint64_t> parseByteQuantity(std::string_view text);
/// CPU quantities: "500m", "0.5", "2" (cores).
std::optional<double> parseCpuQuantity(std::string_view text);

}  // namespace meshgate::sandbox
