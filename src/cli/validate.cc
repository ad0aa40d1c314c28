// SPDX-License-Identifier: Apache-2.0
// `meshgate validate FILE|DIR`: loads and validates a configuration; prints
// every problem as file:line:col: message. Exit 0 (valid), 1 (invalid), 2 (usage).
// Besides the YAML, it compiles the Rego bundle of every PolicyProvider, as
// `meshgate run` would before accepting the config.
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "config/dump.h"
#include "config/loader.h"
#include "policy/rego_authorizer.h"
#include "rego/bundle.h"

namespace meshgate::cli {

namespace {

void validateUsage(FILE* out) {
  std::fprintf(out,
               "usage: meshgate validate [--quiet] [--dump] FILE|DIR\n\n"
               "Loads FILE, or every *.yaml/*.yml file in DIR (not recursive), and checks\n"
               "every document: fields, types, values and references between objects.\n"
               "The Rego bundle of every PolicyProvider is compiled as `meshgate run`\n"
               "would compile it.\n"
               "Errors and warnings go to stderr as file:line:col: message.\n\n"
               "  --quiet   print nothing on success\n"
               "  --dump    on success, print the effective configuration as JSON\n\n"
               "exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error\n");
}

/// Compiles each PolicyProvider's bundle; adds an error at the provider for
/// each bundle that fails, and prints the bundle's own errors (file:line:col).
void compileBundles(const config::ConfigSet& config, config::Diagnostics& diagnostics,
                    std::string& bundle_errors) {
  for (const config::PolicyProvider& p : config.policy_providers) {
    const std::string& dir = policy::bundleDirectory(p);
    auto loaded = rego::loadBundle(dir, policy::bundleLoadOptions(p));
    if (loaded.ok()) continue;
    for (const rego::RegoError& e : loaded.errors()) {
      bundle_errors += e.describe();
      bundle_errors += '\n';
    }
    const size_t n = loaded.errors().size();
    diagnostics.error(p.meta.name_pos.known() ? p.meta.name_pos : p.meta.pos,
                      "PolicyProvider " + p.meta.qualifiedName() + ": bundle " + dir +
                          " does not compile (" + std::to_string(n) + " error" +
                          (n == 1 ? "" : "s") + ", above)");
  }
}

}  // namespace

int validateCommand(Args args) {
  bool quiet = false;
  bool dump = false;
  std::string path;
  for (char* const a : args) {
    std::string_view arg = a;
    if (arg == "--help" || arg == "-h") {
      validateUsage(stdout);
      return 0;
    }
    if (arg == "--quiet" || arg == "-q") {
      quiet = true;
    } else if (arg == "--dump") {
      dump = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "meshgate validate: unknown option '%s'\n", a);
      validateUsage(stderr);
      return 2;
    } else if (path.empty()) {
      path = a;
    } else {
      std::fprintf(stderr, "meshgate validate: one FILE or DIR only\n");
      return 2;
    }
  }
  if (path.empty()) {
    validateUsage(stderr);
    return 2;
  }
  config::LoadResult r = config::loadPath(path);
  if (r.ok()) {
    std::string bundle_errors;
    compileBundles(*r.config, r.diagnostics, bundle_errors);
    std::fputs(bundle_errors.c_str(), stderr);
  }
  std::fputs(r.diagnostics.toString().c_str(), stderr);
  if (!r.ok() || r.diagnostics.errorCount() > 0) {
    std::fprintf(stderr, "%s: invalid: %zu error%s, %zu warning%s\n", path.c_str(),
                 r.diagnostics.errorCount(), r.diagnostics.errorCount() == 1 ? "" : "s",
                 r.diagnostics.warningCount(), r.diagnostics.warningCount() == 1 ? "" : "s");
    return 1;
  }
  if (dump) {
    std::printf("%s\n", config::toJson(*r.config).c_str());
  } else if (!quiet) {
    std::printf("%s: valid (%zu file%s, version %s)\n", path.c_str(), r.config->sources.size(),
                r.config->sources.size() == 1 ? "" : "s",
                config::versionHash(*r.config).substr(0, 16).c_str());
  }
  return 0;
}

}  // namespace meshgate::cli
