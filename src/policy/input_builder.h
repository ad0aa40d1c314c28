// SPDX-License-Identifier: Apache-2.0
// The `input` document of a policy decision, shaped exactly as the OPA-Envoy
// plugin builds it from Envoy's ext_authz v3 CheckRequest (protojson field
// names and encodings), but built straight from the request as Rego values.
// Depends on filter_api and rego/value only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "filter_api/filter.h"
#include "rego/value/value.h"

namespace meshgate::rego {
class ValueArena;
}

namespace meshgate::policy {

/// What the authz filter captured of the body (PolicyProvider.includeRequestBody).
struct BodyCapture {
  /// False when the provider does not capture bodies: no body fields at all.
  bool enabled = false;
  std::string_view bytes;
  /// The body was cut at includeRequestBody.maxBytes.
  bool truncated = false;
  /// includeRequestBody.packAsBytes: the body goes to raw_body (base64), not body.
  bool pack_as_bytes = false;
};

/// Builds `input` for the request in `ctx`:
///   attributes.{source,destination}.address.socketAddress.{address,portValue},
///   attributes.request.time, attributes.request.http.{id, method, path, host,
///   scheme, protocol, headers, size, body | raw_body}, attributes.metadataContext,
///   parsed_path, parsed_query, parsed_body, truncated_body, version.
/// As protojson does, empty strings and zero numbers are left out and int64
/// fields (size) are strings. Errors where OPA-Envoy's RequestToInput fails: a
/// path that Go's url.Parse rejects, or a JSON body that does not parse.
/// With `arena`, the request's own strings and objects are built in it (the
/// input then lives until the arena's next reset; see rego/value/arena.h);
/// without, on the heap.
base::Result<rego::Value> buildInput(filter_api::FilterContext& ctx, const BodyCapture& body,
                                     base::SystemTime now, rego::ValueArena* arena = nullptr);

/// OPA-Envoy's parsed_path: the path (query cut off) percent-decoded as Go's
/// url.Parse does, leading slashes trimmed, split at "/". Errors on a malformed
/// escape.
base::Result<rego::Value> parsePath(std::string_view path_and_query,
                                    rego::ValueArena* arena = nullptr);
/// OPA-Envoy's parsed_query: Go's url.ParseQuery, keeping what parses; every
/// value is an array of strings.
rego::Value parseQuery(std::string_view query, rego::ValueArena* arena = nullptr);
/// protojson's Timestamp text: RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits.
std::string protojsonTimestamp(base::SystemTime t);
void appendProtojsonTimestamp(std::string& out, base::SystemTime t);

}  // namespace meshgate::policy
