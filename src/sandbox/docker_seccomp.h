// SPDX-License-Identifier: Apache-2.0
// Docker/OCI seccomp profiles (JSON), accepted as-is and resolved the way
// Docker resolves them (moby/profiles seccomp.setupSeccomp, then runc):
// archMap for the host architecture, includes/excludes against the sandbox's
// capabilities, the architecture and the kernel version, "name" or "names",
// runc's split of same-argument conditions, and EPERM for SCMP_ACT_ERRNO
// without errnoRet. Errors point at line:col. Depends on base (its JSON reader
// in the .cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sandbox/seccomp_policy.h"

namespace meshgate::sandbox {

struct DockerContext {
  /// The capabilities the sandbox keeps (Docker: the container's bounding set).
  std::vector<int> capabilities;
  /// Docker's architecture name for includes/excludes.arches: "amd64".
  std::string arch = "amd64";
  /// The kernel version minKernel compares with (major, minor).
  int kernel_major = 0;
  int kernel_minor = 0;
  /// Keep the archMap's sub-architectures (x86, x32) in the filter, as Docker
  /// does. Off by default: meshgate refuses non-native ABIs (ADR 0201).
  bool admit_sub_architectures = false;
};

/// The context of this host: amd64 and the running kernel's version.
DockerContext hostDockerContext(std::vector<int> capabilities);

/// Parses and resolves a Docker seccomp profile. `file_name` prefixes errors.
base::Result<SeccompPolicy> parseDockerSeccomp(std::string_view json, const DockerContext& context,
                                               std::string_view file_name = "<seccomp>");

/// True when `text` looks like JSON (first non-space byte is '{').
bool looksLikeJson(std::string_view text);

}  // namespace meshgate::sandbox
