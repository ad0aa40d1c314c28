// SPDX-License-Identifier: Apache-2.0
// The subcommands of the meshgate binary. One file per subcommand; each entry
// point gets the arguments after its own name and returns the process exit code.
#pragma once

#include <span>
#include <string_view>

namespace meshgate::cli {

using Args = std::span<char* const>;

int versionCommand(Args args);
int runCommand(Args args);
int validateCommand(Args args);
int diffCommand(Args args);
int sandboxCommand(Args args);
int policyCommand(Args args);

struct Command {
  std::string_view name;
  int (*run)(Args args);
  std::string_view summary;
};

}  // namespace meshgate::cli
