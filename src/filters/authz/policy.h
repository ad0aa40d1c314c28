// SPDX-License-Identifier: Apache-2.0
// AuthorizationPolicy compiled into matchers: the request attributes policies
// read, one Term per field (values OR'ed, optionally negated), rules and
// policies with Istio's AND/OR structure. Built once per config generation;
// immutable and shared by every worker. Depends on config, http, filter_api.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/security.h"
#include "filter_api/filter.h"
#include "filters/authz/ip_set.h"
#include "filters/authz/pattern_set.h"
#include "http/header_map.h"

namespace meshgate::filters::authz {

/// The Istio namespace whose policies without a selector apply to every
/// workload (MeshConfig.rootNamespace, "istio-system" by default). meshgate has
/// no MeshConfig; the root namespace is this constant (ADR 0651).
inline constexpr std::string_view kRootNamespace = "istio-system";

/// The annotation that turns a policy into a dry run (evaluated and logged,
/// never enforced), as Istio's istio.io/dry-run.
inline constexpr std::string_view kDryRunAnnotation = "istio.io/dry-run";

/// What the policies see of one request, for one reading of its path. The
/// views point into the request and the filter; valid for one evaluation.
struct RequestAttributes {
  /// The path without the query, as matched (lower-cased when the listener's
  /// pathNormalization.caseInsensitiveMatching is set).
  std::string_view path;
  /// The authority (Host), ASCII lower-cased: hosts match case-insensitively.
  std::string_view host;
  /// The authority as received, for request.headers[host].
  std::string_view authority;
  std::string_view method;
  const http::HeaderMap* headers = nullptr;
  uint16_t destination_port = 0;
  IpKey source_ip;       // the TCP peer (ipBlocks, source.ip)
  IpKey remote_ip;       // the client after X-Forwarded-For (remoteIpBlocks, remote.ip)
  IpKey destination_ip;  // the local address (destination.ip)
  std::string_view sni;  // "" on cleartext connections
  /// The verified JWT's identity; null when the request carried none.
  const filter_api::RequestIdentity* identity = nullptr;
  /// The JWT's "iss" and "sub" (requestPrincipals, request.auth.principal).
  std::optional<std::string_view> jwt_issuer;
  std::optional<std::string_view> jwt_subject;
  /// The peer's mTLS identity ("cluster.local/ns/foo/sa/bar") and namespace.
  /// meshgate has no mTLS yet, so both are always absent: principals,
  /// namespaces, source.principal and source.namespace never match and their
  /// not* forms always match, exactly as in Istio on a plaintext connection.
  std::optional<std::string_view> peer_principal;
  std::optional<std::string_view> peer_namespace;
  /// Scratch space for joining repeated header fields (owned by the filter).
  std::string* scratch = nullptr;
};

/// The attribute a Term reads.
enum class Attribute : uint8_t {
  Path,
  Host,
  Method,
  DestinationPort,
  SourceIp,
  RemoteIp,
  DestinationIp,
  Sni,
  Header,            // request.headers[name]
  Claim,             // request.auth.claims[a][b]...
  RequestPrincipal,  // requestPrincipals, request.auth.principal ("iss/sub")
  Audiences,         // request.auth.audiences
  Presenter,         // request.auth.presenter
  PeerPrincipal,     // principals, source.principal (mTLS)
  PeerNamespace,     // namespaces, source.namespace (mTLS)
};

std::string_view attributeName(Attribute a);

/// One field of a rule: its values OR'ed, the whole negated for not* fields and
/// notValues.
struct Term {
  Attribute attribute = Attribute::Path;
  bool negate = false;
  PatternSet patterns;
  IpRangeSet ips;
  std::vector<uint16_t> ports;  // sorted
  /// requestPrincipals split as Istio does: (issuer pattern, subject pattern).
  std::vector<std::pair<PatternSet, PatternSet>> jwt_principals;
  std::string header;                   // Header: lower-cased name
  std::vector<std::string> claim_path;  // Claim

  bool matches(const RequestAttributes& a) const { return positive(a) != negate; }
  /// The un-negated test.
  bool positive(const RequestAttributes& a) const;
};

/// AND of terms; empty is true.
using Conjunction = std::vector<Term>;

struct CompiledRule {
  std::vector<Conjunction> from;  // OR; empty: any source
  std::vector<Conjunction> to;    // OR; empty: any operation
  Conjunction when;               // AND
  bool matches(const RequestAttributes& a) const;
};

struct CompiledPolicy {
  using Action = config::AuthorizationPolicy::Action;
  std::string namespace_;
  std::string name;
  std::string qualified_name;  // "ns/name"
  Action action = Action::Allow;
  bool dry_run = false;
  std::string provider;  // CUSTOM
  /// Empty: the policy matches nothing (an ALLOW policy with no rules denies
  /// every request of the workloads it applies to).
  std::vector<CompiledRule> rules;
  bool uses_path = false;
  bool uses_request_principal = false;

  /// Envoy's RBAC policy id of one rule, "ns[NS]-policy[NAME]-rule[I]".
  std::string ruleId(size_t rule) const;
};

struct CompileOptions {
  /// Paths are matched lower-cased (the listener's caseInsensitiveMatching).
  bool case_insensitive_paths = false;
};

/// Compiles a validated policy. Warnings (e.g. an unparsable dry-run
/// annotation) are appended to `warnings`.
CompiledPolicy compilePolicy(const config::AuthorizationPolicy& policy,
                             const CompileOptions& options, std::vector<std::string>* warnings);

/// Go's strconv.ParseBool, which Istio uses for istio.io/dry-run.
std::optional<bool> parseGoBool(std::string_view text);

const char* actionName(CompiledPolicy::Action action);

}  // namespace meshgate::filters::authz
