// SPDX-License-Identifier: Apache-2.0
// The command a sandbox runs: argv, the environment (empty plus the profile's
// allowlist, so no secret of the supervisor leaks in), and the execvp-style
// lookup done inside the sandbox's own view. Depends on base only.
#pragma once

#include <string>
#include <vector>

#include "sandbox/profile.h"

namespace meshgate::sandbox {

/// What to run: argv[0] is the program (looked up in the sandbox's PATH when
/// it has no '/').
struct Command {
  std::vector<std::string> argv;
};

struct CommandPlan {
  std::vector<std::string> argv_storage;
  std::vector<char*> argv;  // null-terminated
  std::vector<std::string> envp_storage;
  std::vector<char*> envp;  // null-terminated
  std::string path_env;     // the sandbox's PATH, for the lookup
};

/// Supervisor side. `caller_env` is the caller's environment (environ), read
/// only for variables the profile lists without a value.
base::Result<CommandPlan> planCommand(const Command& command, const std::vector<EnvVar>& env,
                                      char* const* caller_env);

/// Child side: execve()s argv[0], searching path_env when it has no '/'.
/// Returns the errno only on failure (EACCES if any candidate was not
/// executable, else the last error), like execvp. Allocation-free.
int execCommand(const CommandPlan& plan);

}  // namespace meshgate::sandbox
