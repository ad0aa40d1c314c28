// SPDX-License-Identifier: Apache-2.0
// The security.istio.io kinds: RequestAuthentication, AuthorizationPolicy,
// PeerAuthentication, with Istio's field names and semantics (istio/api
// security/v1). Depends on config/types.h only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/types.h"

namespace meshgate::config {

/// Which workloads (meshgate Listeners and Gateway listeners) a policy applies
/// to: `selector`, or `targetRef`/`targetRefs`, or neither (the whole namespace;
/// the root namespace "istio-system" means every listener).
struct PolicyTarget {
  std::optional<WorkloadSelector> selector;
  std::vector<PolicyTargetRef> target_refs;  // targetRef is folded in here
};

// ----------------------------------------------------- RequestAuthentication

struct JwtHeader {
  std::string name;    // lower-cased
  std::string prefix;  // e.g. "Bearer "
};

struct ClaimToHeader {
  std::string header;
  std::string claim;  // may be nested: "a.b.c"
};

struct JwtRule {
  std::string issuer;
  std::vector<std::string> audiences;
  std::string jwks_uri;
  std::string jwks;  // inline JWKS JSON
  /// Empty fromHeaders and fromParams and fromCookies means Istio's default:
  /// "Authorization: Bearer <token>" and the "access_token" query parameter.
  std::vector<JwtHeader> from_headers;
  std::vector<std::string> from_params;
  std::vector<std::string> from_cookies;
  std::string output_payload_to_header;
  bool forward_original_token = false;
  std::vector<ClaimToHeader> output_claim_to_headers;
  /// JWKS fetch timeout; Istio default 5s.
  Duration timeout = std::chrono::seconds(5);
  SourcePos pos;
};

struct RequestAuthentication {
  ObjectMeta meta;
  PolicyTarget target;
  std::vector<JwtRule> jwt_rules;
};

// ----------------------------------------------------- AuthorizationPolicy

struct Source {
  std::vector<std::string> principals, not_principals;
  std::vector<std::string> request_principals, not_request_principals;
  std::vector<std::string> namespaces, not_namespaces;
  std::vector<Cidr> ip_blocks, not_ip_blocks;
  std::vector<Cidr> remote_ip_blocks, not_remote_ip_blocks;
  SourcePos pos;
};

struct Operation {
  std::vector<std::string> hosts, not_hosts;
  std::vector<uint16_t> ports, not_ports;
  std::vector<std::string> methods, not_methods;
  std::vector<std::string> paths, not_paths;
  SourcePos pos;
};

/// A `when` condition. The key is validated against Istio's list of
/// attributes (docs/config.md); `values`/`notValues` are validated per key (IP,
/// CIDR, port number).
struct Condition {
  enum class Key {
    RequestHeader,         // request.headers[<name>]
    SourceIp,              // source.ip
    RemoteIp,              // remote.ip
    SourceNamespace,       // source.namespace
    SourcePrincipal,       // source.principal
    RequestAuthPrincipal,  // request.auth.principal
    RequestAuthAudiences,  // request.auth.audiences
    RequestAuthPresenter,  // request.auth.presenter
    RequestAuthClaims,     // request.auth.claims[<name>][<nested>]...
    DestinationIp,         // destination.ip
    DestinationPort,       // destination.port
    ConnectionSni,         // connection.sni
  };
  std::string key;  // as written
  Key kind = Key::RequestHeader;
  /// request.headers[x-foo] -> {"x-foo"}; request.auth.claims[a][b] -> {"a", "b"}.
  std::vector<std::string> key_args;
  std::vector<std::string> values;
  std::vector<std::string> not_values;
  SourcePos pos;
};

struct Rule {
  std::vector<Source> from;
  std::vector<Operation> to;
  std::vector<Condition> when;
  SourcePos pos;
};

struct AuthorizationPolicy {
  enum class Action { Allow, Deny, Audit, Custom };
  ObjectMeta meta;
  PolicyTarget target;
  Action action = Action::Allow;
  /// provider.name, for CUSTOM: the name of a meshgate.io/v1 PolicyProvider.
  std::string provider;
  SourcePos provider_pos;
  /// Empty rules: matches nothing (an ALLOW policy with no rules denies all).
  std::vector<Rule> rules;
};

// ----------------------------------------------------- PeerAuthentication

struct PeerAuthentication {
  enum class Mode { Unset, Disable, Permissive, Strict };
  ObjectMeta meta;
  std::optional<WorkloadSelector> selector;
  Mode mode = Mode::Unset;
  std::map<uint16_t, Mode> port_level_mtls;
};

/// Istio path/host pattern forms used by Operation: "*" (any), "/a/*" (prefix),
/// "*.b" (suffix), or exact. `text` must already be normalised by the caller.
bool authzPatternMatches(std::string_view pattern, std::string_view text);

}  // namespace meshgate::config
