// SPDX-License-Identifier: Apache-2.0
// `meshgate run`: start the proxy on a config file or directory, or on the
// embedded default.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "server/server.h"

namespace meshgate::cli {

namespace {

constexpr const char* kUsage =
    "usage: meshgate run [-c FILE|DIR] [--concurrency N] [options]\n"
    "\n"
    "Starts the proxy. Without -c it runs the embedded default: a listener on\n"
    "127.0.0.1:8080 in front of a built-in demo upstream, and the admin listener\n"
    "on 127.0.0.1:9901.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE|DIR      Kubernetes-style YAML (Istio kinds + meshgate.io/v1)\n"
    "      --concurrency N        worker threads (default: one per CPU core)\n"
    "      --busy-poll DURATION   after traffic, each worker polls without sleeping\n"
    "                             for up to DURATION (e.g. 500us), yielding the CPU\n"
    "                             to other threads: less latency on VMs, more CPU\n"
    "                             (default 0: off; see docs/performance.md)\n"
    "      --admin-address-path F write the admin address to F once ready\n"
    "      --no-watch             reload on SIGHUP only, not on file changes\n"
    "      --log-level LEVEL      debug, info, warn, error, off (default info)\n"
    "  -h, --help                 this text\n"
    "\n"
    "signals: SIGHUP reloads the config; SIGTERM/SIGINT drain gracefully and exit 0.\n";

}  // namespace

int runCommand(Args args) {
  server::ServerOptions opts;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "meshgate run: %s needs a value\n", flag);
        return nullptr;
      }
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "-c" || a == "--config") {
      const char* v = value("--config");
      if (!v) return 2;
      opts.config_path = v;
    } else if (a == "--concurrency") {
      const char* v = value("--concurrency");
      if (!v) return 2;
      auto n = base::parseUint64(v);
      if (!n || *n == 0 || *n > 1024) {
        std::fprintf(stderr,
                     "meshgate run: --concurrency wants a number from 1 to 1024, not '%s'\n", v);
        return 2;
      }
      opts.concurrency = static_cast<uint32_t>(*n);
    } else if (a == "--busy-poll") {
      const char* v = value("--busy-poll");
      if (!v) return 2;
      auto d = base::parseDuration(v);
      if (!d || *d > std::chrono::seconds(1)) {
        std::fprintf(stderr,
                     "meshgate run: --busy-poll wants a duration from 0 to 1s (e.g. 500us), not "
                     "'%s'\n",
                     v);
        return 2;
      }
      opts.busy_poll = *d;
    } else if (a == "--admin-address-path") {
      const char* v = value("--admin-address-path");
      if (!v) return 2;
      opts.admin_address_path = v;
    } else if (a == "--no-watch") {
      opts.watch = false;
    } else if (a == "--log-level") {
      const char* v = value("--log-level");
      if (!v) return 2;
      base::LogLevel level;
      if (!base::parseLogLevel(v, &level)) {
        std::fprintf(stderr, "meshgate run: unknown log level '%s'\n", v);
        return 2;
      }
      base::setLogLevel(level);
    } else {
      std::fprintf(stderr, "meshgate run: unknown argument '%s'\n\n%s", args[i], kUsage);
      return 2;
    }
  }
  server::Server server(opts);
  return server.run();
}

}  // namespace meshgate::cli
