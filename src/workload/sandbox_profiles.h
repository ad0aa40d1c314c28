// SPDX-License-Identifier: Apache-2.0
// The bridge between the config's SandboxProfile documents (an external kind,
// config/external_kinds.h) and the sandbox library: the validator that makes
// `meshgate validate` check a SandboxProfile spec with file:line:col, and the
// lookup of the profile a Workload runs under. Depends on config, sandbox.
#pragma once

#include <string>

#include "base/result.h"
#include "config/config_set.h"
#include "sandbox/profile.h"

namespace meshgate::workload {

/// Registers the meshgate.io/v1 SandboxProfile validator with the config
/// loader. Call once at start-up, before loading a config; idempotent.
void registerSandboxProfileKind();

/// The profile `w` names: a SandboxProfile of `config` in the Workload's
/// namespace (relative paths in it resolve against its file's directory), or
/// a built-in one. Main thread: reads the config's yaml-cpp nodes.
base::Result<sandbox::Profile> resolveProfile(const config::ConfigSet& config,
                                              const config::Workload& w);

/// The profile with the Workload's own process settings applied: working
/// directory, and its env added to the profile's allowlist (a Workload value
/// replaces the profile's for the same name).
sandbox::Profile applyWorkloadProcess(sandbox::Profile profile, const config::Workload& w);

/// A text that changes whenever what the process runs as would change: the
/// command, args, env, working dir, address, port and the profile's content.
/// Two equal fingerprints need no restart on reload.
std::string processFingerprint(const config::ConfigSet& config, const config::Workload& w);

}  // namespace meshgate::workload
