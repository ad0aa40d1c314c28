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

namespace YAML {
class Node;
}

namespace meshgate::sandbox {

/// Where a parse error points, for callers that place it in their own file
/// (the config loader): the 0-based line and column of the YAML node at fault
/// (-1 when unknown) and the message without its "file:line:col: " prefix.
struct ProfileErrorDetail {
  int line = -1;
  int column = -1;
  std::string message;
};

struct ProfileParseOptions {
  /// Shown in error messages ("profiles/web.yaml").
  std::string file_name = "<profile>";
  /// Relative paths inside the profile (seccomp.dockerProfile) resolve here.
  std::string base_dir = ".";
  /// Reads a referenced file (tests and fuzzers replace it).
  std::function<base::Result<std::string>(const std::string& path)> read_file;
  /// When set, receives the position and bare message of the error returned.
  ProfileErrorDetail* error_detail = nullptr;
};

/// Parses one YAML document holding a SandboxProfile.
base::Result<Profile> parseProfileYaml(std::string_view text,
                                       const ProfileParseOptions& options = {});

/// Parses a SandboxProfile whose document was already read by yaml-cpp (the
/// config loader keeps external kinds that way): `spec` is the document's
/// spec (marks relative to the document), `name` its metadata.name. Must be
/// called on the thread that owns `spec` (yaml-cpp nodes are not thread-safe).
base::Result<Profile> parseProfileSpec(const YAML::Node& spec, std::string_view name,
                                       const ProfileParseOptions& options = {});

/// Writes `profile` as a SandboxProfile document that parseProfileYaml reads
/// back to an equal profile. `comment` lines go on top.
std::string writeProfileYaml(const Profile& profile, const std::string& comment = "");

/// Kubernetes quantities: "64Mi", "1G", "1.5Gi", "4096" (bytes).
std::optional<uint64_t> parseByteQuantity(std::string_view text);
/// CPU quantities: "500m", "0.5", "2" (cores).
std::optional<double> parseCpuQuantity(std::string_view text);

}  // namespace meshgate::sandbox
