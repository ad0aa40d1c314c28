// SPDX-License-Identifier: Apache-2.0
// meshgate's entry point: dispatches to one subcommand per file in cli/.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/commands.h"
#include "workload/sandbox_profiles.h"

namespace meshgate::cli {
namespace {

constexpr Command kCommands[] = {
    {"run", runCommand, "run the proxy (on a config file or directory, or the embedded default)"},
    {"version", versionCommand, "print the version and build information"},
    {"validate", validateCommand, "check a configuration file or directory"},
    {"diff", diffCommand, "compare two configurations by meaning"},
    {"sandbox", sandboxCommand, "run a command in the Linux sandbox; learn or show profiles"},
    {"policy", policyCommand, "evaluate, test and check Rego policies"},
};

void printUsage(FILE* out) {
  std::fprintf(out,
               "meshgate: a proxy, a policy engine and a sandbox in one binary\n\n"
               "usage: meshgate <command> [options]\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\nRun 'meshgate <command> --help' for a command's options.\n");
}

}  // namespace
}  // namespace meshgate::cli

int main(int argc, char** argv) {
  using namespace meshgate::cli;
  if (argc < 2) {
    printUsage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    printUsage(stdout);
    return 0;
  }
  if (name == "--version") name = "version";
  // validate, diff and run check SandboxProfile documents with the sandbox's parser.
  meshgate::workload::registerSandboxProfileKind();
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(Args(argv + 2, static_cast<size_t>(argc - 2)));
  }
  std::fprintf(stderr, "meshgate: unknown command '%s'\n\n", argv[1]);
  printUsage(stderr);
  return 2;
}
