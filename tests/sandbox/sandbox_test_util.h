// SPDX-License-Identifier: Apache-2.0
// Helpers for the sandbox's containment and functional tests: profiles that
// can run the probe, one sandboxed run with its output and events, and the
// kernel features a test may need (each test that lacks one skips, saying why).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/profile.h"
#include "sandbox/sandbox.h"

namespace meshgate::sandbox::testing {

/// Absolute path of the sandbox_probe helper binary.
std::string probePath();

/// A built-in profile plus a read-only bind of the probe's directory.
Profile probeProfile(std::string_view builtin);

struct SandboxRun {
  bool spawned = false;
  std::string spawn_error;
  Outcome outcome;
  std::string out;  // stdout
  std::string err;  // stderr
  std::vector<Event> events;

  /// The first violation event for `syscall`, or nullptr.
  const Event* violation(std::string_view syscall) const;
  size_t violationCount() const;
  const Event* limit(std::string_view name) const;
};

/// Runs `argv` under `profile` to the end (bounded by a 60 s wall-time limit
/// unless the profile sets one). Stdin is /dev/null unless `stdin_fd` >= 0.
SandboxRun runSandboxed(const Profile& profile, const std::vector<std::string>& argv,
                        SpawnOptions options = {}, int stdin_fd = -1);

/// Runs the probe: runSandboxed(profile, {probePath(), args...}).
SandboxRun runProbe(const Profile& profile, const std::vector<std::string>& args,
                    SpawnOptions options = {}, int stdin_fd = -1);

/// Why the machine cannot run a test that needs `feature`, or nullopt.
/// Features: "userns", "landlock", "landlock-net", "landlock-scope",
/// "user-notif", "cgroup-<controller>" (v1 or v2), "cgroup2-<controller>" (v2 only),
/// "ia32", "python3", "nginx", "root".
std::optional<std::string> missing(std::string_view feature);

}  // namespace meshgate::sandbox::testing

/// Skips the current test, printing the reason, when `feature` is missing.
#define MG_REQUIRE_FEATURE(feature)                                      \
  do {                                                                   \
    if (auto mg_why_ = ::meshgate::sandbox::testing::missing(feature)) { \
      GTEST_SKIP() << "needs " << (feature) << ": " << *mg_why_;         \
    }                                                                    \
  } while (0)
