// SPDX-License-Identifier: Apache-2.0
// The CustomAuthorizer of AuthorizationPolicy action CUSTOM backed by the
// embedded Rego engine: a PolicyProvider's bundle is compiled once (and reused
// across config generations while its files are unchanged), each request is
// turned into OPA-Envoy's input, the decision path is evaluated by a per-thread
// evaluator, and the result is read as OPA-Envoy reads it. Depends on
// filters/authz (the extension point), filter_api, config and rego.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "config/meshgate_kinds.h"
#include "filter_api/registry.h"
#include "filters/authz/custom_authorizer.h"
#include "rego/bundle.h"

namespace meshgate::policy {

/// A compiled bundle and what identifies it. Immutable, shared by every
/// generation whose PolicyProviders name the same unchanged bundle.
struct CompiledBundle {
  rego::Bundle bundle;
  /// The .manifest revision, else "sha:" + the content hash.
  std::string revision;
  /// xxHash64 over the bundle's file names and contents, in hex.
  std::string content_hash;
};

/// The bundle directory of `provider` (relative paths resolved against its file).
const std::string& bundleDirectory(const config::PolicyProvider& provider);
/// How `provider`'s bundle is loaded: its Rego version, data files as in OPA bundles.
rego::LoadOptions bundleLoadOptions(const config::PolicyProvider& provider);

/// The bundle of `provider`, compiled or taken from `services.shared` when the
/// directory's files (names and contents) are unchanged since it was compiled.
/// An error (unreadable directory, parse or compile errors with positions) is
/// logged and returned; the caller rejects the generation.
base::Result<std::shared_ptr<const CompiledBundle>> loadBundleCached(
    const config::PolicyProvider& provider, filter_api::BuildServices& services);

/// Builds the authorizer of `provider` for a generation (the factory that
/// registerRegoAuthorizer() registers). Each evaluation runs under the
/// provider's `limits`; one that exceeds them is an error decision.
base::Result<std::shared_ptr<const filters::authz::CustomAuthorizer>> makeRegoAuthorizer(
    const config::PolicyProvider& provider, filter_api::BuildServices& services);

/// Registers the Rego authorizer for every PolicyProvider (kAnyProvider). Call
/// once at start-up, beside filters::registerBuiltinFilters().
void registerRegoAuthorizer();

}  // namespace meshgate::policy
