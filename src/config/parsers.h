// SPDX-License-Identifier: Apache-2.0
// Internal to the loader: one parse function per kind (spec -> model), plus the
// helpers they share. Each reports problems through the MapReader's context and
// fills as much of the model as it can. Depends on config/yaml_reader.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config_set.h"
#include "config/yaml_reader.h"

namespace meshgate::config {

/// Where the document came from, for resolving relative paths.
struct ParseEnv {
  std::string base_dir;  // directory of the file ("" for inline text)
};

void parseServiceEntry(MapReader& spec, ServiceEntry& out);
void parseDestinationRule(MapReader& spec, DestinationRule& out);
void parseVirtualService(MapReader& spec, VirtualService& out);
void parseGateway(MapReader& spec, Gateway& out);
void parseRequestAuthentication(MapReader& spec, RequestAuthentication& out);
void parseAuthorizationPolicy(MapReader& spec, AuthorizationPolicy& out);
void parsePeerAuthentication(MapReader& spec, PeerAuthentication& out);
void parseListener(MapReader& spec, const ParseEnv& env, Listener& out);
void parseAdmin(MapReader& spec, Admin& out);
void parseDemoUpstream(MapReader& spec, DemoUpstream& out);
void parseRateLimitPolicy(MapReader& spec, RateLimitPolicy& out);
void parseHealthCheck(MapReader& spec, HealthCheck& out);
void parsePolicyProvider(MapReader& spec, const ParseEnv& env, PolicyProvider& out);
void parseWorkload(MapReader& spec, Workload& out);

// ---- shared helpers

/// Istio StringMatch {exact|prefix|regex}. `allow_empty`: {} means "present"
/// (header and query matches), stored as Prefix "".
std::optional<StringMatch> readStringMatch(DocContext& ctx, const YAML::Node& node,
                                           std::string_view what, bool allow_empty);
/// selector.matchLabels (security) or workloadSelector.labels (networking).
std::optional<WorkloadSelector> readSelector(MapReader& m, std::string_view key,
                                             std::string_view labels_key);
std::optional<PolicyTargetRef> readTargetRef(DocContext& ctx, const YAML::Node& node);
Destination readDestination(DocContext& ctx, const YAML::Node& node, std::string_view what);
Headers readHeaders(DocContext& ctx, const YAML::Node& node);
/// {value: <double>} in [0, 100].
std::optional<Percent> readPercent(DocContext& ctx, const YAML::Node& node, std::string_view what);

/// RFC 9110 token (header names, methods).
bool isHttpToken(std::string_view s);
/// DNS-1123 host names, optionally starting with "*." (or "*" alone when
/// allow_star).
bool isValidHostName(std::string_view host, bool allow_wildcard, bool allow_star);
/// Resolves a relative path against the file's directory.
std::string resolvePath(const ParseEnv& env, const std::string& path);

}  // namespace meshgate::config
