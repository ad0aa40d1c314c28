// SPDX-License-Identifier: Apache-2.0
// `meshgate diff OLD NEW`: a semantic diff of two configurations (files or
// directories) in terms of what the proxy runs. Exit status as diff(1):
// 0 equal, 1 different, 2 trouble (an invalid config or a usage error).
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "config/diff.h"
#include "config/loader.h"

namespace meshgate::cli {

namespace {

void diffUsage(FILE* out) {
  std::fprintf(out,
               "usage: meshgate diff [--json] OLD NEW\n\n"
               "Compares two configurations (files or directories) by meaning: which\n"
               "listeners, routes, clusters, endpoints, policies and workloads were added (+),\n"
               "removed (-) or changed (~), and for changes which fields, from what to what.\n"
               "Formatting, comments, file layout and object order are not changes.\n\n"
               "  --json    print {\"equal\": bool, \"changes\": [...]} instead of text\n\n"
               "exit status (as diff(1)): 0 equal, 1 different, 2 trouble\n");
}

}  // namespace

int diffCommand(Args args) {
  bool json = false;
  std::string paths[2];
  int n = 0;
  for (char* const a : args) {
    std::string_view arg = a;
    if (arg == "--help" || arg == "-h") {
      diffUsage(stdout);
      return 0;
    }
    if (arg == "--json") {
      json = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "meshgate diff: unknown option '%s'\n", a);
      diffUsage(stderr);
      return 2;
    } else if (n < 2) {
      paths[n++] = a;
    } else {
      std::fprintf(stderr, "meshgate diff: expected exactly two configurations\n");
      return 2;
    }
  }
  if (n != 2) {
    diffUsage(stderr);
    return 2;
  }
  config::LoadResult old_cfg = config::loadPath(paths[0]);
  config::LoadResult new_cfg = config::loadPath(paths[1]);
  bool trouble = false;
  for (config::LoadResult* r : {&old_cfg, &new_cfg}) {
    if (!r->ok()) {
      std::fputs(r->diagnostics.toString().c_str(), stderr);
      trouble = true;
    }
  }
  if (trouble) {
    std::fprintf(stderr, "meshgate diff: cannot compare invalid configurations\n");
    return 2;
  }
  config::ConfigDiff d = config::diff(*old_cfg.config, *new_cfg.config);
  if (json)
    std::printf("%s\n", d.toJson().c_str());
  else
    std::fputs(d.toText().c_str(), stdout);
  return d.empty() ? 0 : 1;
}

}  // namespace meshgate::cli
