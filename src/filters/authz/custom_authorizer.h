// SPDX-License-Identifier: Apache-2.0
// The extension point of AuthorizationPolicy action CUSTOM: a CustomAuthorizer
// decides the requests that a provider's CUSTOM rules select, and a process-wide
// registry maps PolicyProvider names to factories that build authorizers for a
// config generation. The Rego engine plugs in here (issue 4). Depends on
// filter_api and config only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "config/meshgate_kinds.h"
#include "filter_api/filter.h"
#include "filter_api/registry.h"

namespace meshgate::filters::authz {

/// What the authorizer is asked about one request.
struct CustomCheck {
  /// The request (head, stream facts, identity). Read it; do not call respond(),
  /// resume() or bufferRequestBody() (the authz filter owns the chain).
  filter_api::FilterContext& ctx;
  /// The PolicyProvider's name and settings (decision path, body capture...).
  const config::PolicyProvider& provider;
  /// The request body captured under the provider's includeRequestBody (empty
  /// otherwise), and whether it was cut at includeRequestBody.maxBytes.
  std::string_view body;
  bool body_truncated = false;
  /// Qualified names ("ns/name") of the CUSTOM policies whose rules selected
  /// the request.
  std::span<const std::string> policies;
  /// True for an istio.io/dry-run policy: the decision is only logged.
  bool dry_run = false;
};

/// The answer, shaped as OPA-Envoy's result object.
struct CustomDecision {
  enum class Result : uint8_t {
    Allow,
    Deny,
    /// The provider could not decide (evaluation error, budget exhausted...).
    /// The request is denied unless the PolicyProvider sets failOpen.
    Error,
  };
  Result result = Result::Error;
  /// Deny: the local reply's status and body (OPA-Envoy http_status, body).
  uint16_t status = 403;
  std::string body;
  /// Deny: headers on the local reply. Allow: headers added to the response
  /// sent to the client (OPA-Envoy response_headers_to_add).
  std::vector<std::pair<std::string, std::string>> response_headers;
  /// Allow: headers set on the request forwarded upstream (OPA-Envoy headers).
  std::vector<std::pair<std::string, std::string>> request_headers;
  /// Allow: headers removed from the forwarded request.
  std::vector<std::string> request_headers_to_remove;
  /// Why (for the access log and the process log), e.g. "budget exceeded".
  std::string message;
};

/// Decides requests for one PolicyProvider in one config generation.
///
/// Immutable after construction and shared by every worker: check() is called
/// concurrently from all worker threads, on the request path, and must not
/// block (no I/O, no locks held for long); an in-process policy engine is the
/// intended implementation. It is never called for requests the provider's
/// CUSTOM rules do not select.
class CustomAuthorizer {
 public:
  virtual ~CustomAuthorizer() = default;
  virtual CustomDecision check(const CustomCheck& check) const = 0;
};

/// Builds the authorizer of one PolicyProvider for one config generation. Called
/// on the main thread for every route whose policies name the provider, so an
/// implementation should cache what is costly to build (compiled bundles) in
/// `services.shared`. An error rejects the whole generation (the previous one
/// keeps serving), as a bundle that fails to compile should.
using CustomAuthorizerFactory = std::function<base::Result<std::shared_ptr<const CustomAuthorizer>>(
    const config::PolicyProvider& provider, filter_api::BuildServices& services)>;

/// The name that registers a factory for every PolicyProvider without a
/// factory of its own.
inline constexpr std::string_view kAnyProvider = "*";

/// Registers `factory` for the PolicyProvider named `provider_name` (or for any
/// provider with kAnyProvider), replacing an earlier registration. Thread-safe;
/// normally called once at start-up, before configs are built.
void registerCustomAuthorizer(std::string provider_name, CustomAuthorizerFactory factory);
/// Removes a registration (tests).
void unregisterCustomAuthorizer(std::string_view provider_name);
/// The factory for `provider_name`: its own registration, else kAnyProvider's,
/// else an empty function. Until one exists, CUSTOM policies naming the
/// provider deny the requests they select (fail closed).
CustomAuthorizerFactory findCustomAuthorizer(std::string_view provider_name);

}  // namespace meshgate::filters::authz
